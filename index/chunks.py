"""What a stored chunk carries: its metadata schema and its id, one definition for every stage.

Chunking writes them, the store reads them back, retrieval and the answerer look up a chunk's
neighbours by id, and the consistency check holds each chunk to them. The store keeps a chunk's
metadata and vector, not its text: that is `body[start:end]` of its article's body. A chunk's
id is its article version's prefix (a hash of the article id and of its content) and its
number, so an edited article's chunks get new ids and anything cached by chunk id never goes
stale.
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


# What retrieval sees of a chunk besides its text: the header of the embedded and keyword text.
HEADER_KEYS = ("title", "source", "date")
# A chunk's metadata in the order chunking gives it (and the header shows it).
CHUNK_KEYS = tuple(ChunkMeta.__annotations__)


@dataclasses.dataclass
class StoredChunk:
    """A chunk as read back from the store: its id, its text and its metadata.

    The question path builds these instead of llama-index's `TextNode`: building a `TextNode` means
    importing `llama_index.core`, whose package `__init__` imports every index type, chat engine
    and memory (0.56 s of a 1.5 s `newsbot ask`). `as_text_node` gives llama-index its node, with
    the header templates chunking gave it.
    """

    id_: str
    text: str
    metadata: dict[str, Any]

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
        return text_node(self.id_, self.text, self.metadata)


def text_node(chunk_id_: str, text: str, metadata: dict[str, Any]) -> Any:
    """llama-index's `TextNode` of a chunk: the header (title, source, date) shown to the
    embedder and the keyword index, the rest of the metadata hidden from them."""
    from index.llama_loader import load_llama_index

    load_llama_index()  # a serving process's first catch-up runs in a worker thread
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    meta = ordered(metadata)
    hidden = [k for k in meta if k not in HEADER_KEYS]
    node = TextNode(
        id_=chunk_id_,
        text=text,
        metadata=meta,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=hidden,
        metadata_template="{value}",
        text_template="{metadata_str}\n\n{content}",
        start_char_idx=meta.get("start"),
        end_char_idx=meta.get("end"),
    )
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=str(meta.get("doc_id")))
    return node


def ordered(metadata: dict[str, Any]) -> dict[str, Any]:
    """The metadata with a chunk's keys first, in chunking's order (a store may give them
    sorted; the header's order is the order of its keys)."""
    known = {k: metadata[k] for k in CHUNK_KEYS if k in metadata}
    return known | {k: v for k, v in metadata.items() if k not in known}


def chunk_record(node: ChunkNode) -> dict[str, Any]:
    """What the store keeps of a chunk besides its vector: its metadata, nothing else. Its text
    is `body[start:end]` of its article version's body (store/bodies.py); its header is rebuilt
    from the metadata (`text_node`)."""
    return {k: v for k, v in node.metadata.items() if isinstance(v, (str, int, float, bool))}


def stored_chunk(chunk_id_: str, text: str, record: dict[str, Any]) -> StoredChunk:
    """The chunk in a stored record: ours (`chunk_record`), or one llama-index's
    `ChromaVectorStore` wrote before (the node as JSON under `_node_content`, beside its own
    keys), which stores made before 2026-12 hold."""
    node_json = record.get("_node_content")
    if node_json is None:
        return StoredChunk(chunk_id_, text, record)
    return StoredChunk(chunk_id_, text, json.loads(node_json).get("metadata") or {})


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
