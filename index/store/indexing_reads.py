"""What indexing reads back from the store: whole llama-index nodes, since the keyword index
reads a chunk's text with its metadata header (only a `TextNode` has its templates), and the
chunks still without sentence vectors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from index.chunks import ChunkNode
from index.store.cached_reads import ChunkReads
from index.store.collections import ChromaCollections
from index.store.records import PAGE, of_versions
from index.store.registry import ArticleRegistry
from index.store.sentence_store import SentenceStore

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

BY_ID_LIMIT = 500  # articles whose chunks are fetched by id; more are read page by page


class ChunkScan:
    """Reads chunks many at a time: every visible one, those of given article versions, those
    without sentence vectors. Holds the collections, the registry, the sentence store and the
    reads by id (uncached: a scan would only push questions' chunks out of the caches)."""

    def __init__(
        self,
        chroma: ChromaCollections,
        registry: ArticleRegistry,
        sentences: SentenceStore,
        reads: ChunkReads,
    ) -> None:
        self._chroma = chroma
        self._registry = registry
        self._sentences = sentences
        self._reads = reads

    def nodes_without_sentences(self) -> list[ChunkNode]:
        """Visible chunks with no stored sentence vectors (indexed before they existed)."""
        chroma = self._chroma
        if chroma.call("chunks", "count") <= self._sentences.count():
            return []  # each chunk has its entry (orphans are swept first)
        have = self._sentences.ids()
        missing = [i for got in chroma.pages("chunks", []) for i in got["ids"]]
        missing = [i for i in missing if i not in have]
        nodes = [
            node
            for start in range(0, len(missing), PAGE)
            for node in self._reads.fetch_nodes(missing[start : start + PAGE]).values()
        ]
        return [n for n, _ in self._registry.visible([(n, 0.0) for n in nodes])[0]]

    def live_nodes(self) -> Iterator[TextNode]:
        """Every visible chunk, for rebuilding the keyword index."""
        live = self._registry.live_versions()
        for got in self._chroma.pages("chunks", ["metadatas", "documents"]):
            yield from of_versions(got, live, self._registry.bodies)

    def nodes_of_versions(self, versions: dict[str, str]) -> Iterator[TextNode]:
        """The chunks of these article versions (id -> content hash), for the keyword index:
        a few articles are asked for by id, many read in pages with everything else."""
        chroma = self._chroma
        if len(versions) > BY_ID_LIMIT:
            for got in chroma.pages("chunks", ["metadatas", "documents"]):
                yield from of_versions(got, versions, self._registry.bodies)
            return
        doc_ids = sorted(versions)
        for start in range(0, len(doc_ids), 100):
            where = {"doc_id": {"$in": doc_ids[start : start + 100]}}
            got = chroma.call("chunks", "get", where=where, include=["metadatas", "documents"])
            yield from of_versions(got, versions, self._registry.bodies)

    def orphans(self, live: dict[str, str]) -> list[str]:
        """The ids of chunks no live article version (id -> content hash) owns."""
        return [
            chunk_id
            for got in self._chroma.pages("chunks", ["metadatas"])
            for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True)
            if live.get(meta.get("doc_id")) != meta.get("content_hash")
        ]
