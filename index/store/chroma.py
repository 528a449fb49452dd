"""The Chroma store: chunks with their vectors, and a registry of the articles they belong to.

The only module that knows Chroma. Three collections per name:
- `<name>`: chunks, written through llama-index's `ChromaVectorStore` (vectors, text, metadata);
- `<name>-articles`: one record per article (its body, metadata and content hash);
- `<name>-sentences`: one record per chunk, under the chunk's id: its sentences' vectors
  (`index/store/sentence_vectors.py`), which the learned ranker reads for its candidates.

The registry is the commit point that keeps replacement atomic for readers: a chunk is visible
only while its `content_hash` equals its article's hash in the registry. Replacing an article
writes the new chunks and their sentence vectors (invisible), flips the registry record (one
upsert), then deletes the old ones. A run killed between those steps leaves only invisible
chunks, swept on the next run.

Several processes share one store (the bot and the command line). Every write operation sets a
new `generation` in the registry collection's metadata before its first change and another when
it finishes, which every client reads fresh, embedded or not: a process that finds another
generation than its own (or another store in its place) re-opens an embedded store (its vector
index is cached per process) and refreshes its keyword index.
Embedded writes run under `StoreLock` (index/store/lock.py): one writing process at a time.
The generation protocol is in `generations.py`, the cached reads by chunk id in `cached_reads.py`
and what indexing reads back in `indexing_reads.py` (mixins of `Store`); reaching Chroma is
`connection.py`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from index.chunks import ChunkNode
from index.errors import StoreDamaged, StoreUnavailable, StoreWriteError
from index.results import Article
from index.settings import Settings
from index.store import chroma_server
from index.store.byte_cache import MB
from index.store.cached_reads import CachedReads
from index.store.caches import ByChunkId
from index.store.connection import (
    ClientSwap,
    close_client,
    damage,
    damaged_text,
    is_connection_error,
    read_error_text,
    store_write_failure,
    unavailable,
    write_error_text,
)
from index.store.generations import SharedGenerations
from index.store.indexing_reads import IndexingReads
from index.store.lock import StoreLock
from index.store.records import PAGE, ArticleRecord, WriteOperation
from index.store.sentence_vectors import pack

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

log = logging.getLogger(__name__)
T = TypeVar("T")

# After a server fails to answer, questions queued behind the failed one are told at once for
# this long (at most NEWSBOT_CHROMA_TIMEOUT) instead of each waiting out the timeout again.
_FAIL_FAST_SECONDS = 2.0
# A re-index may delete more chunks between re-reading the ids and searching again.
_AMONG_RETRIES = 3
_REGISTRY_VECTOR = [1.0]  # Chroma wants a vector per record; registry records are not searched.


class Store(SharedGenerations, CachedReads, IndexingReads):
    """Articles and chunks in Chroma, replaced atomically as far as readers can tell."""

    def __init__(self, settings: Settings, embedding_fingerprint: str) -> None:
        self.settings = settings
        self._fingerprint = embedding_fingerprint
        self._fail_fast_until = 0.0
        # Byte limits from the settings: a serving process's memory does not grow with the corpus.
        self._nodes = ByChunkId(settings.node_cache_mb * MB, self._fetch_nodes)
        self._vectors = ByChunkId(settings.vector_cache_mb * MB, self._fetch_vectors)
        self._sentences = ByChunkId(settings.sentence_cache_mb * MB, self._fetch_sentences)
        self._bodies = ByChunkId(settings.body_cache_mb * MB, self._fetch_bodies)
        self._last_failure = ""
        self._swap = ClientSwap()
        self._replaced: dict[int, tuple[str, Any]] = {}  # id of an object a re-open replaced
        self._wrote = False  # whether the write operation running changed anything
        self.operation: WriteOperation | None = None  # the write operation running, if any
        self.lock = None if settings.server_mode else StoreLock(settings.data_dir)
        self._connect()
        self.generation = self.stored_generation()

    def close(self) -> None:
        """Release the client: the embedded store's files and threads, or the HTTP connections."""
        close_client(self.client)

    def _open_collections(self, fingerprint: str) -> None:
        name = self.settings.collection
        self.chunks = self.client.get_or_create_collection(
            name,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": fingerprint},
        )
        self.registry = self.client.get_or_create_collection(
            f"{name}-articles", embedding_function=None
        )
        self.sentences = self.client.get_or_create_collection(
            f"{name}-sentences", embedding_function=None
        )
        self._chunk_writer: tuple[Any, Any] | None = None  # see `vectors`
        built_with = (self.chunks.metadata or {}).get("embedding_model")
        if built_with and built_with != fingerprint and self.chunks.count():
            raise StoreUnavailable(
                f"collection {name!r} was built with embedding model {built_with}, not "
                f"{fingerprint}; set NEWSBOT_COLLECTION to a new name and index again"
            )

    @property
    def vectors(self) -> Any:
        """llama-index's `ChromaVectorStore` over the chunk collection, which writes the chunks.
        Made at the first write: importing llama-index would cost the question path 0.56 s."""
        if self._chunk_writer is None or self._chunk_writer[0] is not self.chunks:
            from index.llama_loader import load_llama_index

            load_llama_index()
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._chunk_writer = (self.chunks, ChromaVectorStore(chroma_collection=self.chunks))
        return self._chunk_writer[1]

    def _guard(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a Chroma call, turning connection failures into one clear StoreUnavailable,
        failed writes (disk full, read-only) into StoreWriteError and damaged files into
        StoreDamaged."""
        if time.monotonic() < self._fail_fast_until:
            raise StoreUnavailable(self._last_failure)
        with self._swap.using():
            return self._translated(self._current(fn), *args, **kwargs)

    def _translated(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn(...)`, its failures as `_guard` says (outside the client swap: a re-open)."""
        try:
            return fn(*args, **kwargs)
        except (StoreUnavailable, StoreWriteError, StoreDamaged):
            raise
        except Exception as exc:
            damaged = damage(exc)
            if damaged:
                raise StoreDamaged(damaged_text(self.settings, damaged, exc)) from exc
            if is_connection_error(exc):
                self._last_failure = unavailable(self.settings, exc)
                pause = min(_FAIL_FAST_SECONDS, self.settings.chroma_timeout)
                self._fail_fast_until = time.monotonic() + pause
                raise StoreUnavailable(self._last_failure) from exc
            refused = (
                chroma_server.refusal(self.settings, exc) if self.settings.server_mode else None
            )
            if refused is not None:  # a token revoked, a database dropped while running
                raise refused from None
            reason = store_write_failure(self.settings, exc)
            if reason and self.operation is None:  # a question: Chroma writes even to answer
                raise StoreWriteError(read_error_text(self.settings, reason, exc)) from exc
            if reason:
                raise StoreWriteError(self.write_error_text(reason, exc)) from exc
            raise

    def _current(self, fn: Any) -> Any:
        """`fn`, or the same method of the object that replaced its owner at a re-open."""
        replaced = self._replaced.get(id(getattr(fn, "__self__", None)))
        return fn if replaced is None else getattr(getattr(self, replaced[0]), fn.__name__)

    def write_error_text(self, reason: str, exc: BaseException, where: str | None = None) -> str:
        """The sentence for a failed write; `where` defaults to the store's own location."""
        return write_error_text(self.settings, reason, exc, where)

    @property
    def location(self) -> str:
        if self.settings.server_mode:
            where = chroma_server.server_name(self.settings) + chroma_server.place(self.settings)
            return f"chroma server {where}"
        return str((self.settings.data_dir / "chroma").resolve())

    # --- the registry ---------------------------------------------------------------------

    def articles(self) -> dict[str, ArticleRecord]:
        out: dict[str, ArticleRecord] = {}
        for ids, metas in self._pages(self.registry, include=["metadatas"]):
            for doc_id, meta in zip(ids, metas["metadatas"], strict=True):
                out[doc_id] = ArticleRecord.from_metadata(doc_id, meta)
        return out

    def articles_matching(
        self, doc_ids: list[str], body_hashes: list[str] = (), origins: list[str] = ()
    ) -> dict[str, ArticleRecord]:
        """The records with these ids, body hashes or origins: what a write of a few articles
        needs to know of the registry, without reading all of it."""
        out: dict[str, ArticleRecord] = {}
        asks = [("ids", list(dict.fromkeys(doc_ids)))]
        asks += [("body_hash", list(dict.fromkeys(body_hashes)))]
        asks += [("origin", list(dict.fromkeys(origins)))]
        for key, values in asks:
            for start in range(0, len(values), 500):
                page = values[start : start + 500]
                if key == "ids":
                    got = self._guard(self.registry.get, ids=page, include=["metadatas"])
                else:
                    where = {key: {"$in": page}}
                    got = self._guard(self.registry.get, where=where, include=["metadatas"])
                for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                    out[doc_id] = ArticleRecord.from_metadata(doc_id, meta)
        return out

    def article_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        got = self._guard(self.registry.get, ids=list(set(doc_ids)), include=["metadatas"])
        return {i: m["content_hash"] for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def article_body(self, doc_id: str) -> str | None:
        got = self._guard(self.registry.get, ids=[doc_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def count(self) -> tuple[int, int]:
        """(articles, visible chunks)."""
        records = self.articles()
        return len(records), sum(r.chunks for r in records.values())

    # --- writing --------------------------------------------------------------------------

    def write_article(
        self,
        article: Article,
        nodes: list[TextNode],
        old_hash: str | None,
        sentences: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Store a new or changed article (its chunks, with their sentence vectors by chunk id
        when given); readers see the old version or the new, never both."""
        self._changing()
        if self.operation is not None:
            self.operation.articles.add(article.id)
        self._guard(self.vectors.add, nodes)
        self.add_sentences(nodes, sentences or {})
        meta = {
            "title": article.title,
            "source": article.source,
            "url": article.url,
            "published_at": article.published_at,
            "origin": article.origin,
            "content_hash": article.content_hash,
            "body_hash": article.body_hash,
            "chunks": len(nodes),
            "indexed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._guard(
            self.registry.upsert,
            ids=[article.id],
            documents=[article.body],
            metadatas=[meta],
            embeddings=[_REGISTRY_VECTOR],
        )
        if old_hash and old_hash != article.content_hash:
            self._delete_chunks({"$and": [{"doc_id": article.id}, {"content_hash": old_hash}]})

    def delete_article(self, doc_id: str) -> None:
        self._changing()
        if self.operation is not None:
            self.operation.articles.add(doc_id)
        # Registry first: from that moment the chunks are invisible, whatever happens next.
        self._guard(self.registry.delete, ids=[doc_id])
        self._delete_chunks({"doc_id": doc_id})

    def add_sentences(self, nodes: list[ChunkNode], sentences: dict[str, np.ndarray]) -> None:
        """Store the sentence vectors of these chunks (those `sentences` has), by chunk id."""
        rows = [(n, sentences[n.node_id]) for n in nodes if n.node_id in sentences]
        if rows:
            self._changing()
        for start in range(0, len(rows), PAGE):
            page = rows[start : start + PAGE]
            self._guard(
                self.sentences.upsert,
                ids=[n.node_id for n, _ in page],
                embeddings=[_REGISTRY_VECTOR] * len(page),
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

    def _delete_chunks(self, where: dict[str, Any]) -> None:
        self._guard(self.chunks.delete, where=where)
        self._guard(self.sentences.delete, where=where)

    def sweep_orphans(self) -> int:
        """Delete chunks (and sentence vectors) no registry record points at, left by an
        interrupted run; the number of chunks deleted. Reads the whole collection: worth it
        only when the store is not `tidy`."""
        live = {r.id: r.content_hash for r in self.articles().values()}
        self._sweep(self.sentences, live)
        swept = self._sweep(self.chunks, live)
        if self.operation is not None:
            self.operation.tidied = True
        return swept

    def _sweep(self, collection: Any, live: dict[str, str]) -> int:
        orphans = [
            chunk_id
            for ids, got in self._pages(collection, include=["metadatas"])
            for chunk_id, meta in zip(ids, got["metadatas"], strict=True)
            if live.get(meta.get("doc_id")) != meta.get("content_hash")
        ]
        if orphans:
            self._changing()
        for start in range(0, len(orphans), PAGE):
            self._guard(collection.delete, ids=orphans[start : start + PAGE])
        return len(orphans)

    # --- reading --------------------------------------------------------------------------

    def dense(
        self,
        embedding: list[float],
        k: int,
        among: list[str] | None = None,
    ) -> list[tuple[ChunkNode, float]]:
        """The `k` nearest chunks (of those with ids `among`, when given), each with its
        cosine similarity (pass them through `visible` before use: some may belong to an
        article version being replaced)."""
        if among is not None and not among:
            return []  # nothing to search among: no need to ask Chroma
        # Ids and distances only: fetching k documents with their metadata costs ten times the
        # search itself, and the nodes of recent answers are cached.
        got = self._query(embedding, k, among)
        ids, distances = got["ids"][0], got["distances"][0]
        nodes = self.nodes_of(ids)
        return [(nodes[i], 1.0 - d) for i, d in zip(ids, distances, strict=True) if i in nodes]

    def _query(self, embedding: list[float], k: int, among: list[str] | None) -> Any:
        """Chroma's nearest-neighbour query. Chroma refuses the whole query when one id of
        `among` is gone, which happens when a re-index (here or in another process) replaced
        chunks the keyword index still lists: then search among the ids still stored."""
        for _ in range(_AMONG_RETRIES):
            try:
                return self._guard(
                    self.chunks.query,
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
                among = self._guard(self.chunks.get, ids=among, include=[])["ids"]
                if not among:
                    break
        return {"ids": [[]], "distances": [[]]}

    def visible(self, *lists: list[tuple[ChunkNode, float]]) -> list[list[tuple[ChunkNode, float]]]:
        """Each list without chunks of article versions that are not (or no longer) the
        registered one; one registry read for all of them."""
        hashes = self.article_hashes([n.metadata["doc_id"] for pairs in lists for n, _ in pairs])
        return [
            [
                (n, s)
                for n, s in pairs
                if hashes.get(n.metadata["doc_id"]) == n.metadata.get("content_hash")
            ]
            for pairs in lists
        ]

    def _pages(self, collection: Any, include: list[str]) -> Iterator[tuple[list[str], Any]]:
        offset = 0
        while True:
            got = self._guard(collection.get, include=include, limit=PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got
            offset += len(got["ids"])
