"""What a stored chunk carries: its metadata schema and its id, one definition for every stage.

Chunking writes them, the store reads them back, retrieval and the answerer look up a chunk's
neighbours by id, and the consistency check holds each chunk to them. A chunk's id is its
article version's prefix (a hash of the article id and of its content) and its number, so an
edited article's chunks get new ids and anything cached by chunk id never goes stale.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Protocol, TypedDict

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


class ChunkNode(Protocol):
    """What retrieval and the answerer read of a chunk: llama-index's `TextNode` (as chunking
    makes it) and `StoredChunk` (as the store reads it back) both are one."""

    id_: str
    metadata: dict[str, Any]

    @property
    def node_id(self) -> str: ...

    def get_content(self, metadata_mode: Any = ...) -> str: ...

    def model_copy(self, *, update: dict[str, Any]) -> ChunkNode: ...


@dataclasses.dataclass
class StoredChunk:
    """A chunk as read back from the store: its id, its text and its metadata.

    The question path builds these instead of llama-index's `TextNode`: building a `TextNode` means
    importing `llama_index.core`, whose package `__init__` imports every index type, chat engine
    and memory (0.56 s of a 1.5 s `newsbot ask`). The record is the one llama-index's
    `ChromaVectorStore` writes, kept whole (`node_json`): `as_text_node` gives llama-index its own
    node back, with the templates of its metadata header.
    """

    id_: str
    text: str
    metadata: dict[str, Any]
    node_json: str = dataclasses.field(repr=False)

    @property
    def node_id(self) -> str:
        return self.id_

    def get_content(self, metadata_mode: Any = None) -> str:
        """The text, as a `TextNode` gives it in metadata mode NONE (its default); with another
        mode (the evaluator's EMBED), what the `TextNode` gives."""
        if metadata_mode in (None, "none"):
            return self.text
        return self.as_text_node().get_content(metadata_mode=metadata_mode)

    def model_copy(self, *, update: dict[str, Any]) -> StoredChunk:
        return dataclasses.replace(self, **update)

    def as_text_node(self) -> Any:
        node = text_node(self.id_, self.text, {"_node_content": self.node_json})
        node.metadata = self.metadata  # a widened passage's own start and end
        return node


def text_node(chunk_id_: str, text: str, record: dict[str, Any]) -> Any:
    """llama-index's `TextNode` of a stored record (ChromaVectorStore's layout), with the
    excluded keys and templates indexing needs; `stored_chunk` reads the same record for the
    question path without llama-index."""
    from index.llama_loader import load_llama_index

    load_llama_index()  # a serving process's first catch-up runs in a worker thread
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    node = metadata_dict_to_node(record, text=text)
    node.id_ = chunk_id_
    return node


def stored_chunk(chunk_id_: str, text: str, record: dict[str, Any]) -> StoredChunk:
    """The chunk in a record as llama-index's `ChromaVectorStore` lays it out (the node as JSON
    under `_node_content`); what `metadata_dict_to_node` reads, without llama-index."""
    node_json = record["_node_content"]
    return StoredChunk(chunk_id_, text, json.loads(node_json).get("metadata") or {}, node_json)


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
