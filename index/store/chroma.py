"""The store: articles and their chunks in Chroma, replaced atomically as far as readers can
tell, shared by several processes.

`Store` owns and wires small parts, each holding one idea; they reach one another only through
the methods named here, and the engine and the indexer only through `Store`:

- `chroma` (collections.py): the client and the collections, every call to them, failures as
  one sentence, re-opening;
- `registry` (registry.py): the article records, the commit point of every write;
- `sentence_store` (sentence_store.py): each chunk's sentence vectors, in a file of the store's
  own (sentence_file.py) or, with a Chroma server, in a collection;
- `generations` (generations.py): which write of which process this one has seen, and the
  commit protocol of a write operation (the lock, the generation moved twice);
- `reads` (cached_reads.py): chunk nodes, vectors, sentence vectors and bodies by id, cached;
- `scan` (indexing_reads.py): chunks read many at a time, for indexing and the keyword index;
- `writes` (writes.py): writing and removing articles in the order that keeps readers safe.

The only module that knows Chroma's collections are these parts; everything else asks `Store`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from index.chunks import ChunkNode
from index.errors import StoreDamaged, StoreUnavailable, StoreWriteError
from index.results import Article
from index.settings import Settings
from index.store.cached_reads import ChunkReads
from index.store.collections import ChromaCollections
from index.store.generations import Generations
from index.store.indexing_reads import ChunkScan
from index.store.lock import StoreLock
from index.store.nearest_among import exact_up_to, nearest_among, nearest_exact
from index.store.records import ArticleRecord
from index.store.registry import ArticleRegistry
from index.store.sentence_file import SentenceFile, sentence_file_path
from index.store.sentence_store import SentenceCollection, SentenceStore, convert_legacy
from index.store.writes import ArticleWrites

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

    from index.store.keyword_index import KeywordIndex

log = logging.getLogger(__name__)

# A re-index may delete more chunks between re-reading the ids and searching again.
_AMONG_RETRIES = 3


class Store:
    """Articles and chunks in Chroma, replaced atomically as far as readers can tell."""

    def __init__(self, settings: Settings, embedding_fingerprint: str) -> None:
        self.settings = settings
        lock = None if settings.server_mode else StoreLock(settings.data_dir)
        self.generations: Generations | None = None
        self.chroma = ChromaCollections(settings, embedding_fingerprint, writing=self._writing)
        self.registry = ArticleRegistry(self.chroma, settled=self._settled)
        self.sentence_store = self._sentence_store()
        self.generations = Generations(self.chroma, lock, reopen=self._reopen)
        self.reads = ChunkReads(settings, self.chroma, self.registry, self.sentence_store)
        self.scan = ChunkScan(self.chroma, self.registry, self.sentence_store, self.reads)
        self.writes = ArticleWrites(
            self.chroma, self.registry, self.sentence_store, self.generations, self.scan
        )
        if isinstance(self.sentence_store, SentenceFile):
            convert_legacy(self.chroma, self.sentence_store, self.generations)

    def _sentence_store(self) -> SentenceStore:
        if self.settings.server_mode:
            return SentenceCollection(self.chroma)
        return SentenceFile(
            sentence_file_path(self.settings.data_dir, self.settings.collection),
            owner=lambda: str(self.chroma.registry.id),
            has_articles=lambda: self.chroma.call("registry", "count") > 0,
            where=str(self.settings.data_dir.resolve()),
        )

    def _settled(self) -> str | None:
        return self.generations.settled() if self.generations is not None else None

    def _writing(self) -> bool:
        return self.generations is not None and self.generations.running

    def _reopen(self) -> None:
        self.chroma.reconnect()
        self.sentence_store.close()  # opened again at its next use, as the store now is

    def close(self) -> None:
        """Release the client: the embedded store's files and threads, or the HTTP connections."""
        self.chroma.close()
        self.sentence_store.close()

    @property
    def location(self) -> str:
        return self.chroma.location

    def write_error_text(self, reason: str, exc: BaseException, where: str | None = None) -> str:
        """The sentence for a failed write; `where` defaults to the store's own location."""
        return self.chroma.write_error_text(reason, exc, where)

    # --- the registry ---------------------------------------------------------------------

    def articles(self) -> dict[str, ArticleRecord]:
        return self.registry.all()

    def articles_matching(
        self, doc_ids: list[str], body_hashes: list[str] = (), origins: list[str] = ()
    ) -> dict[str, ArticleRecord]:
        """The records with these ids, body hashes or origins (see `ArticleRegistry`)."""
        return self.registry.matching(doc_ids, body_hashes, origins)

    def article_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        return self.registry.hashes(doc_ids)

    def article_body(self, doc_id: str) -> str | None:
        return self.registry.body(doc_id)

    def count(self) -> tuple[int, int]:
        """(articles, visible chunks)."""
        records = self.articles()
        return len(records), sum(r.chunks for r in records.values())

    # --- writing --------------------------------------------------------------------------

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """Around a write operation: see `Generations.writing`."""
        return self.generations.writing()

    def write_article(
        self,
        article: Article,
        nodes: list[TextNode],
        old_hash: str | None,
        sentences: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Store a new or changed article; readers see the old version or the new, never both."""
        self.writes.write_article(article, nodes, old_hash, sentences)

    def delete_article(self, doc_id: str) -> None:
        self.writes.delete_article(doc_id)

    def add_sentences(self, nodes: list[ChunkNode], sentences: dict[str, np.ndarray]) -> None:
        """Store the sentence vectors of these chunks (those `sentences` has), by chunk id."""
        self.writes.add_sentences(nodes, sentences)

    def sweep_orphans(self) -> int:
        """Delete what an interrupted run left invisible; the number of chunks deleted."""
        return self.writes.sweep_orphans()

    # --- other processes ------------------------------------------------------------------

    def changed_elsewhere(self) -> bool:
        return self.generations.changed_elsewhere()

    def reopen(self) -> bool:
        return self.generations.reopen()

    def catch_up_later(self) -> None:
        self.generations.catch_up_later()

    def tidy(self) -> bool:
        return self.generations.tidy()

    def last_write(self) -> str:
        return self.generations.last_write()

    def sync_keywords(self, keyword: KeywordIndex) -> None:
        """Bring a keyword index in step with the registry: apply the articles added, replaced
        or removed since it was last synced (by this process or any other). During a write
        operation of this process, when nobody else can have written (an embedded store),
        only the operation's own articles are compared."""
        from index.store.keyword_index import Registry

        operation, articles = self.generations.keyword_plan()
        registry = Registry(
            versions=self.registry.live_versions,
            generation=self.generations.settled,
            versions_of=self.registry.hashes,
            nodes_of=self.scan.nodes_of_versions,
        )
        keyword.sync(registry, operation, articles)

    # --- reading --------------------------------------------------------------------------

    def dense(
        self,
        embedding: list[float],
        k: int,
        among: list[str] | None = None,
        chunks: int = 0,
    ) -> list[tuple[ChunkNode, float]]:
        """The `k` nearest chunks (of those with ids `among`, when given), each with its
        cosine similarity (pass them through `visible` before use: some may belong to an
        article version being replaced). `chunks`, the store's size where known, sets how
        large an `among` is still compared one by one (`exact_up_to`)."""
        if among is not None and not among:
            return []  # nothing to search among: no need to ask Chroma
        # Ids and distances only: fetching k documents with their metadata costs ten times the
        # search itself, and the nodes of recent answers are cached.
        if among is None:
            got = self._query(embedding, k, None)
        elif len(among) <= exact_up_to(chunks):
            got = nearest_exact(embedding, k, self.vectors_of(list(among)))
        else:
            got = nearest_among(lambda n, ids: self._query(embedding, n, ids), k, among)
        ids, distances = got["ids"][0], got["distances"][0]
        nodes = self.nodes_of(ids)
        return [(nodes[i], 1.0 - d) for i, d in zip(ids, distances, strict=True) if i in nodes]

    def _query(self, embedding: list[float], k: int, among: list[str] | None) -> Any:
        """Chroma's nearest-neighbour query. Chroma refuses the whole query when one id of
        `among` is gone, which happens when a re-index (here or in another process) replaced
        chunks the keyword index still lists: then search among the ids still stored."""
        chroma = self.chroma
        for _ in range(_AMONG_RETRIES):
            try:
                return chroma.call(
                    "chunks",
                    "query",
                    query_embeddings=[embedding],
                    n_results=k,
                    ids=among,
                    include=["distances"],
                )
            except (StoreUnavailable, StoreWriteError, StoreDamaged):
                raise
            except Exception as exc:
                if among is None or "finding id" not in str(exc):
                    raise
                log.debug("%d listed chunk ids, some gone; searching among the rest", len(among))
                among = chroma.call("chunks", "get", ids=among, include=[])["ids"]
                if not among:
                    break
        return {"ids": [[]], "distances": [[]]}

    def visible(self, *lists: list[tuple[ChunkNode, float]]) -> list[list[tuple[ChunkNode, float]]]:
        """Each list without chunks of article versions that are not the registered one."""
        return self.registry.visible(*lists)

    def nodes_of(self, chunk_ids: list[str]) -> dict[str, ChunkNode]:
        return self.reads.nodes_of(chunk_ids)

    def read_nodes_also_from(self, keyword: KeywordIndex) -> None:
        """Chunks the cache lacks are read from the keyword file before Chroma: the same text
        and metadata, by an indexed key of SQLite instead of Chroma's record reads and the
        article bodies their text is cut from."""
        self.reads.nodes_also_from = keyword.nodes_by_id

    def vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        return self.reads.vectors_of(chunk_ids)

    def sentence_vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored sentence vectors (float16 rows) of these chunks, where there are any."""
        return self.reads.sentence_vectors_of(chunk_ids)

    def preload_sentence_vectors(self) -> int:
        return self.reads.preload_sentence_vectors()

    def preload_hashes(self) -> int:
        return self.registry.preload_hashes()

    def bodies_of(self, nodes: list[ChunkNode]) -> dict[str, str]:
        return self.reads.bodies_of(nodes)

    def body_of(self, chunk_id: str) -> str | None:
        return self.reads.body_of(chunk_id)

    def live_nodes(self) -> Iterator[TextNode]:
        return self.scan.live_nodes()

    def nodes_of_versions(self, versions: dict[str, str]) -> Iterator[TextNode]:
        return self.scan.nodes_of_versions(versions)

    def sentences_incomplete(self) -> bool:
        """Whether some visible chunks may lack sentence vectors outside an unfinished write
        (a damaged sentence file was set aside): the next index run looks for them."""
        return self.sentence_store.incomplete()

    def nodes_without_sentences(self) -> list[ChunkNode]:
        """Visible chunks with no stored sentence vectors (indexed before they existed, or
        whose file was set aside); when there are none, the sentence store is complete."""
        nodes = self.scan.nodes_without_sentences()
        if not nodes:
            self.sentence_store.complete()
        return nodes
