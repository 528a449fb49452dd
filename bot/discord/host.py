"""What the command classes need of the bot that hosts them, named here so that they never import
the client (which imports them to register them)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

import discord

if TYPE_CHECKING:
    from bot.discord.allowlist import Allowlist
    from bot.discord.answers_log import AnswersLog
    from bot.discord.limits import EngineRunner, RateLimiter
    from index.engine import Engine, Feeds
    from index.settings import Settings


class Waker(Protocol):
    def wake(self) -> None:
        """Do the background work now, not at the end of its interval."""
        ...


class Host(Protocol):
    settings: Settings
    run_engine: EngineRunner
    limiter: RateLimiter
    answers: AnswersLog
    allowlist: Allowlist
    reindex_lock: asyncio.Lock  # one indexing write at a time: /reindex, /ingest, start-up
    stopping: bool  # shutting down: no new work
    feed_poller: Waker  # the background feed poller
    feeds: Feeds  # the followed feeds (the engine is opened by then, or loading)

    @property
    def user(self) -> discord.ClientUser | None: ...

    @property
    def engine(self) -> Engine: ...

    async def article_list(self) -> list[tuple[str, str]]:
        """(id, title) of the indexed articles, reused for a few seconds."""
        ...

    def articles_changed(self) -> None:
        """Forget the article list: the index changed."""
        ...

    def keep_until_done(self, task: asyncio.Future[object]) -> None:
        """Background work a shutdown waits for."""
        ...
