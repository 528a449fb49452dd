"""The BM25 side of retrieval, kept in step with Chroma one article at a time.

The index is a cache of the store: a SQLite file under the data directory (index/bm25_postings.py
holds the postings and the scoring) that records which article versions it holds and a stamp of
them. After every write, and whenever a process sees that another one wrote (the registry's
generation), `sync` compares those versions with the registry and applies the difference: the
chunks of new or changed articles are read from Chroma and added, those of changed or removed
ones deleted. A write therefore costs its own articles, not the corpus.

Crash safety: a sync is one SQLite transaction (postings, versions and stamp together), so the
file always holds some whole state. A process killed between Chroma's commit and that
transaction leaves the keyword side one write behind: its stamp no longer matches the registry,
and the next process that opens the engine (or refreshes) applies the missing difference. The
registry is read inside the transaction, so two processes catching up at once cannot write an
older state over a newer one.

A damaged file (SQLite: "database disk image is malformed", "file is not a database") is found
by whatever reads it first: the file is removed and rebuilt from the registry this index was last
synced with, with one warning, and the read is tried again. A process that finds the file at its
path replaced (rebuilt by another process, the data folder re-pointed) opens the new one.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from index.chunks import ChunkNode
from index.errors import NewsbotError, write_failure
from index.store import bm25_postings as postings
from index.store import bm25_top
from index.store.bm25_postings import WriteTransaction
from index.store.byte_cache import MB, ByteLRU
from index.store.caches import PostingsCache
from index.store.keyword_stamps import Versions, moved_stamp, versions_stamp
from index.store.nearest_among import ChunkIds
from index.store.term_reads import TermReads

log = logging.getLogger(__name__)

_FILE = "keyword.sqlite3"
_OLD_FILES = ("bm25", "stamp.txt")  # the whole-corpus bm25s index of earlier releases
POSTINGS_CACHE_BYTES = 128 * MB  # defaults of the settings keyword_cache_mb, node_cache_mb
NODE_CACHE_BYTES = 64 * MB

NodesOf = Callable[[Versions], Iterable[ChunkNode]]  # the visible chunks of these versions
T = TypeVar("T")
# SQLite's primary result codes for a file that is not (or no longer) a whole database.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


class KeywordIndexDamaged(NewsbotError):
    """The keyword index file is damaged and could not be rebuilt here; `str()` says why."""


def damage(exc: BaseException) -> str | None:
    """SQLite's own words when `exc` says the database file is damaged; None otherwise."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.DatabaseError) and code is not None:
        return str(exc) if code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB) else None
    return str(exc) if type(exc) is sqlite3.DatabaseError else None  # raised without a code


@dataclass(frozen=True)
class Registry:
    """What the keyword index reads of the store: the live article versions (all, or of some
    ids), the registry's generation, and the visible chunks of given versions."""

    versions: Callable[[], Versions]
    generation: Callable[[], str | None]  # None: the last write did not finish
    versions_of: Callable[[list[str]], Versions]
    nodes_of: NodesOf


class KeywordIndex:
    """BM25 over the visible chunks (title, source and date header included)."""

    def __init__(
        self,
        folder: Path,
        cache_bytes: int = POSTINGS_CACHE_BYTES,
        node_cache_bytes: int = NODE_CACHE_BYTES,
    ) -> None:
        self.folder = folder
        self.path = folder / _FILE
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None  # which file `_conn` has open
        self._cache_bytes, self._node_cache_bytes = cache_bytes, node_cache_bytes
        self._registry: Registry | None = None  # the one last synced with: for a rebuild
        self._live_reads = 0
        self._files_opened = 0  # counts the files forgotten: which one a read was made in
        self._forget_file()

    def _forget_file(self) -> None:
        """Close the file and drop what was read of it: positions and term versions count
        anew in another file, so nothing kept of this one may be used with it."""
        self.close()
        self._files_opened += 1
        self.stamp = ""  # the stamp this process last saw the file at
        self._nodes: ByteLRU[int, ChunkNode] = ByteLRU(self._node_cache_bytes)  # by position
        self._ids_by: dict[tuple[str, str], ChunkIds] = {}
        self._ids_seen = ""
        self._postings = PostingsCache(self._cache_bytes)
        self._live: tuple[int, postings.Live] | None = None  # with SQLite's data_version
        self._horizon: int | None = None

    # --- opening ----------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._drop_old_format()
            self._conn = postings.connect(self.path)
            self._file = _identity(self.path)
            stored = postings.read_meta(self._conn, "format")
            if stored == postings.COUNTABLE:
                log.info("counting the terms of the keyword index in %s (once)", self.folder)
                with self._writing() as conn:
                    postings.count_terms(conn)
            elif stored == postings.BLOCKLESS:
                log.info("sealing the common terms of the keyword index in %s (once)", self.folder)
                with self._writing() as conn:
                    postings.seal_common(conn)
            elif stored not in (None, postings.FORMAT):
                log.info("keyword index in %s has an older format; rebuilding it", self.folder)
                with self._writing() as conn:
                    postings.clear(conn)
        return self._conn

    def _drop_old_format(self) -> None:
        for name in _OLD_FILES:
            old = self.folder / name
            if old.exists():
                log.info("removing %s, the keyword index of an earlier release", old)
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _follow_file(self) -> None:
        """Open the file at the path anew when it is not the one open here any more."""
        with self._lock:
            if self._conn is not None and _identity(self.path) != self._file:
                log.info("the keyword index file in %s was replaced: opening it", self.folder)
                self._forget_file()

    def stored_stamp(self) -> str | None:
        """The stamp of the state the file holds; None when it holds none (never written)."""
        with self._lock:
            return postings.read_meta(self._db(), "stamp")

    def load(self, expected_stamp: str) -> bool:
        """Whether the saved index is stamped `expected_stamp` (False: it must be synced)."""
        if not self.path.exists():
            return False
        try:
            current = self.stored_stamp() == expected_stamp
        except sqlite3.DatabaseError:  # a damaged cache is rebuilt, never fatal
            log.warning("keyword index in %s is unreadable; rebuilding", self.folder)
            self._discard()
            return False
        if current:
            self.stamp = expected_stamp
            self._see_all()
        return current

    def _discard(self) -> None:
        self._forget_file()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # --- a damaged file ----------------------------------------------------------------------

    def _repairing(self, read: Callable[[], T]) -> T:
        """`read()`, tried again once the file is rebuilt when it finds the file damaged."""
        read_in = self._files_opened
        try:
            return read()
        except sqlite3.DatabaseError as exc:
            reason = damage(exc)
            if reason is None:
                raise
            self._rebuild_damaged(reason, read_in)
        try:
            return read()
        except sqlite3.DatabaseError as exc:
            reason = damage(exc)
            if reason is None:
                raise
            raise KeywordIndexDamaged(self._damaged_text(reason)) from exc

    def _rebuild_damaged(self, reason: str, read_in: int | None = None) -> None:
        with self._lock:
            if read_in is not None and read_in != self._files_opened:
                return  # another thread has replaced the damaged file meanwhile
            if self._conn is not None and _identity(self.path) != self._file:
                self._forget_file()  # another process rebuilt it already: use theirs
            else:
                log.warning(
                    "the keyword index in %s is damaged (SQLite: %s); rebuilding it from the store",
                    self.folder,
                    reason,
                )
                self._discard()
            if self._registry is None:
                raise KeywordIndexDamaged(self._damaged_text(reason))
            try:
                self._sync(self._registry)
            except (sqlite3.Error, OSError) as exc:
                failed = write_failure(exc) or type(exc).__name__
                raise KeywordIndexDamaged(self._damaged_text(reason, failed)) from exc

    def _damaged_text(self, reason: str, rebuild_failed: str | None = None) -> str:
        text = f"the keyword index in {self.folder} is damaged (SQLite: {reason})"
        if rebuild_failed:
            return (
                f"{text} and could not be rebuilt ({rebuild_failed}); nothing indexed is lost: "
                "make room or make it writable, then run this again"
            )
        return f"{text}; the next newsbot command rebuilds it from the store"

    # --- writing ----------------------------------------------------------------------------

    def _writing(self):  # noqa: ANN202 - a context manager over one write transaction
        conn = self._conn if self._conn is not None else self._db()
        return WriteTransaction(conn, self._lock, self._forget_live)

    def _forget_live(self) -> None:
        # This connection's own commits leave its data_version as it was.
        self._live = None

    def sync(
        self,
        registry: Registry,
        operation: tuple[str, str] | None = None,
        articles: list[str] = (),
    ) -> None:
        """Bring the index in step with the registry. `operation`: (the generation a write
        running in this process started from, the one it will leave) and `articles` those it
        wrote, when no other process can have written meanwhile (an embedded store)."""
        self._registry = registry
        self._follow_file()
        self._repairing(lambda: self._sync(registry, operation, articles))

    def _sync(
        self,
        registry: Registry,
        operation: tuple[str, str] | None = None,
        articles: list[str] = (),
    ) -> None:
        if operation is not None and self._sync_operation(registry, *operation, articles):
            self._see_all()
            return
        generation = registry.generation()
        with self._lock:
            current = generation is not None and self.path.exists()
            if current and self._stored("generation") == generation:
                self.stamp = self._stored("stamp") or ""
                self._see_all()
                return
        with self._writing() as conn:
            # The registry is read under the write lock: never write back an older state. Its
            # generation first: the versions read after hold at least what it names.
            generation, live = registry.generation(), registry.versions()
            held = dict(conn.execute("SELECT doc_id, content_hash FROM articles").fetchall())
            self._apply_difference(conn, registry, held, live, versions_stamp(live))
            postings.write_meta(conn, "generation", generation or "")
        self._see_all()

    def _sync_operation(
        self, registry: Registry, starts_at: str, ends_at: str, articles: list[str]
    ) -> bool:
        """Apply a write's own articles, if the index was at the generation the write started
        from; False when it was not (a full comparison is needed)."""
        with self._writing() as conn:
            stamp = postings.read_meta(conn, "stamp")
            if stamp is None or postings.read_meta(conn, "generation") != starts_at:
                return False
            if not articles:
                return True
            marks = ",".join("?" * len(articles))
            held = dict(
                conn.execute(
                    f"SELECT doc_id, content_hash FROM articles WHERE doc_id IN ({marks})",  # noqa: S608
                    articles,
                ).fetchall()
            )
            live = registry.versions_of(list(articles))
            new_stamp = moved_stamp(stamp, held, live)
            self._apply_difference(conn, registry, held, live, new_stamp)
            postings.write_meta(conn, "generation", ends_at)
        return True

    def _apply_difference(
        self,
        conn: sqlite3.Connection,
        registry: Registry,
        held: Versions,
        live: Versions,
        stamp: str,
    ) -> None:
        gone = [d for d, h in held.items() if live.get(d) != h]
        new = {d: h for d, h in live.items() if held.get(d) != h}
        if gone or new or postings.read_meta(conn, "stamp") != stamp:
            log.info(
                "keyword index out of date: adding %d article versions, removing %d",
                len(new),
                len(gone),
            )
            self._apply(conn, gone, new, registry.nodes_of(new) if new else [], stamp)
            log.info("keyword index updated: %d articles added, %d removed", len(new), len(gone))
        self.stamp = stamp

    def _stored(self, key: str) -> str | None:
        try:
            return postings.read_meta(self._db(), key)
        except sqlite3.DatabaseError:
            log.warning("keyword index in %s is unreadable; rebuilding", self.folder)
            self._discard()
            return None

    def rebuild(self, nodes: Iterable[ChunkNode], stamp: str) -> None:
        """Replace the whole index with these chunks, stamped `stamp` (one transaction)."""
        nodes = list(nodes)
        with self._writing() as conn:
            postings.clear(conn)
            versions = {
                str(n.metadata.get("doc_id", "")): str(n.metadata.get("content_hash", ""))
                for n in nodes
            }
            self._apply(conn, [], versions, nodes, stamp)
        self.stamp = stamp
        self._see_all()
        log.info("keyword index rebuilt: %d chunks", len(nodes))

    def _apply(
        self,
        conn: sqlite3.Connection,
        gone: list[str],
        new: Versions,
        nodes: Iterable[ChunkNode],
        stamp: str,
    ) -> None:
        for doc_id in set(gone) | set(new):
            postings.remove_article(conn, doc_id)
        conn.executemany("DELETE FROM articles WHERE doc_id = ?", [(d,) for d in gone])
        conn.executemany(
            "INSERT OR REPLACE INTO articles (doc_id, content_hash) VALUES (?, ?)", new.items()
        )
        batch: list[ChunkNode] = []
        for node in nodes:
            batch.append(node)
            if len(batch) >= 5000:
                postings.add_chunks(conn, batch)
                batch = []
        postings.add_chunks(conn, batch)
        postings.write_meta(conn, "format", postings.FORMAT)
        postings.write_meta(conn, "stamp", stamp)

    # --- reading ----------------------------------------------------------------------------

    def chunk_ids(self) -> set[str]:
        """The ids of the chunks in the index (for the consistency check)."""

        def read() -> set[str]:
            with self._lock:
                return {row[0] for row in self._db().execute("SELECT chunk_id FROM chunks")}

        return self._repairing(read)

    def nodes_by_id(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        """The chunks with these ids that the file holds, as stored (the text and metadata
        Chroma has; an id names one version of a chunk, so a chunk found is never stale)."""

        def read() -> dict[str, ChunkNode]:
            with self._lock:
                rows = postings.rows_by_id(self._db(), chunk_ids)
            return {row[0]: postings.node_from_row(*row) for row in rows}

        return self._repairing(read) if chunk_ids else {}

    def check_file(self) -> str | None:
        """SQLite's check of every page of the file (for `newsbot doctor`): None when the file
        is whole or missing, else the first problem found."""
        if not self.path.exists():
            return None
        with self._lock:
            try:
                rows = self._db().execute("PRAGMA quick_check").fetchall()
            except sqlite3.DatabaseError as exc:
                if damage(exc) is None:
                    raise
                return damage(exc)
        found = [str(row[0]) for row in rows if row[0] != "ok"]
        return found[0] if found else None

    def rebuild_if_damaged(self) -> str | None:
        """Rebuild the file from the store when SQLite's check finds it damaged; what was
        wrong with it, or None when it was whole."""
        reason = self.check_file()
        if reason is not None:
            self._rebuild_damaged(reason)
        return reason

    def ids_where(self, key: str, value: str) -> ChunkIds:
        """The ids of the indexed chunks whose metadata `key` is `value` (listed once per
        index state): a dense search restricted to them skips Chroma's metadata filter, ten
        times slower for a large publication. The article, publication and date are looked up
        in an index; another key reads every chunk's metadata."""

        def read() -> ChunkIds:
            with self._lock:
                if self._ids_seen != self.stamp:
                    self._ids_by, self._ids_seen = {}, self.stamp
                found = self._ids_by.get((key, value))
                if found is None:
                    where = postings.INDEXED_FIELDS.get(key)
                    if where is None:  # no index on it: every chunk's metadata is read
                        where, args = "json_extract(metadata, ?) = ?", (f'$."{key}"', value)
                    else:
                        where, args = f"{where} = ?", (value,)
                    rows = self._db().execute(f"SELECT chunk_id FROM chunks WHERE {where}", args)  # noqa: S608
                    found = self._ids_by[(key, value)] = ChunkIds(row[0] for row in rows)
                return found

        return self._repairing(read)

    def search(self, query: str, k: int) -> list[tuple[ChunkNode, float]]:
        terms = postings.tokens([query])[0] if query.strip() else []
        if not terms:
            return []
        return self._repairing(lambda: self._search(terms, k))

    def _search(self, terms: list[str], k: int) -> list[tuple[ChunkNode, float]]:
        with self._lock:
            conn = self._db()
            conn.execute("BEGIN")  # one snapshot for all the reads of this search
            try:
                live = self._live_chunks(conn)
                found = postings.term_versions(conn, set(terms))
                reads = TermReads(conn, live, found, self._postings)
                hits = bm25_top.top_k(terms, reads, live, k)
                nodes = self._nodes_at(conn, [h.pos for h in hits])
            except BaseException:
                postings.roll_back(conn)
                raise
            conn.execute("COMMIT")
            return [(nodes[h.pos], h.score) for h in hits if h.pos in nodes]

    @property
    def chunks_seen(self) -> int:
        """How many chunks the last search served from (0 before the first)."""
        return 0 if self._live is None else len(self._live[1].positions)

    def _live_chunks(self, conn: sqlite3.Connection) -> postings.Live:
        """The indexed chunks this process serves, read again only after a write (its own, or
        another process's: SQLite's data_version tells) or a sync."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._horizon is None:
            self._horizon = postings.horizon(conn)  # opened without a sync: all there is
        if self._live is None or self._live[0] != version:
            self._live_reads += 1
            live = postings.live_chunks(conn, self._live_reads, self._horizon)
            self._live = (version, live)
        return self._live[1]

    def _see_all(self) -> None:
        """After a sync: serve every chunk the file holds (this process's view of the store
        is at least as new)."""
        with self._lock:
            self._horizon = postings.horizon(self._db())
            self._live = None

    def _nodes_at(self, conn: sqlite3.Connection, positions: list[int]) -> dict[int, ChunkNode]:
        # A position is never reused for another chunk: a kept node never goes stale.
        out = {p: node for p in positions if (node := self._nodes.get(p)) is not None}
        need = [p for p in positions if p not in out]
        for pos, (chunk_id, text, record) in postings.rows_at(conn, need).items():
            out[pos] = postings.node_from_row(chunk_id, text, record)
            self._nodes.put(pos, out[pos])
        return out


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _read_stamp(folder: Path) -> str | None:
    """The stamp of the index saved in `folder`; None when there is none (or it is unreadable)."""
    if not (folder / _FILE).exists():
        return None
    index = KeywordIndex(folder)
    try:
        return index.stored_stamp()
    except sqlite3.DatabaseError:
        return None
    finally:
        index.close()
