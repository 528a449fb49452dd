"""Which servers and people the bot serves: the servers listed in NEWSBOT_DISCORD_GUILD_ID and, in
direct messages, their members.

A Discord bot is public by default: anyone with its client id can add it to a server of their
own. There it would answer from the team's private articles and take /ingest and /forget from
that server's admins. So in a server that is not listed the bot answers nothing and runs no
command; when servers are listed it says in one sentence that it is private and leaves; when none
are, it logs the ids of the servers it is in, for the operator to list.
"""

from __future__ import annotations

import logging
import time

import discord

from bot.discord.limits import OncePerUser
from bot.discord.render import NO_MENTIONS

log = logging.getLogger("bot.discord.allowlist")

LEAVING = "This bot is private to its own server, so it is leaving this one."
NOT_SERVED = "This bot is private to its own server: it does not serve this one."
NOT_A_MEMBER = "I only answer members of the server I belong to."
MEMBERSHIP_TTL = 600.0  # seconds a member lookup is reused (Discord's member list is not cached)
REFUSAL_REMINDER = 24 * 3600.0  # seconds before a refused DM gets the sentence again
HOW_TO_ALLOW = (
    "to serve a server, put its id in NEWSBOT_DISCORD_GUILD_ID (several: comma-separated) and "
    "restart; the bot leaves servers that are not listed"
)


def describe(guild: discord.Guild) -> str:
    return f"{guild.name} (id {guild.id})"


class Allowlist:
    def __init__(self, client: discord.Client, guild_ids: set[int] | frozenset[int]) -> None:
        self.client = client
        self.guild_ids = guild_ids
        self._members: dict[int, tuple[float, bool]] = {}  # user id -> (when, member?)
        self.refused_dms = OncePerUser(REFUSAL_REMINDER)

    def serves(self, guild_id: int) -> bool:
        return guild_id in self.guild_ids

    async def refusal(self, guild_id: int | None, user: discord.abc.User) -> str | None:
        """None when this server (or, in a DM, this person) is served; else the sentence."""
        if guild_id is not None:
            return None if self.serves(guild_id) else NOT_SERVED
        return None if await self.is_member(user) else NOT_A_MEMBER

    async def is_member(self, user: discord.abc.User) -> bool:
        """Whether `user` is a member of a listed server (asked of Discord, kept a while)."""
        known = self._members.get(user.id)
        if known is not None and time.monotonic() - known[0] < MEMBERSHIP_TTL:
            return known[1]
        answers: list[bool | None] = []
        for guild in filter(None, map(self.client.get_guild, sorted(self.guild_ids))):
            if guild.get_member(user.id) is not None:
                answers.append(True)
            else:
                answers.append(await _fetch_member(guild, user.id))
            if answers[-1]:
                break
        found = any(answers)
        if found or None not in answers:  # a failed lookup is not remembered
            self._members[user.id] = (time.monotonic(), found)
        return found

    async def admit_message(self, message: discord.Message) -> bool:
        """Whether to handle `message` at all: nothing from an unlisted server; a DM from
        someone who is no member of a listed server gets one sentence (once a day)."""
        if message.guild is not None:
            return self.serves(message.guild.id)
        if message.author.bot or await self.is_member(message.author):
            return True
        if self.refused_dms.first_time(message.author.id):
            log.info("refused a direct message from user %s: no member", message.author.id)
            try:
                await message.channel.send(NOT_A_MEMBER, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as exc:
                log.warning("could not answer a direct message: %r", exc)
        return False

    async def check_guilds(self, guilds: list[discord.Guild]) -> None:
        """At start: log what is served; leave the servers not listed (or, with none listed,
        log their ids and how to serve them)."""
        served = [g for g in guilds if self.serves(g.id)]
        others = [g for g in guilds if not self.serves(g.id)]
        if not self.guild_ids:
            names = ", ".join(map(describe, others)) or "none yet"
            log.warning(
                "NEWSBOT_DISCORD_GUILD_ID is empty, so the bot serves no server; it is in: %s; %s",
                names,
                HOW_TO_ALLOW,
            )
            return
        for guild in others:
            await self.leave(guild)
        missing = sorted(self.guild_ids - {g.id for g in served})
        if missing:
            log.warning("not in the listed server(s) %s: invite the bot there", missing)

    async def on_join(self, guild: discord.Guild) -> None:
        if self.serves(guild.id):
            log.info("joined server %s", describe(guild))
        elif not self.guild_ids:
            log.warning("added to server %s, not served; %s", describe(guild), HOW_TO_ALLOW)
        else:
            await self.leave(guild)

    async def leave(self, guild: discord.Guild) -> None:
        """Say in one sentence that the bot is private, then leave the server."""
        log.warning(
            "leaving server %s: it is not listed in NEWSBOT_DISCORD_GUILD_ID", describe(guild)
        )
        channel = _channel_to_post_in(guild)
        try:
            if channel is not None:
                await channel.send(LEAVING, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.info("could not post in server %s before leaving: %r", describe(guild), exc)
        try:
            await guild.leave()
        except discord.HTTPException as exc:
            log.error("could not leave server %s: %r", describe(guild), exc)


async def _fetch_member(guild: discord.Guild, user_id: int) -> bool | None:
    """Whether `user_id` is a member of `guild`; None when Discord could not say."""
    # One REST call; it needs no privileged intent, unlike the member list.
    try:
        await guild.fetch_member(user_id)
    except discord.NotFound:
        return False
    except discord.HTTPException as exc:
        log.warning("could not look up a member of %s: %r", describe(guild), exc)
        return None
    return True


def _channel_to_post_in(guild: discord.Guild) -> discord.TextChannel | None:
    """The server's system channel, else its first text channel the bot may post in."""
    me = guild.me
    candidates = [guild.system_channel, *sorted(guild.text_channels, key=lambda c: c.position)]
    for channel in candidates:
        if channel is not None and me is not None and channel.permissions_for(me).send_messages:
            return channel
    return None
