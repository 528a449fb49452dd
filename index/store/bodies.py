"""Article bodies: one record per article version in the collection `<name>-bodies`, the body
compressed (zlib, as base64 text in the metadata), with no document.

Why not the registry record's document, where they were: Chroma puts every document in a
trigram full-text index and keeps every string twice (the value and its index), so a body
cost about 5.4 times its length there (3.8 kB a chunk of the MultiHop-RAG store). Compressed
in metadata it costs about 1.1 times; nothing searches bodies by their words (the keyword
index does that, by chunk).

A record is keyed by its article version (`chunk_prefix(doc_id, content_hash)`), as the chunks
are, and goes with them: written before the registry commits the version, deleted after the
version is replaced or removed, swept when a killed write left it (writes.py). A version's body
never changes, so a reader may cache it for good; which version is visible is the registry's
to say.
"""

from __future__ import annotations

import base64
import functools
import zlib
from collections.abc import Callable
from typing import Any

from index.chunks import chunk_prefix
from index.store.collections import ChromaCollections
from index.store.records import split_body_key, version_where, versioned_bodies

_VECTOR = [1.0]  # Chroma wants a vector per record; bodies are not searched.
_BY_ID = 500


def pack_body(body: str) -> str:
    return base64.b64encode(zlib.compress(body.encode("utf-8"), 9)).decode("ascii")


def unpack_body(packed: str) -> str:
    return zlib.decompress(base64.b64decode(packed)).decode("utf-8")


def bodies_in(keys: list[str], get: Callable[..., Any]) -> dict[str, str]:
    """The bodies of these article versions (`article_body_key`s) by key, read with a bodies
    collection's `get`."""
    wanted = {chunk_prefix(*split_body_key(k)): k for k in keys}
    got = get(ids=list(wanted), include=["metadatas"])
    return {
        wanted[record_id]: unpack_body(meta["body"])
        for record_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        if split_body_key(wanted[record_id])[1] == meta.get("content_hash")
    }


def with_older_bodies(
    keys: list[str], found: dict[str, str], registry_get: Callable[..., Any]
) -> dict[str, str]:
    """`found` (bodies read from a bodies collection), with those of the other keys read from
    the registry records' documents, where a store written before the collection keeps them
    (only while the version is the registered one)."""
    rest = [k for k in keys if k not in found]
    return found | (versioned_bodies(rest, registry_get) if rest else {})


class ArticleBodies:
    """The bodies collection, read and written through the store's collections."""

    def __init__(self, chroma: ChromaCollections) -> None:
        self._chroma = chroma

    def put(self, versions: list[tuple[str, str, str]]) -> None:
        """Store these versions' bodies, each (doc id, content hash, body); an upsert: a write
        killed after it may run again."""
        self._chroma.call(
            "bodies",
            "upsert",
            ids=[chunk_prefix(doc_id, content_hash) for doc_id, content_hash, _ in versions],
            metadatas=[
                {"doc_id": doc_id, "content_hash": content_hash, "body": pack_body(body)}
                for doc_id, content_hash, body in versions
            ],
            embeddings=[_VECTOR] * len(versions),
        )

    def get(self, keys: list[str]) -> dict[str, str]:
        """The stored bodies of these article versions (`article_body_key`s), by key."""
        get = functools.partial(self._chroma.call, "bodies", "get")
        out: dict[str, str] = {}
        for start in range(0, len(keys), _BY_ID):
            out |= bodies_in(keys[start : start + _BY_ID], get)
        return out

    def delete(self, doc_id: str, content_hash: str | None) -> None:
        """Delete the body of one version of an article (of every version: None)."""
        self._chroma.call("bodies", "delete", where=version_where(doc_id, content_hash))

    def orphans(self, live: dict[str, str]) -> list[str]:
        """The ids of bodies no live article version (id -> content hash) owns; read by id
        alone (a record's id names its version)."""
        owned = {chunk_prefix(doc_id, h) for doc_id, h in live.items()}
        return [i for got in self._chroma.pages("bodies", []) for i in got["ids"] if i not in owned]

    def delete_ids(self, ids: list[str]) -> None:
        for start in range(0, len(ids), _BY_ID):
            self._chroma.call("bodies", "delete", ids=ids[start : start + _BY_ID])
