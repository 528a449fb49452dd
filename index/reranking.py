"""The optional reranker slot: a cross-encoder ONNX file, when the user has one.

Off by default (no PyPI package bundles a cross-encoder). Set `NEWSBOT_RERANKER_MODEL` to a
sentence-transformers cross-encoder exported to ONNX (e.g. ms-marco-MiniLM-L-6-v2) and
`NEWSBOT_RERANKER_TOKENIZER` to its tokenizer.json; retrieval then reorders its fused
candidates by the model's relevance logit before picking the top k.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
from tokenizers import Tokenizer

from index.embedding import onnx_session, padded_feeds


class Reranker(Protocol):
    def score(self, query: str, texts: list[str]) -> np.ndarray:
        """One relevance score per text, higher is better."""
        ...


class OnnxCrossEncoder:
    """A cross-encoder (query, passage) -> logit, run with onnxruntime."""

    def __init__(
        self, model: Path, tokenizer: Path, max_tokens: int = 512, threads: int = 0
    ) -> None:
        self._session = onnx_session(model, threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        encodings = self._tokenizer.encode_batch([(query, t) for t in texts])
        feeds, _ = padded_feeds(encodings, self._inputs)
        logits = self._session.run(None, feeds)[0]
        return np.asarray(logits, dtype=np.float32).reshape(len(texts), -1)[:, 0]
