"""The store's reads by chunk id, through byte-bounded caches: chunk nodes, chunk vectors,
sentence vectors and article bodies.

A value cached under a chunk id never goes stale: an edited article's chunks get new ids (and a
body is cached under its article version). The limits come from the settings, so a serving
process's memory does not grow with the corpus; what does not fit is read when needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from index.chunks import ChunkNode
from index.settings import Settings
from index.store.byte_cache import MB
from index.store.caches import ByChunkId
from index.store.collections import ChromaCollections
from index.store.records import body_key, chunks_of
from index.store.registry import ArticleRegistry
from index.store.sentence_store import SentenceStore

NodesById = Callable[[list[str]], dict[str, ChunkNode]]


class ChunkReads:
    """Holds the four caches; reads what they lack from the chunk collection, the sentence
    store and the registry."""

    def __init__(
        self,
        settings: Settings,
        chroma: ChromaCollections,
        registry: ArticleRegistry,
        sentences: SentenceStore,
    ) -> None:
        self._chroma = chroma
        self._sentence_store = sentences
        self._nodes = ByChunkId(settings.node_cache_mb * MB, self._fetch_nodes)
        self._vectors = ByChunkId(settings.vector_cache_mb * MB, self._fetch_vectors)
        self.sentences = ByChunkId(settings.sentence_cache_mb * MB, sentences.get)
        self._bodies = ByChunkId(settings.body_cache_mb * MB, registry.bodies)
        self._read_bodies = registry.bodies
        self.nodes_also_from: NodesById | None = None  # read before Chroma (the keyword file)

    def nodes_of(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        """The chunks with these ids (cached)."""
        return self._nodes.get(chunk_ids)

    def vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored (unit-length) embeddings of these chunks (cached)."""
        return self._vectors.get(chunk_ids)

    def sentence_vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored sentence vectors (float16 rows) of these chunks, where there are any
        (cached)."""
        return self.sentences.get(chunk_ids)

    def preload_sentence_vectors(self) -> int:
        """Read chunks' sentence vectors into the cache while it has room (all 9,106 chunks of
        a 609-article corpus: about 0.6 s), so that questions do not wait for them; how many
        were read. Those that do not fit are read when a question needs them."""
        read = 0
        for page in self._sentence_store.pages():
            if not self.sentences.keep_if_room(page):
                break
            read += len(page)
        return read

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

    def fetch_nodes(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        """These chunks read from the store, their bodies too (not cached: for scans)."""
        return chunks_of(self._records(chunk_ids), self._read_bodies)

    def _fetch_nodes(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        found = self.nodes_also_from(chunk_ids) if self.nodes_also_from is not None else {}
        rest = [i for i in chunk_ids if i not in found]
        if rest:
            found |= chunks_of(self._records(rest), self._bodies.get)
        return found

    def _records(self, chunk_ids: list[str]) -> Any:
        return self._chroma.call("chunks", "get", ids=chunk_ids, include=["documents", "metadatas"])

    def _fetch_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self._chroma.call("chunks", "get", ids=chunk_ids, include=["embeddings"])
        pairs = zip(got["ids"], got["embeddings"], strict=True)
        return {i: np.asarray(v, dtype=np.float32) for i, v in pairs}
