"""A vector for every sentence of a chunk, kept beside the chunk for the learned ranker.

A chunk's one vector blurs its eight or so sentences together; a question whose fact is one
sentence of a passage about something else matches that sentence far better than the passage.
The ranker compares the question, and each of its clauses, with every sentence of a candidate
(MultiHop-RAG dev, cross-fitted: evidence recall@10 0.772 -> 0.785, MRR@10 0.803 -> 0.824).

Vectors are stored as float16, base64-encoded, one string per chunk: against one Chroma record
per sentence, that wrote seven times and read five times faster (3,000 chunks of 8 sentences;
350 chunks read in 13 ms, not 70), and float16 keeps cosines to about 1e-3.
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


def pack(vectors: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def unpack(text: str, dimensions: int) -> np.ndarray:
    """The float16 rows `pack` stored (kept as float16: the cache holds thousands)."""
    return np.frombuffer(base64.b64decode(text), dtype="<f2").reshape(-1, dimensions)
