"""The embedding model behind llama-index's `BaseEmbedding` door: for llama-index's own indexes
(the evaluator's baseline) and its global settings. Kept apart from `embedding.py`: importing
llama-index costs a one-question `newsbot ask` 0.56 s, and the engine itself never needs it."""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.embedding import OnnxEmbedding


class LlamaIndexEmbedding(BaseEmbedding):
    """llama-index's interface over an `OnnxEmbedding`."""

    _model: OnnxEmbedding = PrivateAttr()

    def __init__(self, model: OnnxEmbedding) -> None:
        super().__init__(model_name=model.model_name, embed_batch_size=model.embed_batch_size)
        self._model = model

    @classmethod
    def class_name(cls) -> str:
        return "OnnxEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.embed([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.embed(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
