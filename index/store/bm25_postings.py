"""BM25 over postings kept in SQLite: exact bm25s scores, updated one article at a time.

bm25s precomputes every (term, chunk) score with the corpus's document count and average length
baked in, so adding one chunk means rebuilding all of them. Here only term frequencies and chunk
lengths are stored; IDF and length normalisation are applied at query time, with the same
tokenizer (lower case, `\\w\\w+`, English stop words, Snowball English stems), k1, b and Lucene
IDF as bm25s's defaults, in the same float32 arithmetic: scores equal those of a bm25s index
rebuilt over the same chunks, so the learned ranker's keyword features mean what they meant.

SQLite gives the crash safety: a change (chunks added and removed, the stamp saying which
article versions the postings hold) is one transaction, whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import bm25s
import numpy as np
import Stemmer

from index.chunks import ChunkNode, StoredChunk, chunk_record, stored_chunk
from index.store import bm25_blocks as blocks

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s forces its own logger to DEBUG

K1, B = 1.5, 0.75  # bm25s.BM25's defaults (method "lucene")
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # llama-index BM25Retriever's (and bm25s's) default
FORMAT = "4"  # bump when the schema or tokenization changes: an older file is rebuilt
BLOCKLESS = "3"  # the format before blocks (bm25_blocks.py): its common terms sealed, not rebuilt
COUNTABLE = "2"  # the format before terms carried their document frequency: counted, not rebuilt

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: readers key caches by it
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    terms TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks (json_extract(metadata, '$."source"'));
CREATE INDEX IF NOT EXISTS chunks_by_date ON chunks (json_extract(metadata, '$."date"'));
CREATE TABLE IF NOT EXISTS postings (
    term TEXT NOT NULL,
    pos INTEGER NOT NULL,
    tf INTEGER NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (term, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS terms (
    term TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    df INTEGER NOT NULL DEFAULT 0,  -- chunks holding the term: BM25's document frequency
    loose INTEGER NOT NULL DEFAULT 0  -- of them, postings kept as rows, not in a block (at most)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL);
"""
    + blocks.SCHEMA
)

# What `KeywordIndex.ids_where` finds through an index, by metadata key: the expressions must be
# those of the schema's indexes, word for word, for SQLite to use them (a file of an earlier
# release gets the indexes when it is next opened).
INDEXED_FIELDS = {
    "doc_id": "doc_id",
    "source": """json_extract(metadata, '$."source"')""",
    "date": """json_extract(metadata, '$."date"')""",
}

_stemmer = Stemmer.Stemmer("english")


def tokens(texts: Sequence[str]) -> list[list[str]]:
    """Each text's BM25 terms, as llama-index's BM25Retriever tokenizes its corpus."""
    if not texts:
        return []
    return bm25s.tokenize(
        list(texts),
        stopwords="english",
        stemmer=_stemmer,
        token_pattern=TOKEN_PATTERN,
        return_ids=False,
        show_progress=False,
    )


def indexed_text(node: TextNode) -> str:
    """What BM25 sees of a chunk: its text with the title, source and date header."""
    from index.llama_loader import load_llama_index  # indexing only: not the question path

    load_llama_index()
    from llama_index.core.schema import MetadataMode

    return node.get_content(metadata_mode=MetadataMode.EMBED)


@dataclass(frozen=True)
class Hit:
    pos: int
    score: float


def connect(path: Path) -> sqlite3.Connection:
    """The postings database at `path`, created when missing (autocommit: transactions are
    opened explicitly, so a reader never holds a snapshot open between questions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    conn.execute("PRAGMA journal_mode=WAL")  # readers go on while another process writes
    conn.execute("PRAGMA synchronous=FULL")  # a commit that returned survives a power cut
    conn.executescript(_SCHEMA)
    return conn


def read_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def write_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def add_chunks(conn: sqlite3.Connection, nodes: Sequence[TextNode]) -> int:
    """Insert these chunks' postings (inside the caller's transaction); how many were new."""
    nodes = [n for n in nodes if not _has(conn, n.node_id)]
    terms = tokens([indexed_text(n) for n in nodes])
    total, rows, touched = 0, [], Counter()
    for node, doc_terms in zip(nodes, terms, strict=True):
        length = len(doc_terms)
        counts = Counter(doc_terms)
        # The chunk's metadata, as Chroma holds it: a hit comes back with the id, text and
        # metadata that were stored, without a read of Chroma.
        record = json.dumps(chunk_record(node), ensure_ascii=False)
        # Its terms are not listed (they were: 0.5 kB a chunk): removal tokenizes it again.
        pos = conn.execute(
            "INSERT INTO chunks (chunk_id, doc_id, length, terms, text, metadata) "
            "VALUES (?, ?, ?, '', ?, ?)",
            (node.node_id, _doc_id(node), length, node.text, record),
        ).lastrowid
        rows += [(term, pos, tf, length) for term, tf in counts.items()]
        touched.update(counts.keys())  # one chunk more holds each of its terms
        total += length
    rows.sort()  # in key order: SQLite appends to its B-tree pages instead of seeking
    conn.executemany("INSERT INTO postings (term, pos, tf, length) VALUES (?, ?, ?, ?)", rows)
    _touch(conn, [(term, n, n) for term, n in sorted(touched.items())])
    due = "SELECT term FROM terms WHERE loose >= ? AND term IN ({marks})"
    for (term,) in paged(conn, due, touched, before=(blocks.SEAL,)):
        blocks.seal_term(conn, term)  # a term with SEAL rows moves them into a block
    _add_totals(conn, len(nodes), total)
    return len(nodes)


def remove_article(conn: sqlite3.Connection, doc_id: str) -> int:
    """Delete an article's chunks and their postings (inside the caller's transaction)."""
    rows = conn.execute(
        "SELECT pos, length, terms, chunk_id, text, metadata FROM chunks WHERE doc_id = ?",
        (doc_id,),
    ).fetchall()
    # Postings are keyed by term first (what a query reads): a chunk's are found through its
    # terms, as rows or in blocks.
    by_term: defaultdict[str, list[int]] = defaultdict(list)
    for (pos, *_), terms in zip(rows, _terms_of(rows), strict=True):
        for term in terms:
            by_term[term].append(pos)
    counted: Counter[int] = Counter()
    changes = [_take(conn, term, positions, counted) for term, positions in by_term.items()]
    for pos, length, *_ in rows:
        if counted[pos] != length:  # its terms miss some: read every posting
            log.warning("a keyword index chunk no longer tokenizes as it did; reading all postings")
            changes += _take_everything(conn, pos)
    _touch(conn, sorted(changes))
    conn.executemany("DELETE FROM chunks WHERE pos = ?", [(row[0],) for row in rows])
    _add_totals(conn, -len(rows), -sum(row[1] for row in rows))
    return len(rows)


def _take(
    conn: sqlite3.Connection, term: str, positions: list[int], counted: Counter[int]
) -> tuple[str, int, int]:
    """Delete the term's postings of these chunks, rows or in blocks, adding each one's term
    frequency to `counted`; the change to the term's (df, loose) counts."""
    marks = ",".join("?" * len(positions))
    taken = conn.execute(
        f"DELETE FROM postings WHERE term = ? AND pos IN ({marks}) RETURNING pos, tf",  # noqa: S608
        [term, *positions],
    ).fetchall()
    found = dict(taken)
    if len(found) < len(positions):
        found.update(blocks.remove(conn, term, [p for p in positions if p not in found]))
    counted.update(found)
    return term, -len(found), -len(taken)


def _take_everything(conn: sqlite3.Connection, pos: int) -> list[tuple[str, int, int]]:
    """Delete every posting of the chunk at `pos` left after its terms' (a full read)."""
    rows = [t for (t,) in conn.execute("DELETE FROM postings WHERE pos = ? RETURNING term", (pos,))]
    sealed = blocks.terms_at(conn, pos)
    for term in sealed:
        blocks.remove(conn, term, [pos])
    return [(t, -1, -1) for t in rows] + [(t, -1, 0) for t in sealed]


def _terms_of(rows: list[tuple]) -> list[list[str]]:
    """The distinct terms of each chunk row (pos, length, terms, chunk id, text, metadata): as
    listed (files written before 2026-12), else its text tokenized again, as when it was added."""
    again = [r for r in rows if not r[2]]
    texts = [indexed_text(node_from_row(*r[3:]).as_text_node()) for r in again]
    counted = {r[0]: list(dict.fromkeys(t)) for r, t in zip(again, tokens(texts), strict=True)}
    return [listed.split() if listed else counted[pos] for pos, _, listed, *_ in rows]


def paged(
    conn: sqlite3.Connection, query: str, values: Iterable, before: Sequence = ()
) -> list[tuple]:
    """The rows of `query` for all of `values`, asked 500 at a time: `{marks}` in the query
    stands for one page's placeholders, `before` for the parameters ahead of them."""
    values = list(values)
    rows: list[tuple] = []
    for start in range(0, len(values), 500):
        page = values[start : start + 500]
        statement = query.format(marks=",".join("?" * len(page)))
        rows += conn.execute(statement, [*before, *page]).fetchall()
    return rows


def _touch(conn: sqlite3.Connection, changes: Iterable[tuple[str, int, int]]) -> None:
    """Mark these terms' postings changed by the transaction running (readers that keep a
    term's postings in memory read it again), each with the chunks it gained (or lost) and the
    rows among them."""
    version = write_version(conn)
    conn.executemany(
        "INSERT INTO terms (term, version, df, loose) VALUES (?, ?, ?, max(?, 0)) "
        "ON CONFLICT (term) DO UPDATE SET version = excluded.version, df = df + ?, "
        "loose = max(loose + ?, 0)",
        [(t, version, df, loose, df, loose) for t, df, loose in changes],
    )


def count_terms(conn: sqlite3.Connection) -> None:
    """Give each term of a file in the format before (`COUNTABLE`) its document frequency,
    counted from its postings, and mark the file current (inside the caller's transaction).
    Counted whether or not the column is there: a process of an earlier release writing the
    file since would have left the counts behind."""
    if "df" not in [row[1] for row in conn.execute("PRAGMA table_info(terms)")]:
        conn.execute("ALTER TABLE terms ADD COLUMN df INTEGER NOT NULL DEFAULT 0")
    conn.execute(
        "UPDATE terms SET df = (SELECT count(*) FROM postings WHERE postings.term = terms.term)"
        f" + {blocks.COUNTED}"
    )
    seal_common(conn)


def seal_common(conn: sqlite3.Connection) -> None:
    """Move the common terms of a file in the format before blocks (`BLOCKLESS`, all postings
    rows) into blocks, and mark the file current (inside the caller's transaction)."""
    if "loose" not in [row[1] for row in conn.execute("PRAGMA table_info(terms)")]:
        conn.execute("ALTER TABLE terms ADD COLUMN loose INTEGER NOT NULL DEFAULT 0")
    conn.execute(f"UPDATE terms SET loose = df - {blocks.COUNTED}")
    blocks.seal_all(conn)
    write_meta(conn, "format", FORMAT)


def write_version(conn: sqlite3.Connection) -> int:
    """The number of the write transaction running (see `begin_write`)."""
    return int(read_meta(conn, "version") or 0)


def begin_write(conn: sqlite3.Connection) -> None:
    """Number the write transaction just begun (its changed terms carry the number)."""
    write_meta(conn, "version", str(write_version(conn) + 1))


def _has(conn: sqlite3.Connection, chunk_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM chunks WHERE chunk_id = ?", (chunk_id,)).fetchone() is not None
    )


def _add_totals(conn: sqlite3.Connection, chunks: int, length: int) -> None:
    n, total = totals(conn)
    write_meta(conn, "chunks", str(n + chunks))
    write_meta(conn, "total_length", str(total + length))


def totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """(chunks, their summed lengths in terms): BM25's N and N × average length."""
    n, total = read_meta(conn, "chunks"), read_meta(conn, "total_length")
    return int(n or 0), int(total or 0)


def clear(conn: sqlite3.Connection) -> None:
    version = write_version(conn)  # kept: a term's version must never repeat
    for table in ("chunks", "postings", "blocks", "articles", "terms", "meta"):
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    write_meta(conn, "version", str(version))


def node_from_row(chunk_id: str, text: str, record: str) -> StoredChunk:
    return stored_chunk(chunk_id, text, json.loads(record))


def _doc_id(node: ChunkNode) -> str:
    return str(node.metadata.get("doc_id", ""))


@dataclass(frozen=True)
class Live:
    """The indexed chunks as one reader sees them: ascending positions, their lengths and the
    sum of those, a key that no other reading shares, and the reader's horizon (chunks another
    process added since the reader last synced are not its to serve yet: its view of Chroma may
    not hold them)."""

    key: int
    positions: np.ndarray
    lengths: np.ndarray  # of the chunks at those positions, in terms
    total_length: int
    horizon: int

    @cached_property
    def index_of(self) -> np.ndarray:
        """Where each position is among `positions` (-1: not a live chunk), by position: a
        gather instead of a binary search per posting (4 bytes a position)."""
        last = max(self.horizon, int(self.positions[-1]) if len(self.positions) else 0)
        index = np.full(last + 1, -1, np.int32)
        index[self.positions] = np.arange(len(self.positions), dtype=np.int32)
        return index


class Postings:
    """A term's postings as arrays: chunk positions and term frequencies."""

    __slots__ = ("version", "pos", "tf", "_at", "_scored")

    def __init__(self, version: int, rows: list[tuple[int, int]]) -> None:
        got = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
        self._set(version, got[:, 0], got[:, 1])

    @classmethod
    def of_columns(cls, version: int, pos: np.ndarray, tf: np.ndarray) -> Postings:
        made = cls.__new__(cls)
        made._set(version, pos, tf)
        return made

    def _set(self, version: int, pos: np.ndarray, tf: np.ndarray) -> None:
        self.version = version
        self.pos = pos
        self.tf = tf.astype(np.uint16 if len(tf) and tf.max() < 2**16 else np.int32)
        self._at: tuple[int, np.ndarray, np.ndarray] | None = None
        self._scored: tuple[tuple, np.ndarray] | None = None

    def rows_in(self, live: Live) -> tuple[np.ndarray, np.ndarray]:
        """Which postings are of chunks in `live`, and where those chunks are in it (kept while
        the live chunks are the same)."""
        if self._at is None or self._at[0] != live.key:
            keep = np.flatnonzero(self.pos <= live.horizon).astype(np.int32)
            rows = live.index_of[self.pos[keep]]
            if len(rows) and rows.min() < 0:  # never, as a chunk's postings go with it: guarded
                keep, rows = keep[rows >= 0], rows[rows >= 0]
            self._at = (live.key, keep, rows)
        return self._at[1], self._at[2]

    def scored(self, live: Live, idf: np.float32, avg: np.float64) -> tuple[np.ndarray, np.ndarray]:
        """`rows_in`'s rows, with the term's score in each of those chunks (kept while the live
        chunks and the term's IDF are the same: a common term is in most questions)."""
        keep, rows = self.rows_in(live)
        key = (live.key, float(idf), float(avg))
        if self._scored is None or self._scored[0] != key:
            self._scored = (key, contribution(self.tf[keep], live.lengths[rows], idf, avg))
        return rows, self._scored[1]

    @property
    def nbytes(self) -> int:
        """What it holds, `rows_in`'s two int32 arrays and `scored`'s float32 scores included
        (made after it is cached)."""
        return self.pos.nbytes + self.tf.nbytes + 12 * len(self.pos) + 100


def contribution(
    tf: np.ndarray, length: np.ndarray, idf: np.float32, avg: np.float64
) -> np.ndarray:
    """A term's score in chunks of these term frequencies and lengths: bm25s counts term
    frequencies in float32, keeps idf as float32, scores a posting in float64 and stores it as
    float32 (summed over terms in float32 after)."""
    tf = tf.astype(np.float32)
    tfc = tf / (K1 * ((1 - B) + B * length / avg) + tf)
    return (np.float64(idf) * tfc).astype(np.float32)


def read_postings(conn: sqlite3.Connection, term: str, version: int) -> Postings:
    """A term's postings: its blocks, and its rows as one row of two comma-joined columns that
    numpy parses (3.3 times faster than a Python tuple per posting: 0.22 against 0.83 us). The
    two lists follow the same rows, in the same order (the order itself does not change a
    score)."""
    pos, tf = blocks.read(conn, term)
    got = conn.execute(
        "SELECT group_concat(pos), group_concat(tf) FROM postings WHERE term = ?", (term,)
    ).fetchone()
    if got[0]:
        pos = np.concatenate([pos, np.fromstring(got[0], dtype=np.int64, sep=",")])
        tf = np.concatenate([tf, np.fromstring(got[1], dtype=np.int64, sep=",")])
    return Postings.of_columns(version, pos, tf)


def term_versions(conn: sqlite3.Connection, terms: Iterable[str]) -> dict[str, tuple[int, int]]:
    """The version of each term's postings and how many chunks hold it (terms never indexed
    are left out)."""
    terms = list(terms)
    marks = ",".join("?" * len(terms))
    query = f"SELECT term, version, df FROM terms WHERE term IN ({marks})"  # noqa: S608
    return {term: (version, df) for term, version, df in conn.execute(query, terms)}


def live_chunks(conn: sqlite3.Connection, key: int, horizon: int) -> Live:
    """The chunks at positions up to `horizon`, as `score` needs them."""
    rows = conn.execute(
        "SELECT pos, length FROM chunks WHERE pos <= ? ORDER BY pos", (horizon,)
    ).fetchall()
    got = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
    return Live(key, got[:, 0], got[:, 1].astype(np.int32), int(got[:, 1].sum()), horizon)


def horizon(conn: sqlite3.Connection) -> int:
    """The last position given to a chunk so far."""
    row = conn.execute("SELECT max(pos) FROM chunks").fetchone()
    return int(row[0] or 0)


def rows_at(conn: sqlite3.Connection, positions: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """(chunk id, text, metadata json) of the chunks at these positions."""
    query = "SELECT pos, chunk_id, text, metadata FROM chunks WHERE pos IN ({marks})"
    return {
        pos: (chunk_id, text, meta) for pos, chunk_id, text, meta in paged(conn, query, positions)
    }


def rows_by_id(conn: sqlite3.Connection, chunk_ids: Iterable[str]) -> list[tuple[str, str, str]]:
    """(chunk id, text, metadata json) of the chunks with these ids that the file holds."""
    query = "SELECT chunk_id, text, metadata FROM chunks WHERE chunk_id IN ({marks})"
    return paged(conn, query, chunk_ids)


class WriteTransaction:
    """One write transaction (BEGIN IMMEDIATE: one writer at a time across processes), rolled
    back when the block raises."""

    def __init__(
        self, conn: sqlite3.Connection, lock: threading.RLock, after: Callable[[], None]
    ) -> None:
        self.conn, self.lock, self.after = conn, lock, after

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            begin_write(self.conn)
        except BaseException:
            self.lock.release()
            raise
        return self.conn

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None:
                self.conn.execute("COMMIT")
            else:
                roll_back(self.conn)
        finally:
            self.after()
            self.lock.release()


def roll_back(conn: sqlite3.Connection) -> None:
    """End the transaction after an error without hiding it: a damaged file may refuse this
    too (SQLite has rolled back on its own then)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
