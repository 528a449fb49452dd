"""Values read from Chroma by chunk id, kept within a byte limit (a setting per cache)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from index.store.bm25_postings import Postings
from index.store.byte_cache import ByteLRU

T = TypeVar("T")


class ByChunkId(Generic[T]):
    """Values fetched from Chroma by an id that carries its article's content hash (a chunk
    id, or `body_key`), kept up to `limit` bytes (least recently used dropped first): a kept
    value never goes stale, since an edited article gets new ids."""

    def __init__(self, limit: int, fetch: Callable[[list[str]], dict[str, T]]) -> None:
        self._kept: ByteLRU[str, T] = ByteLRU(limit)
        self._fetch = fetch

    def get(self, chunk_ids: list[str]) -> dict[str, T]:
        found: dict[str, T] = {}
        need = []
        for chunk_id in chunk_ids:
            value = self._kept.get(chunk_id)
            if value is None:
                need.append(chunk_id)
            else:
                found[chunk_id] = value
        if need:
            fetched = self._fetch(need)
            self.keep(fetched)
            found.update(fetched)  # returned even when the cache had no room to keep them
        return {i: found[i] for i in chunk_ids if i in found}

    def keep(self, values: dict[str, T]) -> None:
        for key, value in values.items():
            self._kept.put(key, value)

    def keep_if_room(self, values: dict[str, T]) -> bool:
        """Keep these values when they fit beside what is kept; False (none kept) if not."""
        if not self._kept.fits(values):
            return False
        self.keep(values)
        return True

    @property
    def used(self) -> int:
        return self._kept.used


class PostingsCache:
    """Terms' postings kept in memory up to a number of bytes; an entry is used only while
    its term's version is the stored one."""

    def __init__(self, limit: int) -> None:
        self._kept: ByteLRU[str, Postings] = ByteLRU(limit)

    @property
    def used(self) -> int:
        return self._kept.used

    @property
    def limit(self) -> int:
        return self._kept.limit

    def get(self, term: str, version: int) -> Postings | None:
        got = self._kept.get(term)
        return got if got is not None and got.version == version else None

    def put(self, term: str, got: Postings) -> None:
        self._kept.put(term, got)
