"""`/feed add|list|remove` (admins) and the background feed poller of `newsbot serve`.

The poller polls every followed feed every NEWSBOT_FEED_INTERVAL minutes in a worker thread,
one poll at a time (the engine's write lock makes a poll and a `/reindex` take turns; neither's
work is lost), and once more right after `/feed add`. A shutdown waits for a running poll, which
stops at its next embedding batch like a re-index.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord.admin import is_admin, require_admin
from bot.discord.render import NO_MENTIONS, escape, link
from bot.discord.replies import user_message
from index.errors import PollRunning
from index.results import FeedStatus, PollReport

if TYPE_CHECKING:
    from bot.discord.host import Host

log = logging.getLogger("bot.discord.feeds")

CHOICES = 25  # Discord shows at most 25 autocomplete choices


class FeedPoller:
    """Polls the feeds in the background while the bot runs."""

    def __init__(self, bot: Host) -> None:
        self.bot = bot
        self.interval = bot.settings.feed_interval * 60
        self.polls = 0  # finished polls, for tests and the log
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def wake(self) -> None:
        """Poll now (after `/feed add`), not at the end of the interval."""
        self._wake.set()

    async def _run(self) -> None:
        while not self.bot.stopping:
            await self.poll_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def poll_once(self) -> PollReport | None:
        feeds = self.bot.feeds
        if not await asyncio.to_thread(feeds.list):
            return None
        work = asyncio.ensure_future(asyncio.to_thread(feeds.poll, None, False))
        self.bot.keep_until_done(work)
        try:
            report = await asyncio.shield(work)
        except PollRunning:
            log.info("feeds not polled: another process (newsbot feed poll) is polling them")
            return None
        except Exception as exc:  # noqa: BLE001 - tried again at the next interval
            log.warning("feed poll stopped: %s", user_message(exc, "feed poll"))
            return None
        finally:
            self.bot.articles_changed()
        self.polls += 1
        failed = sum(o.status == "failed" for o in report.outcomes)
        log.info(
            "feeds polled: %d articles added or updated, %d feeds failed, %d new entries left "
            "for the next poll",
            report.added,
            failed,
            report.left,
        )
        return report


def _feed_text(feed: FeedStatus) -> str:
    text = f"**{escape(feed.name)}** {link(feed.url)}: {feed.articles_added} articles added"
    text += f", last success {feed.last_success or 'never'}"
    if feed.last_error:
        text += f"\n  last error ({feed.failures} in a row): {escape(feed.last_error[:300])}"
    return text


@app_commands.guild_only()  # also sets the interaction contexts, like the other admin commands
class FeedCommands(
    app_commands.Group,
    name="feed",
    description="Follow RSS and Atom feeds: new articles are indexed as they appear (admins)",
    default_permissions=discord.Permissions(manage_guild=True),
):
    def __init__(self, bot: Host) -> None:
        super().__init__()
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            return is_admin(self.bot, interaction)
        return require_admin(self.bot, interaction)

    @app_commands.command(name="add", description="Follow a feed (RSS or Atom url)")
    @app_commands.describe(url="The feed's url (http or https)", name="A short name for it")
    async def add(
        self, interaction: discord.Interaction, url: str, name: str | None = None
    ) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        feed, title = await asyncio.to_thread(self.bot.feeds.follow, url, name)
        self.bot.feed_poller.wake()
        minutes = f"{self.bot.settings.feed_interval:g}"
        await interaction.edit_original_response(
            content=f"Following **{escape(feed.name)}** ({escape(title or feed.url)}): its "
            f"articles are being added now, and new ones every {minutes} minutes.",
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="list", description="The followed feeds and their health")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        feeds = await asyncio.to_thread(self.bot.feeds.list)
        lines = [_feed_text(f) for f in feeds] or ["No feeds followed yet: `/feed add url:`."]
        await interaction.edit_original_response(
            content="\n".join(lines)[:1900], allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="remove", description="Stop following a feed (its articles stay)")
    @app_commands.describe(feed="The feed's name or url")
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        gone = await asyncio.to_thread(self.bot.feeds.unfollow, feed)
        name, left = escape(gone.feed.name), gone.articles_left
        stays = f"{left} of its articles stay indexed (`/forget` removes one)"
        await interaction.edit_original_response(
            content=f"Stopped following **{name}**; "
            + (stays if left else "none of the articles it brought is indexed now."),
            allowed_mentions=NO_MENTIONS,
        )

    @remove.autocomplete("feed")
    async def feed_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        feeds = await asyncio.to_thread(self.bot.feeds.list)
        typed = current.casefold()
        hits = [f for f in feeds if typed in f.name.casefold() or typed in f.url.casefold()]
        return [app_commands.Choice(name=f.name[:100], value=f.name[:100]) for f in hits][:CHOICES]
