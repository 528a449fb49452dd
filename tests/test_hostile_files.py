"""Hostile article files, round three (issue 27): whatever a file holds, reading it costs a
bounded amount of work, and any failure is that one file skipped with its reason; the run goes
on and what was indexed before is untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.discord.client import NewsBot
from index.engine import Engine
from index.errors import IndexStopped
from index.ingest import html_budget
from index.ingest.loaders import UnreadableFile, load_file
from index.ingest.url_guard import FetchRefused
from index.ingest.web_fetch import Fetched
from index.ingest.web_pages import fetched_records, summary_text
from index.results import IndexProgress
from tests import hostile_pdf
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord

NEWSBOT = str(Path(sys.executable).parent / "newsbot")
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


def test_a_fetched_article_file_fails_as_a_file_does() -> None:
    """`/ingest url:` and `newsbot index URL` read a fetched PDF or JSON with the same loaders,
    through the same boundary: any failure is that url's reason."""
    for body, content_type, words in (
        (hostile_pdf.deeply_nested_content_pdf(5000), "application/pdf", "nested too deeply"),
        (hostile_pdf.repeated_page_pdf(20_000, ["Ferry."]), "application/pdf", "20,000 pages"),
        (LAUGHS.encode(), "text/markdown", "YAML alias"),
    ):
        got = Fetched("https://news.example/a", 200, body, content_type)
        with pytest.raises(FetchRefused, match=words):
            fetched_records(got)


def test_a_file_of_many_bad_records_is_a_few_report_lines(tmp_path: Path) -> None:
    records = [{"title": "Tram", "body": "The tram depot will be rebuilt."}] + [{}] * 100_000
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records))
    [article], bad = load_file(path, 10**8)
    assert len(bad) == 11 and bad[-1] == (str(path), "99,990 more records skipped like these")


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


def write_heavy_pages(folder: Path) -> dict[str, str]:
    """Pages of about 1 MB that took minutes (the parsers' work grew with the square of a count),
    by name, with the sentence each must be indexed with ('' = skipped)."""
    folder.mkdir()
    said = {
        "spans.html": "The night ferry to the island stops at midnight from June.",
        "tables.html": "The harbour office will publish the summer timetable on Friday.",
        "unclosed.html": "The council approved two new berths for the cargo port.",
        "slashes.html": "Divers found the old lighthouse bell in the bay last week.",
        "plain.html": "The ferry company ordered a second electric boat.",
    }

    def page(name: str, markup: str) -> None:
        (folder / name).write_text(
            f"<html><head><title>{name}</title></head><body><article><p>{said[name]}</p>"
            f"{markup}</article></body></html>"
        )

    page("spans.html", "<p>" + "<span></span>" * 60_000 + "</p>")
    page("tables.html", "<table><tr><td></td></tr></table>" * 28_000)
    page("unclosed.html", "<a" * 500_000)
    page("slashes.html", "</" * 500_000)
    page("plain.html", "")
    attributes = " ".join(f"data-a{i}=x" for i in range(100_000))
    (folder / "attributes.html").write_text(f"<html><body><div {attributes}><p>Hi</p></div>")
    return {**said, "attributes.html": ""}


def test_html_work_is_bounded_per_page(tmp_path: Path) -> None:
    expected = write_heavy_pages(tmp_path / "pages")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env |= {"NEWSBOT_DATA_DIR": str(tmp_path / "data"), "NEWSBOT_WARM_MINUTES": "0"}
    # The timeout is a safety net for a regression; the assertions are about what was indexed.
    done = subprocess.run(
        [NEWSBOT, "index", "--json", str(tmp_path / "pages")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert list(skipped) == ["attributes.html"]
    assert "100,000 attributes" in skipped["attributes.html"]
    assert sorted(Path(a).name for a in report["added"]) == sorted(
        n for n, s in expected.items() if s
    )
    listed = subprocess.run(
        [NEWSBOT, "sources", "--json", "-k", "10", "ferry lighthouse berths timetable boat"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    passages = " ".join(p["text"] for p in json.loads(listed.stdout)["passages"])
    for sentence in filter(None, expected.values()):
        assert sentence in passages, sentence


def test_attributes_are_counted_as_the_parser_counts_them() -> None:
    import lxml.etree

    names = [f"a{i}" for i in range(300)]
    tricky = {  # 300 attributes as libxml2 reads them, written to slip past a naive count
        "a quoted '>'": '<div x="1>2" ' + " ".join(names[1:]) + ">",
        "an '=' first": "<div = " + " ".join(names[1:]) + ">",
        "slashes": "<div " + "/".join(names) + ">",
        "quotes in names": '<div "x ' + " ".join(names[1:]) + ">",
        "newlines and tabs": "<div\n" + "\n".join(f"{n}\t=\n'v w'" for n in names) + ">",
        "a script tag's own": "<script " + " ".join(names) + "></script>",
    }
    for what, tag in tricky.items():
        page = f"<html><body>{tag}<p>Hi</p></body></html>"
        root = lxml.etree.fromstring(page, lxml.etree.HTMLParser())
        assert max(len(e.attrib) for e in root.iter()) >= 300, what
        try:
            html_budget.measure(page)
        except UnreadableFile as exc:
            assert "attributes" in str(exc), what
        else:
            raise AssertionError(f"{what}: not counted")
        assert summary_text(page) == "", what  # a feed entry's summary: dropped, not parsed
    # text that only looks like tags is not counted: a script's "i<n", a comment
    script = "<script>" + "for (i=0;i<n;i++) { total = total + i; }\n" * 5_000 + "</script>"
    comment = "<!-- <div " + " ".join(names) + "> -->"
    size = html_budget.measure(f"<html><body>{script}{comment}<p>Hi</p></body></html>")
    assert size.tags == 4


def test_links_in_a_sources_folder(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    """A link to a file in the folder is indexed under its own path and pruned when it goes;
    a link out of the folder (a synced folder or a git checkout can hold one to ~/.env) is not
    followed, and says so."""
    engine = make_engine()
    folder, outside = tmp_path / "sources", tmp_path / "private"
    for sub in (folder / "archive", folder / ".drafts", outside / "notes"):
        sub.mkdir(parents=True)
    (folder / "archive" / "ferry.md").write_text(f"# Ferry timetable\n\n{FERRY}\n")
    (folder / ".drafts" / "tram.md").write_text("# Tram\n\nThe tram depot will be rebuilt.\n")
    (outside / ".env").write_text("NEWSBOT_DISCORD_TOKEN=not-for-the-index\n")
    (outside / "notes" / "bridge.md").write_text("# Bridge\n\nThe bridge closes in May.\n")
    (folder / "latest.md").symlink_to(Path("archive") / "ferry.md")
    (folder / "draft.md").symlink_to(Path(".drafts") / "tram.md")  # hidden: only the link shows
    (folder / "token.txt").symlink_to(outside / ".env")
    (folder / "notes").symlink_to(outside / "notes")
    inside = folder.resolve()

    report = engine.index([folder])

    assert sorted(report.added) == [str(inside / "archive" / "ferry.md"), str(inside / "draft.md")]
    [duplicate] = report.duplicates  # the link's text is its target's: stored once
    assert duplicate.path == str(inside / "latest.md")
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"token.txt", "notes"}
    assert "outside" in reasons["token.txt"] and "not followed" in reasons["token.txt"]
    assert "not followed" in reasons["notes"]
    assert all("not-for-the-index" not in p.text for p in engine.sources("discord token", k=10))
    assert "tram depot" in engine.sources("tram depot")[0].text

    (folder / "draft.md").unlink()
    report = engine.index([folder])
    assert report.removed == [str(inside / "draft.md")]
    assert engine.stats().articles == 1


def test_a_file_over_the_time_or_memory_limit_is_skipped_and_the_run_goes_on(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """The bound for costs no count foresaw: each file is read in a child process that may take
    NEWSBOT_MAX_FILE_SECONDS and NEWSBOT_MAX_FILE_MEMORY_MB."""
    engine = make_engine(max_file_seconds=2, max_file_memory_mb=300)
    folder = tmp_path / "sources"
    folder.mkdir()
    # 2 kB, 30 pages of 400,000 operators: about a minute of parsing
    (folder / "busy.pdf").write_bytes(hostile_pdf.busy_pdf(30, 400_000))
    # 15 MB of empty records: about 600 MB once parsed
    (folder / "empty-records.json").write_text("[" + ",".join(["{}"] * 5_000_000) + "]")
    (folder / "ferry.md").write_text(f"# Ferry timetable\n\n{FERRY}\n")  # read after both
    (folder / "zebra.txt").write_text("The zebra crossing on Harbour Street will be repainted.")

    report = engine.index([folder])

    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {
        "busy.pdf": "took longer than 2 s to read (NEWSBOT_MAX_FILE_SECONDS)",
        "empty-records.json": (
            "needs more than 300 MB of memory to read (NEWSBOT_MAX_FILE_MEMORY_MB)"
        ),
    }
    assert sorted(Path(a).name for a in report.added) == ["ferry.md", "zebra.txt"]
    assert FERRY in engine.sources("How often will the island ferry sail?")[0].text


def reader_children() -> list[int]:
    """This process's children that read files for an indexing run."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"reader_process" in command:
            found.append(int(stat.parent.name))
    return found


def test_a_stopping_run_does_not_wait_for_the_file_being_read(
    make_engine: Callable[..., Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_DISCORD_TOKEN", "token-marker-not-for-the-reader")
    engine = make_engine()
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "busy.pdf").write_bytes(hostile_pdf.busy_pdf(200, 400_000))  # minutes of parsing
    reading, stopped = threading.Event(), []

    def progress(tick: IndexProgress) -> None:
        if tick.stage == "reading":
            reading.set()

    def run() -> None:
        try:
            engine.index([folder], progress)
        except IndexStopped as exc:
            stopped.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert reading.wait(60)
    deadline = time.monotonic() + 60
    while not reader_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    [child] = reader_children()  # it reads hostile files: no secret in its reach
    assert b"token-marker" not in Path(f"/proc/{child}/environ").read_bytes()
    engine.request_stop()
    worker.join(timeout=60)  # a safety net: the file alone takes minutes
    assert not worker.is_alive() and len(stopped) == 1
    assert reader_children() == []


def test_a_reader_killed_mid_file_costs_that_file_only(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """As when the kernel's out-of-memory killer picks the reader: that file is skipped with
    the reason, a new reader reads the rest."""
    engine = make_engine()
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "busy.pdf").write_bytes(hostile_pdf.busy_pdf(200, 400_000))
    (folder / "ferry.md").write_text(f"# Ferry timetable\n\n{FERRY}\n")
    killed: list[int] = []

    def progress(tick: IndexProgress) -> None:
        if tick.stage == "reading" and tick.done == 0 and not killed:
            for child in reader_children():  # the one reading busy.pdf
                os.kill(child, signal.SIGKILL)
                killed.append(child)

    report = engine.index([folder], progress)

    assert len(killed) == 1
    [skipped] = report.skipped
    assert Path(skipped.path).name == "busy.pdf"
    assert skipped.reason == "the file reader stopped while reading it (SIGKILL)"
    assert [Path(a).name for a in report.added] == ["ferry.md"]
    assert reader_children() == []
