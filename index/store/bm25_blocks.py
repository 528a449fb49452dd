"""A common term's postings sealed into blocks: arrays stored as one blob, read at memory speed.

A posting row costs about 0.2 us to read back from SQLite (its B-tree, then the text numpy
parses); at a million chunks a question's terms hold several hundred thousand postings, and
reading them was most of the keyword search. New postings are still written as rows (one
article's write stays one small transaction); once a term has `SEAL` rows they move into a block:
their positions and term frequencies as compact arrays in one blob (`encode`), keyed by the
term and the first position. A term's blocks never overlap, and
each posting is either a row or in one block, so a term's postings are its rows and its blocks.

Removing an article rewrites the blocks holding its chunks, in the same transaction: the file
holds no posting of a removed chunk, as before blocks existed.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterable

import numpy as np

SEAL = 1024  # rows a term gathers before they move into a block (0.2 ms of row reads at most)

SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    term TEXT NOT NULL,
    first INTEGER NOT NULL,  -- its smallest chunk position
    last INTEGER NOT NULL,  -- its largest
    n INTEGER NOT NULL,  -- its postings
    data BLOB NOT NULL,  -- see `encode`
    PRIMARY KEY (term, first)
) WITHOUT ROWID;
"""
# A term's postings in blocks, in SQL (inside a statement over `terms`).
COUNTED = "(SELECT coalesce(sum(n), 0) FROM blocks WHERE blocks.term = terms.term)"
_WIDTHS = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))


def encode(pos: np.ndarray, tf: np.ndarray) -> bytes:
    """Postings (ascending positions) as two bytes naming the widths, then each position's
    distance from the one before (the first's from itself: 0) and each term frequency, in the
    fewest bytes that hold them: 2 or 3 bytes a posting of a common term instead of 24 as rows
    (a chunk's length is the chunk's, read once per reader, not once per posting)."""
    steps = np.diff(pos, prepend=pos[:1])
    step_width, tf_width = _width(steps), _width(tf)
    header = bytes([_WIDTHS.index(step_width), _WIDTHS.index(tf_width)])
    return header + steps.astype(step_width).tobytes() + np.asarray(tf).astype(tf_width).tobytes()


def _width(values: np.ndarray) -> np.dtype:
    top = int(values.max()) if len(values) else 0
    return next(w for w in _WIDTHS if top <= np.iinfo(w).max)


def decode(first: int, n: int, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A block's positions (int64) and term frequencies."""
    step_width, tf_width = _WIDTHS[data[0]], _WIDTHS[data[1]]
    steps = np.frombuffer(data, dtype=step_width, count=n, offset=2)
    tf = np.frombuffer(data, dtype=tf_width, count=n, offset=2 + n * step_width.itemsize)
    return first + np.cumsum(steps, dtype=np.int64), tf


def _put(conn: sqlite3.Connection, term: str, pos: np.ndarray, tf: np.ndarray) -> None:
    conn.execute(
        "INSERT INTO blocks (term, first, last, n, data) VALUES (?, ?, ?, ?, ?)",
        (term, int(pos[0]), int(pos[-1]), len(pos), encode(pos, tf)),
    )


def read(conn: sqlite3.Connection, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of the term's blocks: positions (ascending) and term frequencies."""
    rows = conn.execute("SELECT first, n, data FROM blocks WHERE term = ? ORDER BY first", (term,))
    parts = [decode(*row) for row in rows]
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    return np.concatenate([p for p, _ in parts]), np.concatenate([t for _, t in parts])


def seal_term(conn: sqlite3.Connection, term: str) -> None:
    """Move the term's rows into a new block (inside the caller's transaction)."""
    got = conn.execute("SELECT pos, tf FROM postings WHERE term = ? ORDER BY pos", (term,))
    rows = np.asarray(got.fetchall(), dtype=np.int64).reshape(-1, 2).T
    if rows.shape[1]:
        _put(conn, term, rows[0], rows[1])
        conn.execute("DELETE FROM postings WHERE term = ?", (term,))
    conn.execute("UPDATE terms SET loose = 0 WHERE term = ?", (term,))


def seal_all(conn: sqlite3.Connection) -> None:
    """Seal every term with `SEAL` rows or more (a file of the format before blocks, once)."""
    query = "SELECT term FROM postings GROUP BY term HAVING count(*) >= ?"
    for (term,) in conn.execute(query, (SEAL,)).fetchall():
        seal_term(conn, term)


def remove(conn: sqlite3.Connection, term: str, positions: Iterable[int]) -> dict[int, int]:
    """Take the postings of these chunk positions out of the term's blocks; the term frequency
    of each one found, by position."""
    wanted = sorted(set(positions))
    found: dict[int, int] = {}
    for first, n, data in _blocks_holding(conn, term, wanted):
        pos, tf = decode(first, n, data)
        out = np.isin(pos, wanted)
        found.update(zip(pos[out].tolist(), tf[out].tolist(), strict=True))
        conn.execute("DELETE FROM blocks WHERE term = ? AND first = ?", (term, first))
        if not out.all():
            _put(conn, term, pos[~out], tf[~out])
    return found


def _blocks_holding(
    conn: sqlite3.Connection, term: str, positions: list[int]
) -> list[tuple[int, int, bytes]]:
    """(first, n, data) of the term's blocks whose range holds one of these (sorted) positions:
    the blocks from the one holding the first position to the last position, each read once (an
    article's chunks stand side by side, so that is seldom more than the blocks holding them)."""
    if not positions:
        return []
    start = conn.execute(
        "SELECT first FROM blocks WHERE term = ? AND first <= ? ORDER BY first DESC LIMIT 1",
        (term, positions[0]),
    ).fetchone()
    rows = conn.execute(
        "SELECT first, last, n, data FROM blocks WHERE term = ? AND first BETWEEN ? AND ? "
        "ORDER BY first",
        (term, start[0] if start else positions[0], positions[-1]),
    )
    return [(first, n, data) for first, last, n, data in rows if _holds(positions, first, last)]


def _holds(positions: list[int], first: int, last: int) -> bool:
    i = bisect.bisect_left(positions, first)
    return i < len(positions) and positions[i] <= last


def terms_at(conn: sqlite3.Connection, pos: int) -> list[str]:
    """Every term with a posting of the chunk at `pos` in a block (reads every block whose
    range holds it: for the rare chunk that no longer tokenizes as it did)."""
    rows = conn.execute(
        "SELECT term, first, n, data FROM blocks WHERE first <= ? AND last >= ?", (pos, pos)
    )
    return [term for term, *block in rows if pos in decode(*block)[0]]


def count_up_to(conn: sqlite3.Connection, term: str, horizon: int) -> int:
    """The term's postings in blocks of chunks at positions up to `horizon`."""
    rows = conn.execute(
        "SELECT first, n, data FROM blocks WHERE term = ? AND first <= ?", (term, horizon)
    ).fetchall()
    return sum(int((decode(*row)[0] <= horizon).sum()) for row in rows)
