"""Running the real `NewsBot` against the fake Discord server, for the tests and the benchmark."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.discord.client import NewsBot
from index.engine import Engine
from tests.fakes.discord_server import FakeDiscord

Scenario = Callable[[FakeDiscord, NewsBot], Awaitable[None]]


def make_bot(engine: Engine, fake: FakeDiscord, **settings: Any) -> NewsBot:
    """A bot on `engine` serving the fake's guild, with `settings` overriding the engine's
    (e.g. the rate limit)."""
    settings = {"discord_guild_id": [fake.guild_id], **settings}
    bot = NewsBot(engine.settings.model_copy(update=settings), engine, guild_ready_timeout=0.01)
    bot.admin.progress_interval = 0.05
    return bot


def run_scenario(
    engine: Engine,
    scenario: Scenario,
    *,
    timeout: float = 40,
    fake_kwargs: dict[str, Any] | None = None,
    settings: Callable[[FakeDiscord], dict[str, Any]] | None = None,
) -> None:
    """Start a fake and a bot on `engine`, run `scenario`, and shut both down cleanly."""

    async def main() -> None:
        async with FakeDiscord(**(fake_kwargs or {})) as fake:
            bot = make_bot(engine, fake, **(settings(fake) if settings else {}))
            async with fake.running(bot):
                await scenario(fake, bot)
            assert bot.is_closed()

    asyncio.run(asyncio.wait_for(main(), timeout))
