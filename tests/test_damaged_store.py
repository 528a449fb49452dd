"""Damaged store files (issue 27, findings 12 and 18), made here by overwriting pages of the real
files: the keyword index, a cache of the store, is found damaged by whatever reads it first (a
question, an index run, the engine opening, `doctor`), said so in one sentence and rebuilt from
Chroma; Chroma's own database is found damaged by every command, said so in one sentence, and
left as it is (nothing is deleted or rebuilt over it)."""

from __future__ import annotations

import hashlib
import logging
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from index.engine import Engine, keyword_folder
from index.store.keyword_index import KeywordIndex
from tests.test_cli import run

QUESTION = "How many people did the Pakistani strike kill?"
DAMAGED = "is damaged (SQLite: database disk image is malformed); rebuilding it from the store"


def damage_table(path: Path, table: str) -> None:
    """Overwrite the first page of `table` in the SQLite file at `path` with random bytes, as a
    torn write or a bad sector would (the file's header stays whole: it still opens)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        page = root.fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    with path.open("r+b") as file:
        file.seek((page - 1) * size)
        file.write(random.Random(page).randbytes(size))


def keyword_file(engine: Engine) -> Path:
    return keyword_folder(engine.settings) / "keyword.sqlite3"


def env_of(engine: Engine) -> dict[str, str]:
    return {
        "NEWSBOT_DATA_DIR": str(engine.settings.data_dir),
        "NEWSBOT_COLLECTION": engine.settings.collection,
        "NEWSBOT_WARM_MINUTES": "0",
    }


@pytest.fixture
def indexed(make_engine: Callable[..., Engine]) -> Engine:
    """The seed article indexed, the engine closed (its files whole on disk)."""
    engine = make_engine()
    engine.index()
    engine.close()
    return engine


def damage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "is damaged" in r.getMessage()]


@pytest.mark.parametrize(
    ("table", "found_by"),
    [("chunks", "opening the engine"), ("postings", "a question"), ("articles", "an index run")],
)
def test_a_damaged_keyword_index_is_said_in_one_sentence_and_rebuilt(
    indexed: Engine,
    make_engine: Callable[..., Engine],
    caplog: pytest.LogCaptureFixture,
    table: str,
    found_by: str,
) -> None:
    damage_table(keyword_file(indexed), table)
    with caplog.at_level(logging.WARNING):
        engine = make_engine()
        if found_by == "an index run":
            (indexed.settings.data_dir / "more").mkdir()
            more = indexed.settings.data_dir / "more" / "note.md"
            more.write_text("---\ntitle: Harbour note\n---\nThe harbour reopened on Monday.\n")
            assert engine.index([more], prune=False).added  # its sync reads every article
        answer = engine.ask(QUESTION)
    assert "nine" in answer.answer and answer.citations
    assert len(damage_warnings(caplog)) == 1 and DAMAGED in damage_warnings(caplog)[0]
    assert engine.keyword.check_file() is None  # whole again
    assert engine.check_consistency(vectors=0).ok
    engine.close()


def test_the_command_line_answers_through_a_damaged_keyword_index(
    indexed: Engine, tmp_path: Path
) -> None:
    damage_table(keyword_file(indexed), "postings")
    asked = run("ask", QUESTION, cwd=tmp_path, env=env_of(indexed))
    assert asked.returncode == 0 and "nine" in asked.stdout, asked.stderr
    assert "Traceback" not in asked.stderr
    [line] = asked.stderr.strip().splitlines()  # the one sentence, as a warning
    assert line.startswith("WARNING ") and DAMAGED in line
    again = run("ask", QUESTION, cwd=tmp_path, env=env_of(indexed))
    assert again.returncode == 0 and again.stderr == "" and "nine" in again.stdout


def test_doctor_finds_a_damaged_keyword_index_and_rebuilds_it(
    indexed: Engine, tmp_path: Path
) -> None:
    # Only the postings: opening the engine does not read them, SQLite's check of every page does.
    damage_table(keyword_file(indexed), "postings")
    doctor = run("doctor", cwd=tmp_path, env=env_of(indexed))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "index: consistent: 1 articles" in doctor.stdout
    assert "keyword index file was damaged (SQLite: " in doctor.stdout
    assert "has been rebuilt from Chroma" in doctor.stdout
    assert KeywordIndex(keyword_folder(indexed.settings)).check_file() is None


def test_a_bare_consistency_check_reports_a_damaged_keyword_index(indexed: Engine) -> None:
    from index.store.consistency import check_consistency
    from tests.kill_harness import open_store

    damage_table(keyword_file(indexed), "postings")
    with open_store(indexed.settings, indexed.embedder.fingerprint) as store:
        report = check_consistency(store, KeywordIndex(keyword_folder(indexed.settings)))
    assert not report.ok and report.keyword == "damaged"
    assert "the keyword index file is damaged (SQLite: " in report.summary()


def contents(folder: Path) -> dict[str, str]:
    """A digest of each file under `folder`, and of each page of Chroma's database, but for
    what Chroma rewrites whenever it opens its folder, even to read (a clean one too): the
    database's header (change counter) and `acquire_write` table, each vector index's
    `length.bin`."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == "length.bin":
            continue
        data = path.read_bytes()
        if path.name != "chroma.sqlite3":
            found[str(path.relative_to(folder))] = hashlib.sha256(data).hexdigest()
            continue
        skipped = {1, _root_page(path, "acquire_write")}
        for number, start in enumerate(range(0, len(data), _PAGE), 1):
            if number not in skipped:
                found[f"page {number}"] = hashlib.sha256(data[start : start + _PAGE]).hexdigest()
    return found


_PAGE = 4096  # Chroma's page size


def _root_page(path: Path, table: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
            return row.fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return 0  # not a database at all: nothing can be written to it either


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ("collections", "database disk image is malformed"),  # read at every opening
        ("embedding_metadata", "database disk image is malformed"),  # read by a question
        (None, "file is not a database"),  # the whole file overwritten
    ],
)
def test_a_damaged_chroma_database_is_one_sentence_everywhere_and_left_as_it_is(
    indexed: Engine, tmp_path: Path, table: str | None, reason: str
) -> None:
    env = env_of(indexed)
    # Opened once by another process first: Chroma brings its vector index files up to date
    # with its log when it opens them, which is not a write of what follows.
    assert run("stats", cwd=tmp_path, env=env).returncode == 0
    database = indexed.settings.data_dir / "chroma" / "chroma.sqlite3"
    if table is None:
        database.write_bytes(random.Random(0).randbytes(database.stat().st_size))
    else:
        damage_table(database, table)
    before = contents(indexed.settings.data_dir / "chroma")
    for command in (["ask", QUESTION], ["index"]):
        result = run(*command, cwd=tmp_path, env=env)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("newsbot: error: the index in ") and f"is damaged ({reason})" in line
        assert "nothing in it was changed" in line and "move it aside" in line
    doctor = run("doctor", cwd=tmp_path, env=env)
    assert doctor.returncode == 1 and "Traceback" not in doctor.stdout + doctor.stderr
    assert f"is damaged ({reason})" in doctor.stdout, doctor.stdout
    assert contents(indexed.settings.data_dir / "chroma") == before  # nothing written over it
    # moved aside, the folder is built again by the next run; the damaged one is still there
    shutil.move(indexed.settings.data_dir / "chroma", tmp_path / "damaged-chroma")
    assert run("index", cwd=tmp_path, env=env).returncode == 0
    asked = run("ask", QUESTION, cwd=tmp_path, env=env)
    assert asked.returncode == 0 and "nine" in asked.stdout
