"""Hostile article files, round three (issue 27): whatever a file holds, reading it costs a
bounded amount of work, and any failure is that one file skipped with its reason; the run goes
on and what was indexed before is untouched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bot.discord.client import NewsBot
from index.engine import Engine
from index.ingest.loaders import UnreadableFile, load_file
from tests import hostile_pdf
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord

KILLED = "How many people did the Pakistani strike kill?"
FERRY = "The harbour office said the island ferry will sail every forty minutes from May."

# 508 bytes of YAML whose title is nine lists of nine lists ... of "lol": 9**8 strings once
# it becomes text.
LAUGHS = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
title: *h
---
The harbour office said nothing about laughter.
"""


def write_malformed_files(folder: Path) -> dict[str, str]:
    """Files that each used to abort a run or cost without bound, by name, with words their
    skip reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[str | bytes, str]] = {
        "laughs.md": (LAUGHS, "YAML alias"),
        "bad-date.md": (
            "---\ntitle: Tides\npublished_at: 2024-13-45\n---\nThe tide came in early.\n",
            "month must be in 1..12",
        ),
        "deep-yaml.md": (
            "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nDeep front matter.\n",
            "nested more than",
        ),
        "deep.json": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        "deep.jsonl": ('{"body": "fine"}\n' + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        "big-number.json": (
            '{"title": "Census", "published_at": ' + "9" * 5000 + ', "body": "A count."}',
            "number",
        ),
        "pages.pdf": (
            hostile_pdf.repeated_page_pdf(20_000, ["The ferry sails every forty minutes."]),
            "pages",
        ),
        "doubling.pdf": (
            hostile_pdf.doubling_tree_pdf(17, ["The ferry sails every forty minutes."]),
            "limit",
        ),
        "deep-tree.pdf": (hostile_pdf.deep_pages_tree_pdf(500), "limit"),
        "nested.pdf": (hostile_pdf.deeply_nested_content_pdf(5000), "nested too deeply"),
        "loop.pdf": (hostile_pdf.looping_tree_pdf(), "not a readable PDF"),
    }
    for name, (content, _) in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return {name: words for name, (_, words) in files.items()}


def write_good_files(folder: Path) -> None:
    (folder / "ferry.md").write_text(f"---\ntitle: Ferry timetable\n---\n{FERRY}\n")
    (folder / "tram.json").write_text(
        json.dumps({"title": "Tram depot", "body": "The council will rebuild the tram depot."})
    )
    (folder / "report.pdf").write_bytes(
        hostile_pdf.text_pdf([["The lighthouse keeper counted forty-two ships."]])
    )


def test_each_malformed_file_is_one_skip_with_its_reason_and_the_rest_is_indexed(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine()
    engine.index()
    before = engine.ask(KILLED)
    folder = tmp_path / "sources"
    expected = write_malformed_files(folder)
    write_good_files(folder)

    report = engine.index([folder], prune=False)

    reasons = {Path(s.path.split("#")[0]).name: s.reason for s in report.skipped}
    for name, words in expected.items():
        assert words in reasons.get(name, ""), (name, reasons.get(name))
    for reason in reasons.values():  # one plain sentence each, no traceback
        assert "\n" not in reason and "Traceback" not in reason and len(reason) < 200
    assert sorted(Path(a).name for a in report.added) == ["ferry.md", "report.pdf", "tram.json"]
    assert engine.stats().articles == 4
    assert FERRY in engine.sources("How often will the island ferry sail?")[0].text
    assert "forty-two ships" in engine.sources("lighthouse keeper ships")[0].text
    after = engine.ask(KILLED)
    assert after.answer == before.answer and after.citations == before.citations


def test_yaml_aliases_are_refused_before_they_expand(tmp_path: Path) -> None:
    path = tmp_path / "laughs.md"
    path.write_text(LAUGHS)
    try:
        load_file(path, 10**6)
    except UnreadableFile as exc:
        assert "YAML alias" in str(exc)
    else:
        raise AssertionError("the alias bomb was read")
    # an anchor alone is harmless, and ordinary front matter reads as before
    plain = tmp_path / "plain.md"
    plain.write_text("---\ntitle: &t Tides\nauthor: Ana\n---\nThe tide came in early.\n")
    [article], _ = load_file(plain, 10**6)
    assert (article.title, article.author) == ("Tides", "Ana")


def test_pdf_text_is_bounded_by_pages_and_by_its_own_size(tmp_path: Path) -> None:
    path = tmp_path / "pages.pdf"
    path.write_bytes(hostile_pdf.repeated_page_pdf(20_000, ["The ferry sails every hour."]))
    try:
        load_file(path, 10**8)
    except UnreadableFile as exc:
        assert "20,000 pages" in str(exc)
    else:
        raise AssertionError("a 20,000-page document was read")
    # Under the page limit, the text may not grow far beyond the file: 1,500 copies of a
    # long page are 2.6 MB of text from a 10 kB file.
    long_page = ["The harbour office said the island ferry will sail every forty minutes."] * 25
    amplified = tmp_path / "amplified.pdf"
    amplified.write_bytes(hostile_pdf.repeated_page_pdf(1_500, long_page))
    try:
        load_file(amplified, 10**8)
    except UnreadableFile as exc:
        assert "characters of text" in str(exc)
    else:
        raise AssertionError("the amplified text was read")
    ordinary = tmp_path / "ordinary.pdf"
    ordinary.write_bytes(hostile_pdf.text_pdf([long_page] * 3))
    [article], _ = load_file(ordinary, 10**8)
    assert article.body.count("forty minutes") == 75


def test_ingest_file_of_an_alias_bomb_is_refused_in_one_sentence(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine()
    engine.index()

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        attachment = fake.attachment("laughs.md", LAUGHS.encode())
        handle = await fake.slash("ingest", user=fake.admin, attachments={"file": attachment})
        refused = (await handle.wait_edit(timeout=30)).content
        assert "I could not read laughs.md" in refused and "YAML alias" in refused
        assert "Nothing was changed" in refused and "\n" not in refused
        assert not (bot.settings.data_dir / "uploads" / "laughs.md").exists()
        assert engine.stats().articles == 1
        ok = await fake.send_message(KILLED, mentions_bot=True)
        assert "nine" in (await fake.wait_for_reply(ok, timeout=15)).content

    run_scenario(engine, scenario, timeout=60)
