"""Sentence vectors of an embedded store, in a SQLite file of the store's own beside Chroma's:
`<data dir>/chroma/newsbot/<collection>-sentences.sqlite3`.

Why not Chroma: a Chroma record's metadata is text, and embedded Chroma keeps every string
value twice (the value and an index on it), so a chunk's sentence vectors cost about 16 kB as
base64 text there (measured on the MultiHop-RAG store: 39 kB a chunk, most of it this). Here
an entry is the encoded rows themselves (`sentence_vectors.encode`: 5.7 kB a chunk as float16,
6.6 kB on disk), read for a question's candidates in one query by primary key.

How it keeps the store's guarantees (the commit protocol is in writes.py): an article
version's entries are written in one transaction before its registry record is committed, and
deleted in one transaction after its old version is unregistered. Every entry is keyed by its
chunk id, which names the article version, and carries the version (`chunk_prefix`); a
reader asks only for chunks the registry makes visible. So a process killed at any moment
leaves each article's entries wholly old or wholly new as readers see them, plus entries of
versions no reader sees, which the next run sweeps with the chunks (`sweep`). The file is in
`synchronous=FULL`: a commit that returned is on disk before Chroma's registry
write that follows it (a rollback journal: a reader never creates a file beside it). Other
processes read it directly (SQLite needs no re-open to see another process's commits); one
process writes at a time (the store lock).

The file records the id of the registry collection it belongs to: a collection re-created
under the same name starts from an empty file. A file SQLite finds damaged is moved aside
with one warning; its chunks are then ranked without sentence vectors until the next
`newsbot index` embeds them again (they can always be made again from the chunks' text).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np

from index.chunks import ChunkNode, chunk_prefix
from index.errors import StoreWriteError, write_failure
from index.store.keyword_index import damage
from index.store.sentence_vectors import CODEC, decode, encode

log = logging.getLogger(__name__)
T = TypeVar("T")

FORMAT = "1"
# Bytes a chunk's entry costs on disk, by page size (the MultiHop-RAG store's 9,106 chunks,
# 5.7 kB of float16 rows each on average): float16 6.6 kB with 4 kB pages (SQLite's default; a
# row overflows onto full pages), 7.2 kB with 16 kB; int8 (2.9 kB) 4.0 kB with 4 kB pages, where
# one row fills a page, and 3.4 kB with 16 kB. Set when the file is made.
_PAGE_SIZE = {"f16": 4096, "i8": 16384}
_BY_ID = 500  # chunk ids per query (SQLite's variable limit is far above)
_PAGE = 2000  # entries per page when every entry is read

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sentences (
    chunk_id TEXT PRIMARY KEY,
    version TEXT NOT NULL,  -- chunk_prefix(doc_id, content_hash): the chunk's article version
    vectors BLOB NOT NULL   -- the rows, encoded by the file's codec
);
CREATE INDEX IF NOT EXISTS sentences_by_version ON sentences (version);
"""


def sentence_file_path(data_dir: Path, collection: str) -> Path:
    return data_dir / "chroma" / "newsbot" / f"{collection}-sentences.sqlite3"


class SentenceFile:
    """The sentence vectors of one embedded store: a SQLite connection shared by this
    process's threads (under a lock), the file's codec and dimensions, and which file it has
    open (it follows the path: a data folder re-pointed, a damaged file replaced)."""

    def __init__(
        self, path: Path, owner: Callable[[], str], has_articles: Callable[[], bool], where: str
    ) -> None:
        self.path = path
        self._owner = owner  # the registry collection's id: which store this file belongs to
        self._has_articles = has_articles  # a file made for a store that has some is incomplete
        self._where = where  # the data folder, for the sentence of a failed write
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None
        self.codec, self.dimensions = CODEC, 0
        self._incomplete = False

    # --- opening --------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is not None and _identity(self.path) != self._file:
                self.close()  # another file is at the path now
            if self._conn is None:
                self._open()
            assert self._conn is not None
            return self._conn

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute(f"PRAGMA page_size={_PAGE_SIZE[CODEC]}")  # only takes effect on a new file
        # A rollback journal, not WAL: reading the file (a question) creates no file beside it,
        # so a command that only reads leaves the index folder as it found it.
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")  # committed before the registry says so
        conn.executescript(_SCHEMA)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        owner = self._owner()
        if meta.get("owner") not in (None, owner):
            log.info("sentence vectors in %s belong to an earlier collection: cleared", self.path)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM sentences")
            conn.execute("DELETE FROM meta")
            conn.execute("COMMIT")
            meta = {}
        if not meta:
            incomplete = "1" if self._has_articles() else "0"
            meta = {"format": FORMAT, "codec": CODEC, "owner": owner, "incomplete": incomplete}
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items())
        self.codec = meta["codec"]
        self.dimensions = int(meta.get("dimensions", 0))
        self._incomplete = meta.get("incomplete") == "1"
        self._conn, self._file = conn, _identity(self.path)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- reading --------------------------------------------------------------------------------

    def get(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The float16 rows of each of these chunks that has an entry."""
        return self._checked(lambda: self._get(chunk_ids), {})

    def _get(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        conn, out = self._db(), {}
        for start in range(0, len(chunk_ids), _BY_ID):
            ids = chunk_ids[start : start + _BY_ID]
            marks = ",".join("?" * len(ids))
            query = f"SELECT chunk_id, vectors FROM sentences WHERE chunk_id IN ({marks})"  # noqa: S608
            with self._lock:
                rows = conn.execute(query, ids).fetchall()
            out.update((i, decode(blob, self.dimensions, self.codec)) for i, blob in rows)
        return out

    def pages(self) -> Iterator[dict[str, np.ndarray]]:
        """Every entry, a page at a time (in the order they were written)."""
        after = 0
        while True:
            rows = self._checked(lambda: self._page_after(after), [])  # noqa: B023
            if not rows:
                return
            after = rows[-1][0]
            yield {i: decode(blob, self.dimensions, self.codec) for _, i, blob in rows}

    def _page_after(self, rowid: int) -> list[tuple[int, str, bytes]]:
        with self._lock:
            return (
                self._db()
                .execute(
                    "SELECT rowid, chunk_id, vectors FROM sentences WHERE rowid > ? "
                    "ORDER BY rowid LIMIT ?",
                    (rowid, _PAGE),
                )
                .fetchall()
            )

    def ids(self) -> set[str]:
        return self._checked(
            lambda: {r[0] for r in self._locked_rows("SELECT chunk_id FROM sentences")}, set()
        )

    def count(self) -> int:
        return self._checked(lambda: self._locked_rows("SELECT count(*) FROM sentences")[0][0], 0)

    def incomplete(self) -> bool:
        """Whether the file was made (or made again, after a damaged one was set aside) for a
        store that already had articles: until `complete()`, some chunks may lack entries."""
        if self._checked(self._db, None) is None:  # damaged: set aside, and made anew now
            self._checked(self._db, None)
        return self._incomplete

    def complete(self) -> None:
        """Every visible chunk has its entry (the store checked): not incomplete any more."""
        if self.incomplete():
            self._write(
                lambda conn: conn.execute(
                    "UPDATE meta SET value = '0' WHERE key = ?", ("incomplete",)
                )
            )
            self._incomplete = False

    def _locked_rows(self, query: str) -> list[tuple]:
        with self._lock:
            return self._db().execute(query).fetchall()

    # --- writing --------------------------------------------------------------------------------

    def put(self, nodes: list[ChunkNode], vectors: dict[str, np.ndarray]) -> None:
        """Store these chunks' rows (those `vectors` has), in one transaction."""
        self.put_rows(
            [(n.node_id, _version(n), vectors[n.node_id]) for n in nodes if n.node_id in vectors]
        )

    def put_rows(self, entries: list[tuple[str, str, np.ndarray]]) -> None:
        """Store (chunk id, article version, rows) entries, in one transaction."""
        if entries:
            self._write(lambda conn: self._insert(conn, entries))

    def _insert(self, conn: sqlite3.Connection, entries: list[tuple[str, str, np.ndarray]]) -> None:
        if self.dimensions == 0:
            self.dimensions = int(entries[0][2].shape[1])
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('dimensions', ?)",
                (str(self.dimensions),),
            )
        conn.executemany(
            "INSERT OR REPLACE INTO sentences (chunk_id, version, vectors) VALUES (?, ?, ?)",
            [(i, version, encode(rows, self.codec)) for i, version, rows in entries],
        )

    def delete(self, doc_id: str, content_hash: str | None = None) -> None:
        """The entries of one version of an article (of every version: `content_hash` None)."""
        if content_hash is not None:
            query = "DELETE FROM sentences WHERE version = ?"
            args: tuple[str, ...] = (chunk_prefix(doc_id, content_hash),)
        else:  # every version's prefix starts with the article's own hash, then "-"
            start = chunk_prefix(doc_id, "")
            query = "DELETE FROM sentences WHERE version >= ? AND version < ?"
            args = (start, start[:-1] + ".")  # "." sorts right after "-"
        self._write(lambda conn: conn.execute(query, args))

    def sweep(self, live: dict[str, str], before_delete: Callable[[], None]) -> int:
        """Delete the entries no live article version (id -> content hash) owns, calling
        `before_delete` first when there are any; how many."""
        keep = {chunk_prefix(d, h) for d, h in live.items()}
        held = self._checked(
            lambda: {r[0] for r in self._locked_rows("SELECT DISTINCT version FROM sentences")},
            set(),
        )
        gone = [(v,) for v in sorted(held - keep)]
        if not gone:
            return 0
        before_delete()

        def delete(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.executemany("DELETE FROM sentences WHERE version = ?", gone)
            return conn.total_changes - before

        return self._write(delete)

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` in one write transaction. A damaged file is moved aside and the write
        made in a new one; a disk that refuses it is one StoreWriteError."""
        try:
            try:
                return self._transaction(work)
            except sqlite3.DatabaseError as exc:
                reason = damage(exc)
                if reason is None:
                    raise
                self._set_aside(reason)
                return self._transaction(work)
        except sqlite3.Error as exc:
            reason = write_failure(exc)
            if reason is None:
                raise
            log.info("writing %s failed: %s", self.path, exc)
            raise StoreWriteError(
                f"cannot write the index in {self._where}: {reason}. The run stopped; the index "
                "still answers as before. Free some space or make it writable, then index again"
            ) from exc

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = work(conn)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return done

    # --- a damaged file -------------------------------------------------------------------------

    def _checked(self, read: Callable[[], T], empty: T) -> T:
        """`read()`; when SQLite finds the file damaged, the file is moved aside (its chunks
        get their sentence vectors again at the next index run) and `empty` is the answer."""
        try:
            return read()
        except sqlite3.DatabaseError as exc:
            reason = damage(exc)
            if reason is None:
                raise
            self._set_aside(reason)
            return empty

    def _set_aside(self, reason: str) -> None:
        with self._lock:
            if self._conn is not None and _identity(self.path) != self._file:
                self.close()  # another process has set it aside already
                return
            self.close()
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            with contextlib.suppress(OSError):
                os.replace(self.path, aside)
            Path(f"{self.path}-journal").unlink(missing_ok=True)
            log.warning(
                "the sentence vectors in %s are damaged (SQLite: %s); moved aside to %s. "
                "Answers use each chunk's own vector meanwhile; the next `newsbot index` "
                "embeds the sentences again",
                self.path,
                reason,
                aside.name,
            )


def _version(node: ChunkNode) -> str:
    meta = node.metadata
    return str(meta.get("chunk_prefix") or chunk_prefix(meta["doc_id"], meta["content_hash"]))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
