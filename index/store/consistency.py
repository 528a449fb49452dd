"""Does the index hold together? The checks behind `newsbot doctor` and the kill tests.

What must hold at every moment, including right after an indexing run was killed (see the commit
protocol in index/store/chroma.py):
- every registry record is whole: its body matches its `body_hash`;
- an article's visible chunks (those whose `content_hash` is the registry's) are exactly
  chunks 0..n-1 of one version, n being the registry's `chunks`, and each chunk's offsets lie
  within the registry body (a chunk stored with its text, as stores made before 2026-12 hold
  them, has exactly `body[start:end]`);
- the keyword index on disk is either stamped with the live article versions and then holds
  exactly the visible chunk ids, or stamped otherwise / missing, and then rebuilt from Chroma by
  the next process that opens the engine (a reader never uses a stale one); and its file is
  whole (SQLite's check of every page);
- optionally, that the vector index finds each visible chunk (Chroma's HNSW files caught up
  with its SQLite log).

Invisible chunks are not a problem: they are the new version of an article a killed run was
writing (or the old version it had not deleted yet). No reader sees them, `stats` does not count
them, and the next `newsbot index` sweeps them. They are reported as "left by an interrupted
run" so that an operator knows why Chroma's raw count is higher than `stats`. Nor is a write
operation that did not finish (killed, failed): readers see what it committed, and the next run
completes it; but the report says so, since what the index holds is then not what was asked for.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from index.chunks import chunk_id
from index.store.chroma import Store
from index.store.keyword_index import KeywordIndex
from index.store.keyword_stamps import versions_stamp
from index.store.records import article_body_key

_SELF_QUERY_K = 10  # a chunk must be among its 10 nearest (chunks of equal text tie)
_SHOWN = 3  # ids named in a one-line summary
_CHUNK_FIELDS = ("ids", "documents", "metadatas")


@dataclass
class ConsistencyReport:
    articles: int = 0
    chunks: int = 0  # visible chunks: what readers and `stats` see
    leftover_chunks: int = 0  # invisible, left by an interrupted run; swept by the next run
    without_sentences: int = 0  # visible, no sentence vectors yet; added by the next run
    keyword: str = "unchecked"  # current | stale | missing | damaged | unchecked
    keyword_damage: str = ""  # SQLite's words for what is wrong with the keyword index file
    keyword_rebuilt: str = ""  # the same, for a damaged file the engine has just rebuilt
    last_write: str = "finished"  # finished | running | unfinished | unsettled: Store.last_write
    vectors_checked: int = 0
    damaged_articles: list[str] = field(default_factory=list)  # body does not match its hash
    miscounted_articles: list[str] = field(default_factory=list)  # visible chunks != registry's
    misplaced_chunks: list[str] = field(default_factory=list)  # text != body[start:end]
    keyword_missing: list[str] = field(default_factory=list)  # visible, not in the keyword index
    keyword_extra: list[str] = field(default_factory=list)  # in the keyword index, not visible
    vectors_missing: list[str] = field(default_factory=list)  # the vector index cannot find them

    @property
    def problems(self) -> list[str]:
        """What is wrong, one phrase each; empty when the index is consistent."""
        found = [
            (self.damaged_articles, "articles whose stored body does not match its hash"),
            (self.miscounted_articles, "articles whose visible chunks differ from the registry"),
            (self.misplaced_chunks, "chunks whose text is not body[start:end]"),
            (self.keyword_missing, "visible chunks missing from the keyword index"),
            (self.keyword_extra, "keyword index entries that are not visible chunks"),
            (self.vectors_missing, "visible chunks the vector index does not find"),
        ]
        problems = [f"{len(ids)} {what} ({_some(ids)})" for ids, what in found if ids]
        if self.keyword_damage:
            problems.append(f"the keyword index file is damaged (SQLite: {self.keyword_damage})")
        return problems

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for `newsbot doctor` (after "index: ")."""
        if not self.ok:
            return "inconsistent: " + "; ".join(self.problems)
        line = f"consistent: {self.articles} articles, {self.chunks} chunks"
        if self.leftover_chunks:
            line += (
                f"; {self.leftover_chunks} invisible chunks left by an interrupted run "
                "(removed by the next `newsbot index`)"
            )
        if self.without_sentences:
            line += (
                f"; {self.without_sentences} chunks without sentence vectors, indexed by an "
                "older release (added by the next `newsbot index`)"
            )
        if self.keyword in ("stale", "missing"):
            line += f"; keyword index {self.keyword} (rebuilt from Chroma on the next start)"
        if self.keyword_rebuilt:
            line += (
                f"; the keyword index file was damaged (SQLite: {self.keyword_rebuilt}) and "
                "has been rebuilt from Chroma"
            )
        return line + _LAST_WRITE.get(self.last_write, "")


_COMPLETES = "what it stored is answered from, and the next `newsbot index` completes it"
_LAST_WRITE = {
    "running": "; another process is writing the index now",
    "unfinished": f"; a write (an index run or a forget) did not finish: it was killed or "
    f"failed; {_COMPLETES}",
    "unsettled": f"; a write (an index run or a forget) did not finish: it was killed or "
    f"failed, or is still running elsewhere; {_COMPLETES}",
}


def check_consistency(
    store: Store,
    keyword: KeywordIndex | None = None,
    vectors: int | None = 0,
    seed: int = 0,
    keyword_file: bool = True,
) -> ConsistencyReport:
    """Check the store (and the keyword index, when given) without changing anything.

    `vectors`: how many visible chunks to look up in the vector index by their own embedding
    (0: none, None: all; a seeded sample otherwise, since each lookup is a query).
    `keyword_file`: check every page of the keyword index's file (False: the caller has).
    """
    report = ConsistencyReport(last_write=store.last_write())
    bodies, registry = _registry(store)
    report.articles = len(registry)
    report.damaged_articles = sorted(
        doc_id
        for doc_id, meta in registry.items()
        if hashlib.sha256(bodies[doc_id].encode("utf-8")).hexdigest() != meta.get("body_hash")
    )
    visible = _check_chunks(store, bodies, registry, report)
    report.chunks = len(visible)
    report.without_sentences = len(set(visible) - store.sentence_store.ids())
    if keyword is not None:
        _check_keyword(keyword, registry, set(visible), report, keyword_file)
    if vectors != 0 and visible:
        _check_vectors(store, sorted(visible), vectors, seed, report)
    return report


def _registry(store: Store) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Each registered article's body (of its registered version; "" when it has none) and
    metadata."""
    bodies: dict[str, str] = {}
    metas: dict[str, dict[str, Any]] = {}
    for got in store.chroma.pages("registry", ["metadatas"]):
        keys = {}
        for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            metas[doc_id] = meta or {}
            keys[doc_id] = article_body_key(doc_id, str(metas[doc_id].get("content_hash", "")))
        found = store.registry.bodies(list(keys.values()))
        bodies |= {doc_id: found.get(key, "") for doc_id, key in keys.items()}
    return bodies, metas


def _check_chunks(
    store: Store,
    bodies: dict[str, str],
    registry: dict[str, dict[str, Any]],
    report: ConsistencyReport,
) -> dict[str, str]:
    """Visible chunk id -> doc id; fills in the chunk-level findings of `report`."""
    visible: dict[str, str] = {}
    numbers: dict[str, list[int]] = {doc_id: [] for doc_id in registry}
    chroma = store.chroma
    for got in chroma.pages("chunks", ["documents", "metadatas"]):
        for stored_id, text, meta in zip(*(got[k] for k in _CHUNK_FIELDS), strict=True):
            doc_id = meta.get("doc_id")
            live = registry.get(doc_id, {}).get("content_hash")
            if live is None or meta.get("content_hash") != live:
                report.leftover_chunks += 1  # invisible: a version being written or deleted
                continue
            visible[stored_id] = doc_id
            numbers[doc_id].append(int(meta.get("chunk", -1)))
            if not _chunk_in_place(stored_id, text, meta, bodies[doc_id]):
                report.misplaced_chunks.append(stored_id)
    report.misplaced_chunks.sort()
    report.miscounted_articles = sorted(
        doc_id
        for doc_id, got in numbers.items()
        if sorted(got) != list(range(int(registry[doc_id].get("chunks", 0))))
    )
    return visible


def _chunk_in_place(stored_id: str, text: str | None, meta: dict[str, Any], body: str) -> bool:
    """The chunk is the slice of the body its offsets say, under the id its number gives (a
    chunk stored without its text: its offsets lie within the body)."""
    start, end = int(meta.get("start", -1)), int(meta.get("end", -1))
    expected_id = chunk_id(str(meta.get("chunk_prefix")), int(meta.get("chunk", -1)))
    if stored_id != expected_id or not 0 <= start < end <= len(body):
        return False
    return text is None or text == body[start:end]


def _check_keyword(
    keyword: KeywordIndex,
    registry: dict[str, dict[str, Any]],
    visible: set[str],
    report: ConsistencyReport,
    whole_file: bool,
) -> None:
    damaged = keyword.check_file() if whole_file else None
    if damaged is not None:
        report.keyword, report.keyword_damage = "damaged", damaged
        return
    stamp = versions_stamp({i: m.get("content_hash", "") for i, m in registry.items()})
    # An engine's index is already loaded; a bare one is loaded from disk (read-only).
    if keyword.stamp != stamp and not keyword.load(stamp):
        report.keyword = "missing" if not keyword.folder.exists() else "stale"
        return
    report.keyword = "current"
    ids = keyword.chunk_ids()
    report.keyword_missing = sorted(visible - ids)
    report.keyword_extra = sorted(ids - visible)


def _check_vectors(
    store: Store, visible: list[str], sample: int | None, seed: int, report: ConsistencyReport
) -> None:
    """Each chunk must be in the vector index: one whose HNSW files lagged behind Chroma's
    SQLite after a crash would hold records that dense retrieval can never return."""
    chosen = visible if sample is None or sample >= len(visible) else _sample(visible, sample, seed)
    for start in range(0, len(chosen), 100):
        ids = chosen[start : start + 100]
        chroma = store.chroma
        got = chroma.call("chunks", "get", ids=ids, include=["embeddings"])
        vectors = [list(map(float, v)) for v in got["embeddings"]]
        # Searching among these ids only finds each chunk itself (distance 0) when the vector
        # index has it; an unfiltered search could miss it by approximation alone.
        found = chroma.call(
            "chunks",
            "query",
            query_embeddings=vectors,
            n_results=_SELF_QUERY_K,
            ids=got["ids"],
            include=[],
        )
        report.vectors_missing += [
            want for want, hits in zip(got["ids"], found["ids"], strict=True) if want not in hits
        ]
        report.vectors_missing += sorted(set(ids) - set(got["ids"]))
        report.vectors_checked += len(ids)


def _sample(ids: list[str], n: int, seed: int) -> list[str]:
    return sorted(random.Random(seed).sample(ids, n))


def _some(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SHOWN])
    return shown + (f", … {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")
