"""How much the bot takes on: engine calls in bounded worker threads, questions per person per
minute, and notices a person hears at most once a period."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class EngineRunner:
    """Runs blocking engine calls in worker threads, at most `limit` at a time.

    The event loop (gateway heartbeats, typing, other handlers) never waits on the engine.
    """

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        async with self._slots:
            return await asyncio.to_thread(fn, *args, **kwargs)


class OncePerUser:
    """Whom the bot already told something, so a person hears it at most once a `period`.

    Memory stays bounded: past `limit` people, the longest-remembered are forgotten first.
    """

    def __init__(self, period: float, limit: int = 10_000) -> None:
        self.period, self.limit = period, limit
        self._told: dict[int, float] = {}  # user id -> when; insertion order = time order

    def first_time(self, user_id: int) -> bool:
        """True (and remembered) when `user_id` was not told within the period."""
        now = time.monotonic()
        told = self._told.get(user_id)
        if told is not None and now - told < self.period:
            return False
        self._told.pop(user_id, None)
        while self._told and (
            len(self._told) >= self.limit or now - next(iter(self._told.values())) >= self.period
        ):
            del self._told[next(iter(self._told))]
        self._told[user_id] = now
        return True


class RateLimiter:
    """At most `per_minute` hits per user in any 60 seconds (0 = no limit)."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute, self.window = per_minute, window
        self._hits: dict[int, deque[float]] = defaultdict(deque)

    def retry_after(self, user_id: int) -> float:
        """Seconds to wait before this user may ask again; 0 records a hit and lets it through."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic()
        hits = self._hits[user_id]
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return self.window - (now - hits[0])
        hits.append(now)
        return 0.0

    def message(self, wait: float) -> str:
        return (
            f"Easy there: I answer up to {self.per_minute} questions a minute per person. "
            f"Try again in {max(1, round(wait))} s."
        )
