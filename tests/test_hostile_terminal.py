"""Terminal escape codes in articles (OSC 8 links, title changes, colours, clear-screen, C1
controls, carriage returns and backspaces that overwrite what was printed) never reach the
terminal from `newsbot ask`, `sources`, `list` or an index report, piped or not; `--json` still
carries every character exactly, as JSON's own escapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_cli import run

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline
TITLE = "Harbour \x1b]0;pwned\x07reopens \x1b[31mtoday\x1b[0m\rFAKE TITLE\x08\x08"
SOURCE = "News \x1b]8;;https://evil.example/login\x1b\\Example\x1b]8;;\x1b\\"
URL = "https://news.example/a\x1b[2J\x9b2J"
BODY = (
    "The harbour reopened on Monday after repairs \x1b[2J\x1b[Hthat cost 4 million euros. "
    "The quay was \x1b]8;;https://evil.example/login\x1b\\rebuilt by the city\x1b]8;;\x1b\\ "
    "in nine months.\x9b31m The ferry \x7fruns again."
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    articles = tmp_path / "articles"
    articles.mkdir()
    record = {"title": TITLE, "source": SOURCE, "url": URL, "body": BODY}
    (articles / "hostile.json").write_text(json.dumps(record))
    (articles / "\x1b]0;pwned\x07.txt").write_text("")  # skipped: its name is in the report
    return {"NEWSBOT_DATA_DIR": str(tmp_path / "data"), "NEWSBOT_SOURCES": str(articles)}


def test_escape_codes_from_articles_never_reach_the_terminal(
    tmp_path: Path, env: dict[str, str]
) -> None:
    question = "When did the harbour reopen?"
    outputs = {
        "ask": run("ask", question, cwd=tmp_path, env=env),  # indexes first: a report
        "sources": run("sources", question, cwd=tmp_path, env=env),
        "list": run("list", cwd=tmp_path, env=env),
    }
    assert "skipped" in outputs["ask"].stderr and "pwned" in outputs["ask"].stderr
    for name, result in outputs.items():
        assert result.returncode == 0, result.stderr
        for stream in (result.stdout, result.stderr):
            assert not CONTROL.search(stream), (name, stream)
        # shown, not obeyed: each escape visible where it was
        assert "\\u001b]0;pwned\\u0007" in result.stdout, (name, result.stdout)
    assert "4 million euros" in outputs["ask"].stdout
    assert "\\u001b[2J\\u009b2J" in outputs["sources"].stdout  # the url as it is stored


@pytest.mark.parametrize("command", ["ask", "sources", "list"])
def test_json_output_carries_every_character_and_none_raw(
    tmp_path: Path, env: dict[str, str], command: str
) -> None:
    args = (
        [command, "--json"]
        if command == "list"
        else [command, "When did the harbour reopen?", "--json"]
    )
    if command == "list":  # list does not index first
        indexed = run("index", "--json", cwd=tmp_path, env=env)
        assert not CONTROL.search(indexed.stdout)
        skipped = json.loads(indexed.stdout)["skipped"][0]["path"]
        assert skipped.endswith("\x1b]0;pwned\x07.txt")
    result = run(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert not CONTROL.search(result.stdout) and not CONTROL.search(result.stderr)
    data = json.loads(result.stdout)
    item = {"ask": lambda d: d["citations"][0], "sources": lambda d: d["passages"][0]}.get(
        command, lambda d: d[0]
    )(data)
    assert (item["title"], item["source"], item["url"]) == (TITLE, SOURCE, URL)
    if command == "sources":
        assert item["text"] in BODY and "\x1b]8;;" in item["text"]
