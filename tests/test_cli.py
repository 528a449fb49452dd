"""The `newsbot` command as a user runs it: a real process, real store, real exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index.settings import Settings
from tests.conftest import ROOT, free_port

NEWSBOT = str(Path(sys.executable).parent / "newsbot")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    full_env.update(env or {})
    return subprocess.run(
        [NEWSBOT, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )


def readme_command(marker: str) -> str:
    """The README's command line that contains `marker`."""
    for line in (ROOT / "README.md").read_text().splitlines():
        if marker in line and not line.lstrip().startswith("#"):
            return line.strip()
    raise AssertionError(f"README has no command with {marker!r}")


def readme_sample_answer() -> str:
    """The README's example of what `newsbot ask` prints for its first command's question."""
    text = (ROOT / "README.md").read_text()
    after = text.split("For the question\nabove, on the starter article:", 1)[1]
    return after.split("```\n", 2)[1].strip()


def test_readme_first_command_answers_from_seeds(tmp_path: Path) -> None:
    command = readme_command("newsbot ask")
    assert command.startswith("pip install -e . && ")
    question = re.search(r'newsbot ask "([^"]+)"', command).group(1)
    result = run("ask", question, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "indexing" in result.stderr and "1 added" in result.stderr
    assert "[1]" in result.stdout and "Sources" in result.stdout
    assert "nine" in result.stdout.lower()
    assert result.stdout.strip() == readme_sample_answer()  # the README shows what it prints
    # the second ask reuses the store
    again = run("ask", question, "--json", cwd=tmp_path)
    payload = json.loads(again.stdout)
    assert "indexing" not in again.stderr
    assert {"question", "answer", "refused", "citations"} <= payload.keys()
    for c in payload["citations"]:
        assert {"n", "doc_id", "title", "source", "url", "published_at", "quote"} <= c.keys()


def test_readme_test_command_is_what_ci_runs() -> None:
    command = readme_command("pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci


def test_json_shapes_of_sources_and_stats(tmp_path: Path) -> None:
    assert run("index", cwd=tmp_path).returncode == 0
    sources = json.loads(run("sources", "Iran strikes", "--json", "-k", "2", cwd=tmp_path).stdout)
    assert sources["question"] == "Iran strikes" and len(sources["passages"]) == 2
    assert {"rank", "doc_id", "title", "text", "score"} <= sources["passages"][0].keys()
    stats = json.loads(run("stats", "--json", cwd=tmp_path).stdout)
    assert stats["articles"] == 1 and stats["chunks"] >= 1
    report = json.loads(run("index", "--json", cwd=tmp_path).stdout)
    assert len(report["unchanged"]) == 1


def test_forget_then_stats(tmp_path: Path) -> None:
    run("index", cwd=tmp_path)
    seed = str(ROOT / "seeds" / "pakistan-iran-strikes.md")
    result = run("forget", seed, cwd=tmp_path)
    assert result.returncode == 0 and "Forgot" in result.stdout
    missing = run("forget", seed, cwd=tmp_path)
    assert missing.returncode == 1 and "no indexed article" in missing.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["ask", ""], {}, "the question is empty"),
        (["ask", "x" * 20_000], {}, "too long"),
        (["ask", "caf\udce9 strike"], {}, "not UTF-8 text"),  # the byte 0xe9, as Latin-1 sends it
        (["sources", "caf\udce9"], {}, "not UTF-8 text"),
        (["index", "no/such/dir"], {}, "no such file"),
        (["stats"], {"NEWSBOT_CHROMA_HOST": "127.0.0.1"}, "index is unavailable"),
        (["stats"], {"NEWSBOT_TOP_K": "many"}, "NEWSBOT_TOP_K"),
        (["stats"], {"NEWSBOT_CHROMA_PORT": "70000"}, "NEWSBOT_CHROMA_PORT"),
    ],
)
def test_errors_are_one_line_and_non_zero(tmp_path, args, env, message) -> None:
    if "NEWSBOT_CHROMA_HOST" in env:
        env = {**env, "NEWSBOT_CHROMA_PORT": str(free_port())}  # nothing listens there
    result = run(*args, cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = run("--help", cwd=tmp_path).stdout
    for command in ("index", "ask", "sources", "stats", "forget"):
        assert command in out


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r"^#?\s*(NEWSBOT_[A-Z_]+)=", example, re.M))
    expected = {f"NEWSBOT_{name.upper()}" for name in Settings.model_fields}
    assert expected <= names, expected - names


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEWSBOT_COLLECTION=from-dotenv\n")
    stats = json.loads(run("stats", "--json", cwd=tmp_path).stdout)
    assert stats["collection"] == "from-dotenv"


def test_install_pulls_no_torch_or_cuda() -> None:
    from importlib import metadata

    names = {(d.metadata["Name"] or "").lower() for d in metadata.distributions()}
    assert "torch" not in names
    assert not [n for n in names if n.startswith("nvidia-")]
