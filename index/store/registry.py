"""The article registry: one record per article (its metadata and content hash) in the
collection `<name>-articles`; its bodies, one per version, are in `<name>-bodies` (bodies.py).

It is the commit point that keeps replacement atomic for readers: a chunk is visible only while
its `content_hash` equals its article's hash here, so the one upsert of `commit` (or the one
delete of `remove`) is the moment readers go from an article's old version to its new one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime

from index.chunks import ChunkNode
from index.results import Article
from index.store.bodies import ArticleBodies, with_older_bodies
from index.store.collections import ChromaCollections
from index.store.records import ArticleRecord, article_body_key

_REGISTRY_VECTOR = [1.0]  # Chroma wants a vector per record; registry records are not searched.
_BY_VALUE = 500  # ids, hashes or origins asked for in one read


class ArticleRegistry:
    """The registry collection, read and written through the store's collections, and the
    bodies of the versions it registers."""

    def __init__(
        self, chroma: ChromaCollections, settled: Callable[[], str | None] = lambda: None
    ) -> None:
        self._chroma = chroma
        self._settled = settled  # the generation a finished write left (Generations.settled)
        self.stored_bodies = ArticleBodies(chroma)
        self._hashes = HashesByGeneration()

    def all(self) -> dict[str, ArticleRecord]:
        out: dict[str, ArticleRecord] = {}
        for got in self._chroma.pages("registry", ["metadatas"]):
            for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[doc_id] = ArticleRecord.from_metadata(doc_id, meta)
        return out

    def live_versions(self) -> dict[str, str]:
        """Every registered article version: id -> content hash."""
        return {r.id: r.content_hash for r in self.all().values()}

    def matching(
        self, doc_ids: list[str], body_hashes: list[str] = (), origins: list[str] = ()
    ) -> dict[str, ArticleRecord]:
        """The records with these ids, body hashes or origins: what a write of a few articles
        needs to know of the registry, without reading all of it."""
        out: dict[str, ArticleRecord] = {}
        asks = [("ids", list(dict.fromkeys(doc_ids)))]
        asks += [("body_hash", list(dict.fromkeys(body_hashes)))]
        asks += [("origin", list(dict.fromkeys(origins)))]
        for key, values in asks:
            for start in range(0, len(values), _BY_VALUE):
                page = values[start : start + _BY_VALUE]
                ask = {"ids": page} if key == "ids" else {"where": {key: {"$in": page}}}
                got = self._chroma.call("registry", "get", **ask, include=["metadatas"])
                for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                    out[doc_id] = ArticleRecord.from_metadata(doc_id, meta)
        return out

    def hashes(self, doc_ids: list[str]) -> dict[str, str]:
        """The registered content hash of each of these articles that is registered: read
        from the registry, or kept from an earlier read while no write has moved its
        generation since (a generation a write left when it finished names exactly what the
        registry holds)."""
        if not doc_ids:
            return {}
        ids = list(set(doc_ids))
        generation = self._settled()
        known = self._hashes.at(generation)
        need = [i for i in ids if i not in known]
        got = self._read_hashes(need) if need else {}
        if need and generation is not None and self._settled() == generation:
            self._hashes.keep(generation, {i: got.get(i) for i in need})  # None: not registered
        found = {**{i: known[i] for i in ids if i in known}, **got}
        return {i: h for i, h in found.items() if h is not None}

    def preload_hashes(self) -> int:
        """Every registered article's content hash, kept for the settled generation: a process
        that answers many reads none of the ~300 a question checks until the next write
        (~15 ms a question at a million chunks). How many were kept."""
        generation = self._settled()
        if generation is None:
            return 0
        found: dict[str, str | None] = dict(self.live_versions())
        if self._settled() != generation or len(found) > HashesByGeneration.LIMIT:
            return 0  # a write moved it meanwhile, or too many to keep: read per question
        self._hashes.keep(generation, found)
        return len(found)

    def _read_hashes(self, ids: list[str]) -> dict[str, str]:
        got = self._chroma.call("registry", "get", ids=ids, include=["metadatas"])
        return {i: m["content_hash"] for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def visible(self, *lists: list[tuple[ChunkNode, float]]) -> list[list[tuple[ChunkNode, float]]]:
        """Each list without chunks of article versions that are not (or no longer) the
        registered one; one registry read for all of them."""
        hashes = self.hashes([n.metadata["doc_id"] for pairs in lists for n, _ in pairs])
        return [
            [
                (n, s)
                for n, s in pairs
                if hashes.get(n.metadata["doc_id"]) == n.metadata.get("content_hash")
            ]
            for pairs in lists
        ]

    def body(self, doc_id: str) -> str | None:
        """The body of the article's registered version."""
        content_hash = self.hashes([doc_id]).get(doc_id)
        if content_hash is None:
            return None
        key = article_body_key(doc_id, content_hash)
        return self.bodies([key]).get(key)

    def bodies(self, keys: list[str]) -> dict[str, str]:
        """The bodies of these article versions (`article_body_key`s) that are stored. A
        store written before the bodies collection keeps them as the registry records'
        documents: those are read for the versions the collection lacks, and only while the
        version is the registered one."""
        registry_get = functools.partial(self._chroma.call, "registry", "get")
        return with_older_bodies(keys, self.stored_bodies.get(keys), registry_get)

    def commit(self, article: Article, chunks: int) -> None:
        """Register this version of the article (with `chunks` chunks; its body is stored
        already): from now on readers see it, and no longer the version registered before.
        The document is emptied: a record of an older store had the body there."""
        meta = {
            "title": article.title,
            "source": article.source,
            "url": article.url,
            "published_at": article.published_at,
            "origin": article.origin,
            "content_hash": article.content_hash,
            "body_hash": article.body_hash,
            "chunks": chunks,
            "indexed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._chroma.call(
            "registry",
            "upsert",
            ids=[article.id],
            documents=[""],
            metadatas=[meta],
            embeddings=[_REGISTRY_VECTOR],
        )

    def remove(self, doc_id: str) -> None:
        """Unregister the article: from now on none of its chunks is visible."""
        self._chroma.call("registry", "delete", ids=[doc_id])


class HashesByGeneration:
    """Registered content hashes (None: not registered) read at one settled generation."""

    LIMIT = 200_000  # articles (about 200 bytes each)

    def __init__(self) -> None:
        self._generation: str | None = None
        self._kept: dict[str, str | None] = {}

    def at(self, generation: str | None) -> dict[str, str | None]:
        """What was read at `generation` (nothing for None, or after another generation)."""
        return self._kept if generation is not None and generation == self._generation else {}

    def keep(self, generation: str, hashes: dict[str, str | None]) -> None:
        if generation != self._generation or len(self._kept) > self.LIMIT:
            self._generation, self._kept = generation, {}
        self._kept.update(hashes)
