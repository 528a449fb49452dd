"""The k best chunks of a query without scoring every posting of its common terms.

At a million chunks a common term ("said", a publication's name in every chunk's header) has
hundreds of thousands of postings, and scoring them all was most of a question's keyword
search once they were read from blocks. A term adds less than its IDF to any chunk's score (its
term-frequency part, tf / (tf + K1 · norm), is below 1), so once the other terms' k-th best
partial score is above the summed IDFs of the common terms left out, no chunk the others missed
can reach the top k (MaxScore, Turtle and Flood 1995). The common terms are then scored only in
the chunks that still can. Those chunks' scores are summed over the query's terms in its order,
in bm25s's float32 steps, so they are bm25s's scores bit for bit (and its order, ties included,
when nothing is skipped; when something is, only chunks tied exactly at the k-th place may come
in another order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from index.store.bm25_postings import Hit, Live, Postings, contribution

SCORE_WHOLE = 100_000  # chunks a term may hold to be scored in all of them before trying to skip
_SLACK = 1e-4  # float32 sums round: a bound is trusted only with this relative margin


class TermReads(Protocol):
    """How the search reads one term: its live document frequency, and all of its postings
    (kept in memory by the reader)."""

    def df(self, term: str) -> int: ...

    def whole(self, term: str) -> Postings: ...


def top_k(query_terms: Sequence[str], reads: TermReads, live: Live, k: int) -> list[Hit]:
    """The `k` best live chunks (positive scores only), best first."""
    n = len(live.positions)
    if not n or not query_terms:
        return []
    avg = np.float64(live.total_length / n)  # as bm25s: np.mean of integer lengths
    idf = {t: _idf(n, df) for t in dict.fromkeys(query_terms) if (df := reads.df(t))}
    bound = {t: query_terms.count(t) * float(idf[t]) for t in idf}  # repeats count again
    scored = {t: reads.whole(t).scored(live, idf[t], avg) for t in idf if _few(reads, t)}
    rest = sorted((t for t in idf if t not in scored), key=bound.__getitem__)
    chosen = None
    partial = _scores(query_terms, scored, live) if rest else None
    while rest:
        chosen = _survivors(partial, sum(bound[t] for t in rest), k)
        if chosen is not None:
            break
        term = rest.pop()  # the largest bound: scoring it lowers the rest's the most
        scored[term] = reads.whole(term).scored(live, idf[term], avg)
        # A bound needs no exact sum: the term is added once for all its repeats.
        rows, contributions = scored[term]
        partial[rows] += query_terms.count(term) * contributions
    if chosen is not None:  # the terms left are scored in the chunks that can still make it
        among = np.zeros(n, dtype=bool)
        among[chosen] = True
        scored |= {t: _among(reads.whole(t), among, live, idf[t], avg) for t in rest}
    scores = _scores(query_terms, scored, live)
    return _best(scores, live, k, chosen)


def _few(reads: TermReads, term: str) -> bool:
    return reads.df(term) <= SCORE_WHOLE


def _among(
    got: Postings, among: np.ndarray, live: Live, idf: np.float32, avg: np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """A term's rows and scores in the live chunks marked in `among` only."""
    keep, rows = got.rows_in(live)
    wanted = among[rows]
    rows = rows[wanted]
    return rows, contribution(got.tf[keep[wanted]], live.lengths[rows], idf, avg)


def _idf(n: int, df: int) -> np.float32:
    return np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))  # Lucene's, as bm25s


def _scores(
    query_terms: Sequence[str],
    scored: dict[str, tuple[np.ndarray, np.ndarray]],
    live: Live,
) -> np.ndarray:
    """Every live chunk's sum over the terms scored (their rows and scores), in the query's
    order."""
    scores = np.zeros(len(live.positions), dtype=np.float32)
    for term in query_terms:
        got = scored.get(term)
        if got is not None and len(got[0]):
            scores[got[0]] += got[1]
    return scores


def _survivors(partial: np.ndarray, rest: float, k: int) -> np.ndarray | None:
    """The chunks that can still reach the top k when the terms left out add at most `rest`
    (indices into the live chunks, ascending); None when the bound prunes nothing."""
    if len(partial) <= k:
        return None
    threshold = float(np.partition(partial, -k)[-k])
    margin = rest * (1 + _SLACK) + _SLACK
    if threshold <= margin:
        return None  # a chunk none of the read terms holds could still make the top k
    return np.flatnonzero(partial >= threshold - margin)


def _best(scores: np.ndarray, live: Live, k: int, among: np.ndarray | None) -> list[Hit]:
    """The top `k` of `scores` (of the chunks `among` only, when given), as bm25s selects."""
    got = scores if among is None else scores[among]
    k = min(k, len(got))
    if not k:
        return []
    top = np.argpartition(got, -k).take(indices=range(-k, 0))  # as bm25s.selection
    top_scores = np.take(got, top)
    order = np.flip(np.argsort(top_scores))
    at = top if among is None else among[top]
    return [
        Hit(int(live.positions[at[i]]), float(top_scores[i])) for i in order if top_scores[i] > 0
    ]
