"""The hybrid retriever behind llama-index's `BaseRetriever` door, so it composes with
llama-index postprocessors and query engines. Kept apart from `hybrid.py`: importing
llama-index costs a one-question `newsbot ask` 0.56 s, and the engine itself never needs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.chunks import StoredChunk
from index.llama_loader import keep_llama_index_local

if TYPE_CHECKING:
    from index.retrieval.hybrid import HybridRetriever


class LlamaIndexRetriever(BaseRetriever):
    """`retrieve` gives the hybrid retriever's top `top_k`, as `NodeWithScore`s of `TextNode`s."""

    def __init__(self, hybrid: HybridRetriever) -> None:
        keep_llama_index_local(hybrid.embedder)
        super().__init__()
        self.hybrid = hybrid

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.hybrid.search(query_bundle.query_str, self.hybrid.top_k).hits
        return [NodeWithScore(node=_text_node(h.node), score=h.score) for h in hits]


def _text_node(node: object) -> TextNode:
    return node.as_text_node() if isinstance(node, StoredChunk) else node  # type: ignore[return-value]
