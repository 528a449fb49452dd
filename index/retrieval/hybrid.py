"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused by weighted reciprocal rank.

`search` also hands back the query vector so the answerer does not embed the question twice;
`llama_retriever.LlamaIndexRetriever` puts it behind llama-index's `BaseRetriever` door, to compose
with llama-index postprocessors and query engines.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.chunks import ChunkNode
from index.embedding import OnnxEmbedding
from index.retrieval.learned_ranker import Candidate, features
from index.retrieval.query_analysis import QueryAnalysis, SourceMatcher, analyse, query_texts
from index.retrieval.widening import widen
from index.store.chroma import Store
from index.store.keyword_index import KeywordIndex
from index.store.records import body_key
from index.text import cached_terms, content_terms
from index.trees import TreeRanker

log = logging.getLogger(__name__)


@dataclass
class Hit:
    node: ChunkNode
    score: float  # fused
    dense: float = 0.0  # cosine similarity, 0 when only BM25 found it
    keyword: float = 0.0  # BM25 score, 0 when only the dense side found it


@dataclass
class SearchResult:
    hits: list[Hit]
    query_vector: list[float] = field(default_factory=list)
    analysis: QueryAnalysis = field(default_factory=QueryAnalysis)
    # The question's and then each clause's unit vectors, when the ranker embedded clauses.
    vectors: np.ndarray | None = None


@dataclass(frozen=True)
class FusionConfig:
    candidates: int = 60  # taken from each side before fusing
    dense_weight: float = 0.25
    keyword_weight: float = 1.0
    rrf_k: int = 60
    dense_pool: int = 100  # dense candidates the learned ranker scores (BM25: keyword_pool)
    filter_candidates: int = 20  # taken from each side per named publication or date
    filter_weight: float = 2.0  # weight of those per-filter lists, relative to the main ones
    keyword_pool: int = 300  # BM25 hits the per-filter keyword lists are picked from
    max_per_article: int = 4  # passages of one article in the top k (0 = no cap)
    coverage_weight: float = 1.0  # weight of query-aspect coverage when picking the top k
    coverage_pool: int = 60  # fused candidates the coverage selection picks from
    term_decay: float = 0.3  # a query term already covered k times counts term_decay**k


Ranked = list[tuple[ChunkNode, float]]


@dataclass
class Gathered:
    analysis: QueryAnalysis
    fused: list[Hit]
    keyword: Ranked  # the BM25 list, visible passages only
    dense: Ranked


class HybridRetriever:
    def __init__(
        self,
        store: Store,
        keyword: KeywordIndex,
        embedder: OnnxEmbedding,
        top_k: int,
        fusion: FusionConfig | None = None,
        ranker: TreeRanker | None = None,
        passage_tokens: int = 0,
    ) -> None:
        self.store, self.keyword, self.embedder = store, keyword, embedder
        self.top_k = top_k
        self.fusion = fusion or FusionConfig()
        self.ranker = ranker
        self.passage_tokens = passage_tokens
        # Widening counts the same sentences again and again.
        self._count_tokens = lru_cache(maxsize=50_000)(embedder.count_tokens)
        self._matcher = SourceMatcher([])
        self._matcher_stamp: str | None = None

    def analyse(self, query: str) -> QueryAnalysis:
        """The publications (known to the index) and dates the query names."""
        if self._matcher_stamp != self.keyword.stamp:
            records = self.store.articles().values()
            self._matcher = SourceMatcher([r.source for r in records], [r.title for r in records])
            self._matcher_stamp = self.keyword.stamp
        return analyse(query, self._matcher)

    def query_vectors(self, query: str) -> np.ndarray:
        """The unit vectors the learned ranker needs: the question's, then each clause's (see
        `query_texts`)."""
        # One model run per distinct text (a one-clause question's clause is often the
        # question): a batch pads the short clauses to the question's length, which on this
        # model costs more than the separate runs.
        texts = query_texts(query)
        vectors = {t: self.embedder.embed([t]) for t in dict.fromkeys(texts)}
        return np.vstack([vectors[t] for t in texts])

    def search(self, query: str, k: int) -> SearchResult:
        f = self.fusion
        vectors = self.query_vectors(query) if self.ranker else self.embedder.embed([query])
        vector = vectors[0].tolist()
        analysis = self.analyse(query)
        found = self.candidates(query, vectors, max(f.candidates, k), analysis)
        hits = self.widen(self.pick(query, found, k))
        return SearchResult(hits, vector, analysis, vectors)

    def widen(self, hits: list[Hit]) -> list[Hit]:
        """Each hit's chunk grown with the sentences around it, up to `passage_tokens`."""
        if self.passage_tokens <= 0 or not hits:
            return hits
        bodies = self.store.bodies_of([h.node for h in hits])
        count = self._count_tokens
        for hit in hits:
            body = bodies.get(body_key(hit.node))
            if body is not None:
                hit.node = widen(hit.node, body, self.passage_tokens, count)
        return hits

    def pick(self, query: str, ranked: list[Hit], k: int) -> list[Hit]:
        """The top k of `ranked` (best first): covering the question's aspects, with at most
        `max_per_article` passages of one article."""
        f = self.fusion
        if f.coverage_weight > 0:
            pool = max(f.coverage_pool, k)
            ranked = cover(query, ranked[:pool], k, f) + ranked[pool:]
        return diversify(ranked, k, f.max_per_article)

    def candidates(
        self, query: str, vectors: np.ndarray, n: int, analysis: QueryAnalysis
    ) -> list[Hit]:
        """Every candidate passage, best first: by the learned ranker when there is one,
        else by fused rank. `vectors` are those of `query_vectors`."""
        vector = vectors[0].tolist()
        if self.ranker is None:
            return self.gather(query, vector, n, wide=False, analysis=analysis).fused
        got = self.gather(query, vector, n, wide=True, analysis=analysis)
        return self.learned(query, got.analysis, self.pool(got, vector), vectors)

    def gather(
        self,
        query: str,
        vector: list[float],
        n: int,
        wide: bool,
        analysis: QueryAnalysis | None = None,
    ) -> Gathered:
        """The fused BM25, dense and per-publication/date lists; `wide` also keeps the longer
        BM25 and dense lists the learned ranker picks from."""
        f = self.fusion
        analysis = analysis or self.analyse(query)
        filters = [("source", s) for s in analysis.sources] + [("date", d) for d in analysis.dates]
        size = f.keyword_pool if filters or wide else n
        named = filters if f.filter_weight > 0 else []
        keyword_hits = self.keyword.search(query, size)
        chunks = self.keyword.chunks_seen
        # Visibility is checked once for all lists: one registry read per question.
        keyword, dense, *named_dense = self.store.visible(
            keyword_hits,
            self.store.dense(vector, max(n, f.dense_pool if wide else n)),
            *(
                self.store.dense(vector, f.filter_candidates, self.keyword.ids_where(*kv), chunks)
                for kv in (named if f.dense_weight > 0 else [])
            ),
        )
        lists: list[tuple[Ranked, float, bool]] = [(keyword[:n], f.keyword_weight, False)]
        if f.dense_weight > 0:
            lists.append((dense[:n], f.dense_weight, True))
        for i, (key, value) in enumerate(named):
            kw = [p for p in keyword if p[0].metadata.get(key) == value]
            lists.append((kw[: f.filter_candidates], f.filter_weight * f.keyword_weight, False))
            if f.dense_weight > 0:
                lists.append((named_dense[i], f.filter_weight * f.dense_weight, True))
        return Gathered(analysis, self._fuse(lists), keyword, dense)

    def pool(self, got: Gathered, vector: list[float]) -> list[tuple[Hit, Candidate]]:
        """The fused hits plus the rest of the wide BM25 and dense lists, described for the
        learned ranker (cosines the dense lists did not give are computed from the store)."""
        fused, keyword, dense = got.fused, got.keyword, got.dense
        hits = {h.node.node_id: h for h in fused}
        for node, _ in keyword + dense:
            hits.setdefault(node.node_id, Hit(node=node, score=0.0))
        bm25 = {n.node_id: (rank, score) for rank, (n, score) in enumerate(keyword)}
        cosine = {n.node_id: score for n, score in dense}
        cosine |= {h.node.node_id: h.dense for h in fused if h.dense}
        missing = [i for i in hits if i not in cosine]
        q = np.asarray(vector, dtype=np.float32)
        cosine |= {i: float(v @ q) for i, v in self.store.vectors_of(missing).items()}
        sentences = self._sentence_vectors(list(hits), len(q))
        fused_rank = {h.node.node_id: rank for rank, h in enumerate(fused)}
        out = []
        for node_id, hit in hits.items():
            meta = hit.node.metadata
            rank, score = bm25.get(node_id, (1000, 0.0))
            out.append(
                (
                    hit,
                    Candidate(
                        node_id=node_id,
                        doc_id=meta.get("doc_id", node_id),
                        text=hit.node.get_content(),
                        title=str(meta.get("title", "")),
                        source=str(meta.get("source", "")),
                        date=str(meta.get("date", "")),
                        chunk=int(meta.get("chunk", 0)),
                        sentence_vectors=sentences[node_id],
                        fused=hit.score,
                        fused_rank=fused_rank.get(node_id, 1000),
                        bm25=score,
                        bm25_rank=rank,
                        cosine=cosine.get(node_id, 0.0),
                    ),
                )
            )
        return out

    def _sentence_vectors(self, chunk_ids: list[str], dimensions: int) -> dict[str, np.ndarray]:
        """Each chunk's stored sentence vectors; a chunk stored without them (indexed by an
        older newsbot, until the next index run adds them) stands for its only sentence."""
        out = self.store.sentence_vectors_of(chunk_ids)
        lacking = [i for i in chunk_ids if i not in out]
        if lacking:
            whole = self.store.vectors_of(lacking)
            for i in lacking:
                out[i] = whole.get(i, np.zeros(dimensions, dtype=np.float32))[None, :]
        return out

    def learned(
        self,
        query: str,
        analysis: QueryAnalysis,
        pool: list[tuple[Hit, Candidate]],
        vectors: np.ndarray,
    ) -> list[Hit]:
        """The pool ordered by the learned ranker's score (best first); `vectors` are those
        of `query_vectors`."""
        assert self.ranker is not None
        x = features(query, analysis.sources, analysis.dates, [c for _, c in pool], vectors)
        for (hit, _), p in zip(pool, self.ranker.score(x), strict=True):
            hit.score = float(p)
        return sorted((h for h, _ in pool), key=lambda h: h.score, reverse=True)

    def _fuse(self, lists: list[tuple[Ranked, float, bool]]) -> list[Hit]:
        """Weighted reciprocal rank fusion of ranked lists (dense ones flagged True)."""
        rrf_k = self.fusion.rrf_k
        hits: dict[str, Hit] = {}
        for ranked, weight, is_dense in lists:
            for rank, (node, score) in enumerate(ranked):
                hit = hits.setdefault(node.node_id, Hit(node=node, score=0.0))
                if is_dense:
                    hit.dense = max(hit.dense, score)
                else:
                    hit.keyword = max(hit.keyword, score)
                hit.score += weight / (rrf_k + rank + 1)
        return sorted(hits.values(), key=lambda h: h.score, reverse=True)


def diversify(ranked: list[Hit], k: int, max_per_article: int) -> list[Hit]:
    """The top `k`, at most `max_per_article` passages of one article while others remain.

    A multi-hop question needs passages from 2-4 articles; five near-duplicate passages of the
    best-matching article crowd them out.
    """
    if max_per_article <= 0:
        return ranked[:k]
    chosen: list[Hit] = []
    held_back: list[Hit] = []
    per_article: dict[str, int] = {}
    for hit in ranked:
        if len(chosen) == k:
            break
        doc = hit.node.metadata.get("doc_id", hit.node.node_id)
        if per_article.get(doc, 0) < max_per_article:
            per_article[doc] = per_article.get(doc, 0) + 1
            chosen.append(hit)
        else:
            held_back.append(hit)
    chosen += held_back[: k - len(chosen)]
    return chosen


def _terms(node: ChunkNode) -> frozenset[str]:
    """A passage's stemmed content terms (cached: the same passages come back often)."""
    return cached_terms(node.get_content())


def cover(query: str, pool: list[Hit], k: int, f: FusionConfig) -> list[Hit]:
    """Greedy top k that covers the query's aspects, not just its best-matching one.

    A multi-hop question describes 2-4 articles; the passages that match its first half best
    crowd out those for the rest. Each pick scores its fused rank score (scaled to the best)
    plus the IDF-weighted share of query terms it contains, each term discounted by how often
    the passages picked so far already cover it (xQuAD-style).
    """
    wanted = content_terms(query)
    if not pool or not wanted:
        return pool[:k]
    terms = [_terms(h.node) & wanted for h in pool]
    df = {t: sum(t in ts for ts in terms) for t in wanted}
    idf = {t: math.log(1 + len(pool) / (1 + df[t])) for t in wanted}
    total = sum(idf.values()) or 1.0
    top = pool[0].score or 1.0
    covered: dict[str, int] = {}
    left = list(range(len(pool)))
    picked: list[Hit] = []
    while left and len(picked) < k:

        def gain(i: int) -> float:
            hit = pool[i]
            novelty = sum(idf[t] * f.term_decay ** covered.get(t, 0) for t in terms[i]) / total
            return hit.score / top + f.coverage_weight * novelty

        best = max(left, key=gain)
        left.remove(best)
        picked.append(pool[best])
        for t in terms[best]:
            covered[t] = covered.get(t, 0) + 1
    return picked + [pool[i] for i in left]
