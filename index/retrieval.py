"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused by weighted reciprocal rank.

A llama-index `BaseRetriever`, so it composes with llama-index postprocessors and query engines;
`search` also hands back the query vector so the answerer does not embed the question twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.embedding import OnnxEmbedding
from index.keyword import KeywordIndex
from index.store import Store

log = logging.getLogger(__name__)


@dataclass
class Hit:
    node: TextNode
    score: float  # fused
    dense: float = 0.0  # cosine similarity, 0 when only BM25 found it
    keyword: float = 0.0  # BM25 score, 0 when only the dense side found it


@dataclass
class SearchResult:
    hits: list[Hit]
    query_vector: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class FusionConfig:
    candidates: int = 40  # taken from each side before fusing
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    rrf_k: int = 60


class HybridRetriever(BaseRetriever):
    def __init__(
        self,
        store: Store,
        keyword: KeywordIndex,
        embedder: OnnxEmbedding,
        top_k: int,
        fusion: FusionConfig | None = None,
    ) -> None:
        super().__init__()
        self.store, self.keyword, self.embedder = store, keyword, embedder
        self.top_k = top_k
        self.fusion = fusion or FusionConfig()

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.search(query_bundle.query_str, self.top_k).hits
        return [NodeWithScore(node=h.node, score=h.score) for h in hits]

    def search(self, query: str, k: int) -> SearchResult:
        vector = self.embedder.embed([query])[0].tolist()
        n = max(self.fusion.candidates, k)
        dense = self.store.dense(vector, n)
        keyword = self.store.visible(self.keyword.search(query, n))
        return SearchResult(hits=self._fuse(dense, keyword)[:k], query_vector=vector)

    def _fuse(
        self, dense: list[tuple[TextNode, float]], keyword: list[tuple[TextNode, float]]
    ) -> list[Hit]:
        f = self.fusion
        hits: dict[str, Hit] = {}
        for rank, (node, sim) in enumerate(dense):
            hit = hits.setdefault(node.node_id, Hit(node=node, score=0.0))
            hit.dense = sim
            hit.score += f.dense_weight / (f.rrf_k + rank + 1)
        for rank, (node, bm25) in enumerate(keyword):
            hit = hits.setdefault(node.node_id, Hit(node=node, score=0.0))
            hit.keyword = bm25
            hit.score += f.keyword_weight / (f.rrf_k + rank + 1)
        return sorted(hits.values(), key=lambda h: h.score, reverse=True)
