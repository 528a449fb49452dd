"""Writing articles: each version replaced whole, as far as readers can tell.

Replacing an article writes its new chunks, their sentence vectors and its body (invisible: the
registry still names the old version), commits the registry record (one upsert: readers now see
the new version), then deletes the old version's chunks, sentence vectors and body. Removing one
unregisters it first, then deletes its chunks. A write killed between those steps leaves only
invisible entries, which the next run sweeps (the store is then not `tidy`: see generations.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from index.chunks import ChunkNode, chunk_record
from index.results import Article
from index.store.collections import ChromaCollections
from index.store.generations import Generations
from index.store.indexing_reads import ChunkScan
from index.store.records import PAGE, version_where
from index.store.registry import ArticleRegistry
from index.store.sentence_store import SentenceStore

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode


class ArticleWrites:
    """The write side of the store. Holds the collections, the registry, the sentence store,
    the generations (told before every change, and of every article changed) and the scan
    (which finds what a killed write left)."""

    def __init__(
        self,
        chroma: ChromaCollections,
        registry: ArticleRegistry,
        sentences: SentenceStore,
        generations: Generations,
        scan: ChunkScan,
    ) -> None:
        self._chroma = chroma
        self._registry = registry
        self._sentences = sentences
        self._generations = generations
        self._scan = scan

    def write_article(
        self,
        article: Article,
        nodes: list[TextNode],
        old_hash: str | None,
        sentences: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Store a new or changed article (its chunks, with their sentence vectors by chunk id
        when given); readers see the old version or the new, never both."""
        self._generations.changing()
        self._generations.touched(article.id)
        self.add_chunks(nodes)
        self.add_sentences(nodes, sentences or {})
        self._registry.stored_bodies.put([(article.id, article.content_hash, article.body)])
        self._registry.commit(article, len(nodes))
        if old_hash and old_hash != article.content_hash:
            self._delete_version(article.id, old_hash)

    def add_chunks(self, nodes: list[TextNode]) -> None:
        """The chunks' vectors and metadata, without their text (`chunk_record`). Written
        through llama-index's `ChromaVectorStore`, a chunk also kept its text as the document
        and its node as JSON, which Chroma indexes again: 19.6 kB a chunk of Chroma's SQLite at
        10k chunks, 7.5 kB without (benchmarks/scale.py)."""
        for start in range(0, len(nodes), PAGE):
            page = nodes[start : start + PAGE]
            self._chroma.call(
                "chunks",
                "add",
                ids=[n.node_id for n in page],
                embeddings=[n.get_embedding() for n in page],
                metadatas=[chunk_record(n) for n in page],
            )

    def delete_article(self, doc_id: str) -> None:
        self._generations.changing()
        self._generations.touched(doc_id)
        # Registry first: from that moment the chunks are invisible, whatever happens next.
        self._registry.remove(doc_id)
        self._delete_version(doc_id, None)

    def add_sentences(self, nodes: list[ChunkNode], sentences: dict[str, np.ndarray]) -> None:
        """Store the sentence vectors of these chunks (those `sentences` has), by chunk id."""
        if any(n.node_id in sentences for n in nodes):
            self._generations.changing()
            self._sentences.put(nodes, sentences)

    def _delete_version(self, doc_id: str, content_hash: str | None) -> None:
        """Delete the chunks (sentence vectors, body) of one version of an article (of all:
        `content_hash` None)."""
        self._chroma.call("chunks", "delete", where=version_where(doc_id, content_hash))
        self._sentences.delete(doc_id, content_hash)
        self._registry.stored_bodies.delete(doc_id, content_hash)

    def sweep_orphans(self) -> int:
        """Delete chunks (and sentence vectors, bodies) no registry record points at, left by
        an interrupted run; the number of chunks deleted. Reads the whole collection: worth it
        only when the store is not `tidy`."""
        live = self._registry.live_versions()
        self._sentences.sweep(live, self._generations.changing)
        orphans = self._scan.orphans(live)
        bodies = self._registry.stored_bodies.orphans(live)
        if orphans or bodies:
            self._generations.changing()
        self._registry.stored_bodies.delete_ids(bodies)
        for start in range(0, len(orphans), PAGE):
            page = orphans[start : start + PAGE]
            self._chroma.call("chunks", "delete", ids=page)
        self._generations.swept()
        return len(orphans)
