"""llama-index's own nouns over the engine's parts, for code that composes llama-index's pieces
with newsbot's (its postprocessors, query engines, indexes): the embedder as a `BaseEmbedding`,
the hybrid retriever as a `BaseRetriever`, a collection of the same store as a
`ChromaVectorStore`. `Engine` inherits these; each imports llama-index when first called (a
question never does: 0.56 s of a fresh `newsbot ask`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.vector_stores.chroma import ChromaVectorStore


class LlamaIndexParts:
    # Set by Engine.__init__.
    settings: Any
    embedder: Any
    retriever: Any
    store: Any

    def llama_embedding(self) -> BaseEmbedding:
        """The engine's embedding model as llama-index's `BaseEmbedding`."""
        from index.llama_loader import keep_llama_index_local

        keep_llama_index_local(self.embedder)  # first: it imports llama-index, one thread at a time
        from index.llama_embedding import LlamaIndexEmbedding

        return LlamaIndexEmbedding(self.embedder)

    def llama_retriever(self) -> BaseRetriever:
        """The engine's hybrid retriever (dense + BM25, ranked, widened) as llama-index's
        `BaseRetriever`: `retrieve` gives its top NEWSBOT_TOP_K as `NodeWithScore`s."""
        from index.retrieval.llama_retriever import LlamaIndexRetriever

        return LlamaIndexRetriever(self.retriever)

    def llama_vector_store(self, name: str, fresh: bool = False) -> ChromaVectorStore:
        """Collection `name` of the engine's store (made when missing, emptied first when
        `fresh`) as llama-index's `ChromaVectorStore`, for an index llama-index builds its own
        way; never one of the engine's own collections (ValueError)."""
        from index.llama_loader import load_llama_index

        load_llama_index()
        from index.store.side_collection import side_vector_store

        return side_vector_store(self.store.chroma.client, self.settings.collection, name, fresh)
