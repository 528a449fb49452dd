"""The collector paused while a command starts always comes back on: a long command (indexing,
the bot, the eval) must never run without it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.cli.startup import pause_collector


@pytest.fixture
def paused() -> Iterator[None]:
    pause_collector()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],  # opens the engine first: back on once it is open
        ["feed", "list"],  # never opens it: back on at once
        ["ask", ""],  # refused before any answer, after the engine opened
    ],
)
def test_collector_is_back_on_after_any_command(paused, tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env={"NEWSBOT_DATA_DIR": str(tmp_path / "data")})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what existed at the start is out of the collector's way


def test_collector_is_back_on_when_the_engine_fails_to_open(paused, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = CliRunner().invoke(cli, ["stats"], env={"NEWSBOT_DATA_DIR": str(blocked / "data")})
    assert result.exit_code != 0
    assert gc.isenabled()


def test_a_question_never_imports_llama_index(tmp_path: Path) -> None:
    """Importing `llama_index.core` runs its whole package (0.56 s of a fresh `newsbot ask`): the
    question path reads chunks as `StoredChunk`s and embeds with the plain `OnnxEmbedding`, and
    only indexing, LLM mode and the llama-index doors import it. Checked in a fresh interpreter,
    on a store indexed by another process, the way `newsbot ask` runs."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "data"), "NEWSBOT_WARM_MINUTES": "0"}
    newsbot = str(Path(sys.executable).parent / "newsbot")
    subprocess.run([newsbot, "index"], env=env, check=True, capture_output=True, cwd=tmp_path)
    script = """
import sys
from index.engine import Engine
from index.settings import load_settings
engine = Engine(load_settings())
answer = engine.ask("How many people did the Pakistani strike kill?")
assert not answer.refused and "nine" in answer.answer.lower(), answer.answer
assert engine.sources("Iran strikes")
loaded = sorted(n for n in sys.modules if n.startswith("llama_index."))
print(loaded)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
