"""What a stored chunk carries: its metadata schema and its id, one definition for every stage.

Chunking writes them, the store reads them back, retrieval and the answerer look up a chunk's
neighbours by id, and the consistency check holds each chunk to them. A chunk's id is its
article version's prefix (a hash of the article id and of its content) and its number, so an
edited article's chunks get new ids and anything cached by chunk id never goes stale.
"""

from __future__ import annotations

import hashlib
from typing import TypedDict

# Digits of a chunk's number in its id: `<prefix>-0003`.
NUMBER_WIDTH = 4


class ArticleMeta(TypedDict):
    """Metadata every chunk of an article shares (set when the article is chunked)."""

    doc_id: str  # the article's id (its url, file path or given id)
    title: str
    source: str  # the publication
    url: str
    published_at: str  # ISO 8601, as the article gives it ("" when unknown)
    date: str  # published_at's day, YYYY-MM-DD: the keyword and embedded header shows it
    author: str
    category: str
    content_hash: str  # of the article version; a chunk is visible while the registry agrees
    chunk_prefix: str  # `chunk_prefix(doc_id, content_hash)`


class ChunkMeta(ArticleMeta):
    """A chunk's own metadata: where it sits in its article's body."""

    chunk: int  # its number within the article version, from 0
    start: int  # body[start:end] is the chunk's text, exactly
    end: int


def chunk_prefix(doc_id: str, content_hash: str) -> str:
    return f"{hashlib.sha1(doc_id.encode()).hexdigest()[:16]}-{content_hash[:12]}"


def chunk_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{NUMBER_WIDTH}d}"


def neighbour_ids(chunk_id_: str, reach: int) -> list[str]:
    """The ids of a chunk and of the `reach` chunks on each side of it, in the same version."""
    prefix, _, number = chunk_id_.rpartition("-")
    if not prefix or not number.isdigit():
        return [chunk_id_]
    i = int(number)
    return [chunk_id(prefix, j) for j in range(max(0, i - reach), i + reach + 1)]
