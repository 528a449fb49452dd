"""A least-recently-used cache bounded by bytes, not entries: what a serving process keeps of
the store (chunk nodes, vectors, sentence vectors, bodies, keyword postings) stays within the
limits its settings give, whatever the size of the corpus."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np

K = TypeVar("K")
V = TypeVar("V")

MB = 2**20


def size_of(value: Any) -> int:
    """About how many bytes `value` holds (arrays and strings exactly, a node by its text and
    metadata): close enough for a limit, cheap enough to call on every insert."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, str):
        return sys.getsizeof(value)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    text = getattr(value, "text", None)
    if isinstance(text, str):  # a llama-index node: text, metadata, and the object itself
        meta = getattr(value, "metadata", {}) or {}
        return sys.getsizeof(text) + sum(sys.getsizeof(str(v)) + 60 for v in meta.values()) + 1500
    return sys.getsizeof(value)


class ByteLRU(Generic[K, V]):
    """Values by key, the least recently used dropped first once their bytes pass `limit`."""

    def __init__(self, limit: int, measure: Callable[[Any], int] = size_of) -> None:
        self.limit, self.used = limit, 0
        self._measure = measure
        self._kept: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, key: object) -> bool:
        return key in self._kept

    def get(self, key: K) -> V | None:
        with self._lock:
            got = self._kept.get(key)
            if got is None:
                return None
            self._kept.move_to_end(key)
            return got[0]

    def put(self, key: K, value: V) -> None:
        size = self._measure(value)
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self.used -= old[1]
            if size > self.limit:
                return
            self._kept[key] = (value, size)
            self.used += size
            while self.used > self.limit:
                _, (_, dropped) = self._kept.popitem(last=False)
                self.used -= dropped

    def fits(self, values: dict[K, V]) -> bool:
        """Whether these values would fit without dropping anything kept."""
        return self.used + sum(self._measure(v) for v in values.values()) <= self.limit
