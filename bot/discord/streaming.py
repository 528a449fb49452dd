"""Streaming a generated answer into Discord (NEWSBOT_LLM_STREAM): the answer message is edited
as text arrives, at most once per `interval` seconds; the final edit carries the verified answer.

The engine runs in a worker thread and calls `on_text` there; edits are scheduled on the bot's
event loop, one at a time, and `finish` waits for the last one before the final edit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future

import discord

from bot.discord.render import MESSAGE_LIMIT, NO_MENTIONS, escape

log = logging.getLogger("bot.discord.streaming")

EDIT_INTERVAL = 1.5  # seconds between edits (Discord rate-limits message edits)
CURSOR = " ▌"


class StreamEditor:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        message: discord.Message,
        interval: float | None = None,
    ) -> None:
        self.loop = loop
        self.message = message
        self.interval = EDIT_INTERVAL if interval is None else interval
        self.edits = 0
        self._last = time.monotonic()  # the placeholder was just sent
        self._pending: Future | None = None
        self._lock = threading.Lock()

    def on_text(self, text: str) -> None:
        """The text so far (called from the engine's worker thread)."""
        with self._lock:
            now = time.monotonic()
            busy = self._pending is not None and not self._pending.done()
            if busy or now - self._last < self.interval or not text.strip():
                return
            self._last = now
            shown = escape(text)[: MESSAGE_LIMIT - len(CURSOR) - 1] + CURSOR
            self._pending = asyncio.run_coroutine_threadsafe(self._edit(shown), self.loop)

    async def _edit(self, content: str) -> None:
        try:
            await self.message.edit(content=content, allowed_mentions=NO_MENTIONS)
            self.edits += 1
        except discord.HTTPException as exc:
            log.info("a streaming edit failed: %r", exc)

    async def finish(self) -> None:
        """Wait for an edit in flight, so that the verified text is the last edit."""
        with self._lock:
            pending, self._pending = self._pending, None
            self._last = float("inf")  # no more streaming edits
        if pending is not None:
            await asyncio.wrap_future(pending)
