"""The k best chunks of a query without reading every posting of its common terms.

At a million chunks a common term ("said", a publication's name in every chunk's header) has
hundreds of thousands of postings, and reading them was half of a question's retrieval time.
A term adds less than its IDF to any chunk's score (its term-frequency part, tf / (tf + K1 ·
norm), is below 1), so once the other terms' k-th best partial score is above the summed IDFs
of the common terms left out, no chunk the others missed can reach the top k (MaxScore, Turtle
and Flood 1995). The common terms are then read only for the chunks that still can, by key.
Those chunks' scores are summed over the query's terms in its order, in bm25s's float32 steps,
so they are bm25s's scores bit for bit (and its order, ties included, when nothing is skipped;
when something is, only chunks tied exactly at the k-th place may come in another order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from index.store.bm25_postings import K1, B, Hit, Live, Postings

READ_WHOLE = 100_000  # postings a term may have to be read whole (25 ms) before trying to skip it
LOOKUP_COST = 8  # a posting read by key costs about as much as this many read in a row
_SLACK = 1e-4  # float32 sums round: a bound is trusted only with this relative margin


class TermReads(Protocol):
    """How the search reads one term: its live document frequency, all of its postings (kept
    in memory by the reader), or its postings of some chunks only."""

    def cached(self, term: str) -> Postings | None: ...

    def df(self, term: str) -> int: ...

    def whole(self, term: str) -> Postings: ...

    def of_chunks(self, term: str, positions: np.ndarray) -> Postings: ...


def top_k(query_terms: Sequence[str], reads: TermReads, live: Live, k: int) -> list[Hit]:
    """The `k` best live chunks (positive scores only), best first."""
    n = len(live.positions)
    if not n or not query_terms:
        return []
    avg = np.float64(live.total_length / n)  # as bm25s: np.mean of integer lengths
    idf = {t: _idf(n, df) for t in dict.fromkeys(query_terms) if (df := reads.df(t))}
    bound = {t: query_terms.count(t) * float(idf[t]) for t in idf}  # repeats count again
    whole = {t: got for t in idf if (got := _cheap(reads, t))}
    rest = sorted((t for t in idf if t not in whole), key=bound.__getitem__)
    subsets: dict[str, Postings] = {}
    chosen = None
    partial = _scores(query_terms, whole, {}, idf, live, avg) if rest else None
    while rest:
        chosen = _survivors(partial, sum(bound[t] for t in rest), k)
        if chosen is not None and all(len(chosen) * LOOKUP_COST <= reads.df(t) for t in rest):
            positions = live.positions[chosen]
            subsets = {t: reads.of_chunks(t, positions) for t in rest}
            break
        term = rest.pop()  # the largest bound: reading it lowers the rest's the most
        whole[term] = reads.whole(term)
        # A bound needs no exact sum: the term is added once for all its repeats.
        keep, rows = whole[term].rows_in(live)
        partial[rows] += query_terms.count(term) * contribution(whole[term], keep, idf[term], avg)
        chosen = None
    scores = _scores(query_terms, whole, subsets, idf, live, avg)
    return _best(scores, live, k, chosen)


def _idf(n: int, df: int) -> np.float32:
    return np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))  # Lucene's, as bm25s


def _cheap(reads: TermReads, term: str) -> Postings | None:
    got = reads.cached(term)
    if got is None and reads.df(term) <= READ_WHOLE:
        got = reads.whole(term)
    return got


def _scores(
    query_terms: Sequence[str],
    whole: dict[str, Postings],
    subsets: dict[str, Postings],
    idf: dict[str, np.float32],
    live: Live,
    avg: np.float64,
) -> np.ndarray:
    """Every live chunk's sum over the terms given, in the query's order: a term in `subsets`
    adds only to the chunks it was read for."""
    scores = np.zeros(len(live.positions), dtype=np.float32)
    for term in query_terms:
        got = whole[term] if term in whole else subsets.get(term)
        if got is None:
            continue
        keep, rows = got.rows_in(live)
        if len(keep):
            scores[rows] += contribution(got, keep, idf[term], avg)
    return scores


def contribution(got: Postings, keep: np.ndarray, idf: np.float32, avg: np.float64) -> np.ndarray:
    """A term's score in each chunk of its postings `keep`: bm25s keeps idf as float32, scores
    a posting in float64 and stores it as float32 (summed over terms in float32 after)."""
    tf, length = got.tf[keep], got.length[keep]
    tfc = tf / (K1 * ((1 - B) + B * length / avg) + tf)
    return (np.float64(idf) * tfc).astype(np.float32)


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
