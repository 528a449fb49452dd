"""What the store holds, as the engine reads it: article records of the registry, the write
operation running, chunk nodes rebuilt from Chroma's records, and passages made of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from index.chunks import ChunkNode, StoredChunk, stored_chunk
from index.results import Passage
from index.store.sentence_vectors import unpack

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

PAGE = 2000  # records per read when a whole collection is read, or written in parts


@dataclass(frozen=True)
class ArticleRecord:
    """What the registry holds about an indexed article (its body is fetched on demand)."""

    id: str
    title: str
    source: str
    url: str
    published_at: str
    origin: str
    content_hash: str
    body_hash: str
    chunks: int
    indexed_at: str

    @classmethod
    def from_metadata(cls, doc_id: str, meta: dict[str, Any]) -> ArticleRecord:
        fields = {k: meta.get(k, "") for k in cls.__dataclass_fields__ if k != "id"}
        fields["chunks"] = int(meta.get("chunks", 0))
        return cls(id=doc_id, **fields)


@dataclass
class WriteOperation:
    """A write operation running: the generation it started from (None when the one before
    did not finish), the one it will leave when it finishes, the articles it wrote or
    removed (so a keyword index that was at `starts_at` can apply just these), and whether it
    swept what an unfinished one left (only then is the store tidy again after it)."""

    starts_at: str | None
    ends_at: str
    articles: set[str] = field(default_factory=set)
    tidied: bool = False


Bodies = Callable[[list[str]], dict[str, str]]  # `ArticleRegistry.bodies`, or a cache of it


def chunks_of(
    got: Any, bodies: Bodies, versions: dict[str, str] | None = None
) -> dict[str, StoredChunk]:
    """The chunks in the records of a Chroma read (ids, metadatas, documents), those of these
    article versions (id -> content hash) when given. A record written without its text
    (`chunk_record`) takes `body[start:end]` of its article version's body; one whose version
    has no body any more (replaced or removed since) is left out. Which versions a reader may
    see is the registry's to say: `visible` or `versions`."""
    rows = list(zip(got["ids"], got["metadatas"], got["documents"], strict=True))
    if versions is not None:
        rows = [r for r in rows if versions.get(r[1].get("doc_id")) == r[1].get("content_hash")]
    keys = {body_key_of(m) for _, m, text in rows if text is None}
    found = bodies(sorted(keys)) if keys else {}
    out: dict[str, StoredChunk] = {}
    for chunk_id, meta, text in rows:
        if text is None:
            body = found.get(body_key_of(meta))
            if body is None:
                continue
            text = body[int(meta["start"]) : int(meta["end"])]
        out[chunk_id] = stored_chunk(chunk_id, text, meta)
    return out


def of_versions(got: Any, versions: dict[str, str], bodies: Bodies) -> Iterator[TextNode]:
    """llama-index nodes of the chunks in a Chroma read that belong to these article versions
    (only their bodies are read)."""
    for chunk in chunks_of(got, bodies, versions).values():
        yield chunk.as_text_node()


def unpacked(ids: list[str], metadatas: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    pairs = zip(ids, metadatas, strict=True)
    return {
        i: unpack(m["vectors"], int(m["dimensions"]), str(m.get("codec", "f16"))) for i, m in pairs
    }


def body_key(node: ChunkNode) -> str:
    """The key of a chunk's article body in `Store.bodies_of`: doc id and content hash."""
    return body_key_of(node.metadata)


def body_key_of(meta: dict[str, Any]) -> str:
    return article_body_key(str(meta.get("doc_id", "")), str(meta.get("content_hash", "")))


def article_body_key(doc_id: str, content_hash: str) -> str:
    return f"{doc_id}\n{content_hash}"


def split_body_key(key: str) -> tuple[str, str]:
    """(doc id, content hash) of an `article_body_key` (a hash holds no newline)."""
    doc_id, content_hash = key.rsplit("\n", 1)
    return doc_id, content_hash


def version_where(doc_id: str, content_hash: str | None) -> dict[str, Any]:
    """A Chroma `where` for the records of one version of an article (of every version:
    `content_hash` None)."""
    where: dict[str, Any] = {"doc_id": doc_id}
    if content_hash is None:
        return where
    return {"$and": [where, {"content_hash": content_hash}]}


def versioned_bodies(keys: list[str], get: Callable[..., Any]) -> dict[str, str]:
    """The bodies of these article versions (`article_body_key`s) by key, read with a registry
    collection's `get` from its records' documents (where a store written before the bodies
    collection kept them); a version that is not the registered one any more has none."""
    wanted = dict(split_body_key(k) for k in keys)
    got = get(ids=list(wanted), include=["documents", "metadatas"])
    rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    return {
        article_body_key(i, meta["content_hash"]): body
        for i, body, meta in rows
        if body and meta.get("content_hash") == wanted[i]
    }


def passage_from_node(node: ChunkNode, score: float, rank: int) -> Passage:
    meta = node.metadata
    return Passage(
        rank=rank,
        chunk_id=node.node_id,
        doc_id=meta["doc_id"],
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        published_at=meta.get("published_at", ""),
        text=node.get_content(),
        start=int(meta["start"]),
        end=int(meta["end"]),
        score=round(float(score), 4),
    )
