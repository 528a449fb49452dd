"""Where chunks' sentence vectors are kept: one entry per chunk, under the chunk's id, with its
article version (doc id, content hash) so that a version's entries are deleted with it.

The contract of a sentence store to the rest of the store: `put` before the article version's
registry record is committed (the entries are invisible until then, like its chunks), `delete`
after the version is unregistered or replaced, `sweep` what no live version owns (left by a
write that did not finish); `get` gives float16 rows by chunk id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from index.chunks import ChunkNode
from index.store.collections import ChromaCollections
from index.store.records import PAGE, unpacked
from index.store.sentence_vectors import pack

_RECORD_VECTOR = [1.0]  # Chroma wants a vector per record; these records are not searched.


class SentenceCollection:
    """Sentence vectors in Chroma's `<name>-sentences` collection, as float16 base64 text in
    each record's metadata."""

    def __init__(self, chroma: ChromaCollections) -> None:
        self._chroma = chroma

    def put(self, nodes: list[ChunkNode], vectors: dict[str, np.ndarray]) -> None:
        rows = [(n, vectors[n.node_id]) for n in nodes if n.node_id in vectors]
        for start in range(0, len(rows), PAGE):
            page = rows[start : start + PAGE]
            self._chroma.call(
                "sentences",
                "upsert",
                ids=[n.node_id for n, _ in page],
                embeddings=[_RECORD_VECTOR] * len(page),
                metadatas=[
                    {
                        "doc_id": n.metadata["doc_id"],
                        "content_hash": n.metadata["content_hash"],
                        "dimensions": int(v.shape[1]),
                        "vectors": pack(v),
                    }
                    for n, v in page
                ],
            )

    def get(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self._chroma.call("sentences", "get", ids=chunk_ids, include=["metadatas"])
        return unpacked(got["ids"], got["metadatas"])

    def pages(self) -> Iterator[dict[str, np.ndarray]]:
        """Every entry, a page at a time."""
        for got in self._chroma.pages("sentences", ["metadatas"]):
            yield unpacked(got["ids"], got["metadatas"])

    def ids(self) -> set[str]:
        return {i for got in self._chroma.pages("sentences", []) for i in got["ids"]}

    def count(self) -> int:
        return self._chroma.call("sentences", "count")

    def delete(self, doc_id: str, content_hash: str | None = None) -> None:
        """The entries of one version of an article (of every version: `content_hash` None)."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if content_hash is not None:
            where = {"$and": [where, {"content_hash": content_hash}]}
        self._chroma.call("sentences", "delete", where=where)

    def sweep(self, live: dict[str, str], before_delete: Callable[[], None]) -> int:
        """Delete the entries no live article version (id -> content hash) owns, calling
        `before_delete` first when there are any; how many."""
        orphans = [
            chunk_id
            for got in self._chroma.pages("sentences", ["metadatas"])
            for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True)
            if live.get(meta.get("doc_id")) != meta.get("content_hash")
        ]
        if orphans:
            before_delete()
        for start in range(0, len(orphans), PAGE):
            page = orphans[start : start + PAGE]
            self._chroma.call("sentences", "delete", ids=page)
        return len(orphans)
