"""A store's reads by chunk id, through its byte-bounded caches: chunk nodes, chunk vectors,
sentence vectors and article bodies. A value cached under a chunk id never goes stale: an
edited article's chunks get new ids.

A mixin of `Store`, which provides the collections, the caches, `_guard` and `_pages`.
"""

from __future__ import annotations

import numpy as np

from index.chunks import ChunkNode, stored_chunk
from index.store.records import article_body_key, body_key, unpacked


class CachedReads:
    def nodes_of(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        """The chunks with these ids (cached)."""
        return self._nodes.get(chunk_ids)

    def vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored (unit-length) embeddings of these chunks (cached)."""
        return self._vectors.get(chunk_ids)

    def preload_sentence_vectors(self) -> int:
        """Read chunks' sentence vectors into the cache while it has room (all 9,106 chunks of
        a 609-article corpus: about 0.6 s), so that questions do not wait for them; how many
        were read. Those that do not fit are read when a question needs them."""
        read = 0
        for ids, got in self._pages(self.sentences, include=["metadatas"]):
            if not self._sentences.keep_if_room(unpacked(ids, got["metadatas"])):
                break
            read += len(ids)
        return read

    def sentence_vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored sentence vectors (float16 rows) of these chunks, where there are any
        (cached)."""
        return self._sentences.get(chunk_ids)

    def bodies_of(self, nodes: list[ChunkNode]) -> dict[str, str]:
        """The stored bodies of these chunks' articles, by `body_key` (cached); an article
        edited since the chunk was read has none."""
        return self._bodies.get(list({body_key(n) for n in nodes}))

    def body_of(self, chunk_id: str) -> str | None:
        """The stored body of the article version `chunk_id` belongs to (cached); None when
        that version is no longer the stored one."""
        node = self.nodes_of([chunk_id]).get(chunk_id)
        if node is None:
            return None
        return self.bodies_of([node]).get(body_key(node))

    def _fetch_bodies(self, keys: list[str]) -> dict[str, str]:
        wanted = dict(k.split("\n", 1) for k in keys)
        got = self._guard(self.registry.get, ids=list(wanted), include=["documents", "metadatas"])
        rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        return {
            article_body_key(i, meta["content_hash"]): body
            for i, body, meta in rows
            if meta.get("content_hash") == wanted[i]
        }

    def _fetch_nodes(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        got = self._guard(self.chunks.get, ids=chunk_ids, include=["documents", "metadatas"])
        rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        return {i: stored_chunk(i, text, meta) for i, text, meta in rows}

    def _fetch_sentences(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self._guard(self.sentences.get, ids=chunk_ids, include=["metadatas"])
        return unpacked(got["ids"], got["metadatas"])

    def _fetch_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self._guard(self.chunks.get, ids=chunk_ids, include=["embeddings"])
        pairs = zip(got["ids"], got["embeddings"], strict=True)
        return {i: np.asarray(v, dtype=np.float32) for i, v in pairs}
