"""What the bot's handlers share: running engine work off the event loop, the per-user rate
limit, and turning any failure into one short sentence for the user (with an error id for the log).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from index.errors import NewsbotError, StoreUnavailable
from newsbot.discord_bot.render import NO_MENTIONS

log = logging.getLogger("newsbot.discord_bot")

T = TypeVar("T")

# Members need not know where the Chroma server runs: the detail goes to the log.
INDEX_UNAVAILABLE = "The index is unavailable right now: try again shortly."


class Refused(app_commands.CheckFailure):
    """A command the user may not run, or input the bot will not take; `str()` is the reason."""


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


def user_message(exc: BaseException, where: str) -> str:
    """The sentence to show for `exc`; unexpected errors are logged with a fresh error id."""
    if isinstance(exc, app_commands.CommandInvokeError):
        exc = exc.original
    if isinstance(exc, StoreUnavailable):
        log.warning("%s: %s", where, exc)
        return INDEX_UNAVAILABLE
    if isinstance(exc, Refused | NewsbotError):
        return _sentence(str(exc))
    if isinstance(exc, app_commands.CheckFailure):
        return "You can't use this command here."
    error_id = secrets.token_hex(4)
    log.error("error %s in %s", error_id, where, exc_info=exc)
    return (
        f"Sorry, something went wrong on my side (error id `{error_id}`). "
        "Try again in a moment; if it keeps happening, give that id to an admin."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    if text.split(" ", 1)[0].isalpha():  # not when it starts with a url, a file name, a number
        text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else f"{text}."


async def tell(interaction: discord.Interaction, content: str, *, ephemeral: bool = True) -> None:
    """Answer an interaction with `content`, whatever state its response is in."""
    content = content[:2000]
    if not interaction.response.is_done():
        await interaction.response.send_message(
            content, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
    elif interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
        await interaction.edit_original_response(
            content=content, embeds=[], view=None, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.followup.send(content, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
