"""A vector for every sentence of a chunk, kept beside the chunk for the learned ranker.

A chunk's one vector blurs its eight or so sentences together; a question whose fact is one
sentence of a passage about something else matches that sentence far better than the passage.
The ranker compares the question, and each of its clauses, with every sentence of a candidate
(MultiHop-RAG dev, cross-fitted: evidence recall@10 0.772 -> 0.785, MRR@10 0.803 -> 0.824).

One entry per chunk (all its sentences' rows), not one per sentence: against one Chroma record
per sentence, that wrote seven times and read five times faster (3,000 chunks of 8 sentences;
350 chunks read in 13 ms, not 70). An entry is encoded by one of two codecs: "f16" (float16
rows, cosines kept to about 1e-3) or "i8" (each row scaled into int8, its scale as float16:
half the bytes, cosines kept to about 1e-3 as well: see `encode`). Either way a reader gets
float16 rows.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence

import numpy as np

from index.chunks import ChunkNode
from index.text import sentence_spans


def sentences_of(text: str) -> list[str]:
    """The sentences of a chunk's text, as the ranker sees them."""
    return [text[start:end] for start, end in sentence_spans(text)] or [text]


def embed_sentences(
    nodes: Sequence[ChunkNode], embed: Callable[[list[str]], np.ndarray]
) -> dict[str, np.ndarray]:
    """Each chunk's sentence vectors (one row per sentence), by chunk id. A sentence repeated
    in several chunks (the overlap between neighbours) is embedded once."""
    per_node = [sentences_of(n.get_content()) for n in nodes]
    unique = list(dict.fromkeys(s for sentences in per_node for s in sentences))
    vectors = embed(unique)
    row = {s: i for i, s in enumerate(unique)}
    return {
        n.node_id: vectors[[row[s] for s in sentences]]
        for n, sentences in zip(nodes, per_node, strict=True)
    }


CODECS = ("f16", "i8")
# How new entries are written (a file or record keeps the codec it was written with). "i8"
# halves the bytes (6.6 -> 3.4 kB a chunk on disk), the largest part of a chunk's cost once the
# rest was trimmed (issue 31); on MultiHop-RAG test it moves the answer figures by a question
# or two and retrieval by less than 0.001 (docs/reports/scale.md).
CODEC = "i8"
_I8_MAX = 127


def encode(vectors: np.ndarray, codec: str) -> bytes:
    """A chunk's sentence vectors (one row per sentence) as bytes. "i8": the rows' float16
    scales, then each row divided by its scale and rounded into int8 (symmetric: a unit vector
    of 384 dimensions loses about 4e-4 of a cosine, its largest component setting the step)."""
    rows = np.asarray(vectors, dtype=np.float32)
    if codec == "f16":
        return rows.astype("<f2").tobytes()
    if codec != "i8":
        raise ValueError(f"unknown sentence vector codec {codec!r}")
    scales = (np.abs(rows).max(axis=1) / _I8_MAX).astype("<f2")
    safe = np.where(scales > 0, scales, 1).astype(np.float32)[:, None]
    quantised = np.clip(np.rint(rows / safe), -_I8_MAX, _I8_MAX).astype(np.int8)
    return scales.tobytes() + quantised.tobytes()


def decode(data: bytes, dimensions: int, codec: str) -> np.ndarray:
    """The float16 rows `encode` stored (kept as float16: the cache holds thousands)."""
    if codec == "f16":
        return np.frombuffer(data, dtype="<f2").reshape(-1, dimensions)
    if codec != "i8":
        raise ValueError(f"unknown sentence vector codec {codec!r}")
    count = len(data) // (dimensions + 2)
    scales = np.frombuffer(data, dtype="<f2", count=count).astype(np.float32)
    quantised = np.frombuffer(data, dtype=np.int8, offset=2 * count).reshape(count, dimensions)
    return (quantised.astype(np.float32) * scales[:, None]).astype(np.float16)


def pack(vectors: np.ndarray, codec: str = "f16") -> str:
    """`encode`d, as base64 text: for a string field of a Chroma record."""
    return base64.b64encode(encode(vectors, codec)).decode("ascii")


def unpack(text: str, dimensions: int, codec: str = "f16") -> np.ndarray:
    """The float16 rows `pack` stored."""
    return decode(base64.b64decode(text), dimensions, codec)
