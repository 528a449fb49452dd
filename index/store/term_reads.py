"""How one keyword search reads its terms from the postings file (`bm25_top.TermReads`): whole
postings through the process's cache, and document frequencies as the file keeps them (counted
among the chunks this process serves when another process has added chunks it has not caught
up with yet)."""

from __future__ import annotations

import sqlite3

from index.store import bm25_blocks as blocks
from index.store import bm25_postings as postings
from index.store.bm25_postings import Live, Postings
from index.store.caches import PostingsCache


class TermReads:
    """The reads of one search, inside its snapshot of the file."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        live: Live,
        terms: dict[str, tuple[int, int]],
        cache: PostingsCache,
    ) -> None:
        self.conn, self.live, self.cache = conn, live, cache
        self.versions = {term: version for term, (version, _) in terms.items()}
        # The file's counts are the live ones unless it holds chunks past this process's horizon.
        current = postings.horizon(conn) <= live.horizon
        self._df = {term: df for term, (_, df) in terms.items()} if current else {}

    def cached(self, term: str) -> Postings | None:
        version = self.versions.get(term)
        return None if version is None else self.cache.get(term, version)

    def df(self, term: str) -> int:
        if term not in self.versions:
            return 0  # never indexed
        if term not in self._df:
            rows = self.conn.execute(
                "SELECT count(*) FROM postings WHERE term = ? AND pos <= ?",
                (term, self.live.horizon),
            ).fetchone()[0]
            self._df[term] = rows + blocks.count_up_to(self.conn, term, self.live.horizon)
        return self._df[term]

    def whole(self, term: str) -> Postings:
        got = self.cached(term)
        if got is None:
            got = postings.read_postings(self.conn, term, self.versions[term])
            self.cache.put(term, got)
        return got
