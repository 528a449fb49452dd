"""The nearest chunks among a large set of ids, without handing the ids to Chroma.

Chroma's query with `ids=` looks every id up before it searches: at 100,000 chunks, among a
publication's 14,000 chunks it took 12 ms against 1.5 ms for a query of the whole store, and at
a million chunks about ten times that, most of a question's dense search. Over a set that
large, the whole store's nearest chunks hold the set's nearest: ask for several times `k`, keep
those of the set, ask for four times as many when too few were, and hand Chroma the ids only
when that still finds fewer than `k` (a set too small a share of the store).

A small set goes the other way: Chroma's search through a graph of 100,000 chunks for the few
it may return took 50-90 ms for 64-139 ids (31 ms for 473, 14 ms for 1,800), while reading
their vectors and comparing each is ~5 ms cold and under 1 ms cached, with the same nearest.
Chroma's cost grows with the share of the store the set is not (~0.08 ms times chunks / ids:
80-110 ms for 1,100 ids of a million, 2-7 ms for 300 of MultiHop-RAG's 9,000), a read's with
the set (~0.045 ms an id cold): the two meet near sqrt(2 * chunks) ids (`exact_up_to`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np

EXACT_MIN = 150  # ids whose vectors are read and compared (`nearest_exact`) in any store
POST_FILTER_FROM = 5_000  # ids from which the whole store is searched and the set kept after
_FIRST = 8  # times k asked for first
_WIDER = 4  # times more asked for each round after
_ROUNDS = 3

Query = Callable[[int, "list[str] | None"], Any]  # (n_results, ids) -> Chroma's query result


class ChunkIds(list[str]):
    """Chunk ids as Chroma takes them, with a set of them made once for membership tests."""

    @cached_property
    def members(self) -> frozenset[str]:
        return frozenset(self)


def nearest_among(query: Query, k: int, among: list[str]) -> dict[str, list[list[Any]]]:
    """The `k` nearest chunks of those with ids `among`, as Chroma's query result (ids and
    distances of one query embedding)."""
    if len(among) < POST_FILTER_FROM:
        return query(k, among)
    members = among.members if isinstance(among, ChunkIds) else frozenset(among)
    n = k * _FIRST
    for _ in range(_ROUNDS):
        got = query(n, None)
        ids, distances = got["ids"][0], got["distances"][0]
        kept = [(i, d) for i, d in zip(ids, distances, strict=True) if i in members]
        if len(kept) >= k or len(ids) < n:  # enough, or the whole store was read
            kept = kept[:k]
            return {"ids": [[i for i, _ in kept]], "distances": [[d for _, d in kept]]}
        n *= _WIDER
    return query(k, among)


def exact_up_to(chunks: int) -> int:
    """Up to how many ids a set's vectors are read and compared rather than searched for by
    Chroma, in a store of `chunks` chunks."""
    return max(EXACT_MIN, math.isqrt(2 * chunks))


def nearest_exact(vector: list[float], k: int, vectors: dict[str, np.ndarray]) -> dict:
    """The `k` nearest of these chunk vectors by cosine, as Chroma's query result."""
    ids = list(vectors)
    if not ids:
        return {"ids": [[]], "distances": [[]]}
    rows = np.vstack([vectors[i] for i in ids]).astype(np.float32)
    q = np.asarray(vector, dtype=np.float32)
    # einsum, not BLAS: OpenBLAS's threads spin after a call and slow the next embedding run.
    dots = np.einsum("sd,d->s", rows, q)
    norms = np.sqrt(np.einsum("sd,sd->s", rows, rows) * np.einsum("d,d->", q, q))
    cosine = dots / np.clip(norms, 1e-12, None)
    top = np.argsort(-cosine, kind="stable")[:k]
    return {"ids": [[ids[j] for j in top]], "distances": [[1.0 - float(cosine[j]) for j in top]]}
