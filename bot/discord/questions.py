"""Questions: mentions and replies in channels, `/ask`, `/sources`, and the Sources button."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.limits import OncePerUser
from bot.discord.render import (
    NO_MENTIONS,
    Part,
    answer_parts,
    citations_text,
    passages_text,
    split_message,
)
from bot.discord.replies import Refused, tell, user_message
from bot.discord.slice_options import slice_of
from bot.discord.streaming import StreamEditor
from index.results import Answer, ArticleSlice

if TYPE_CHECKING:
    from bot.discord.host import Host

log = logging.getLogger("bot.discord.questions")

SOURCES_ID = "newsbot:sources:{key}"
DMS_OFF = "I only answer questions in the server's channels: mention me there, or use /ask."
DMS_OFF_REMINDER = 24 * 3600.0  # seconds before someone who DMs again is told again

F = TypeVar("F")


class SourcesButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"newsbot:sources:(?P<key>[0-9a-f]{12})",
):
    """The Sources button under every answer; its custom_id carries the answer's key, so it
    keeps working after a restart (the answer itself is read back from the answers log)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Sources",
                emoji="📚",
                style=discord.ButtonStyle.secondary,
                custom_id=SOURCES_ID.format(key=key),
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SourcesButton:
        return cls(match["key"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Buttons bypass the command tree's check: the same servers and people only.
        host: Host = interaction.client  # type: ignore[assignment]
        refusal = await host.allowlist.refusal(interaction.guild_id, interaction.user)
        if refusal is not None:
            await tell(interaction, refusal)
        return refusal is None

    async def callback(self, interaction: discord.Interaction) -> None:
        host: Host = interaction.client  # type: ignore[assignment]
        try:
            answer = await asyncio.to_thread(host.answers.load, self.key)
            if answer is None:
                await tell(interaction, "I no longer have the sources of that answer: ask again.")
                return
            await send_ephemeral_text(interaction, citations_text(answer))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            text = user_message(exc, "the Sources button")
            try:
                await tell(interaction, text)
            except Exception as again:  # noqa: BLE001 - e.g. disconnected: nothing more to do
                log.warning("could not report an error of the Sources button: %r", again)


def sources_view(key: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SourcesButton(key))
    return view


async def send_ephemeral_text(interaction: discord.Interaction, text: str) -> None:
    """`text` as ephemeral messages (split to fit), as the response or after a deferral."""
    chunks = split_message(text)
    first, rest = chunks[0], chunks[1:]
    if not interaction.response.is_done():
        await interaction.response.send_message(first, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.edit_original_response(content=first, allowed_mentions=NO_MENTIONS)
    for chunk in rest:
        await interaction.followup.send(chunk, ephemeral=True, allowed_mentions=NO_MENTIONS)


# --- shared by mentions and /ask ------------------------------------------------------------


def in_dms(message: discord.Message) -> bool:
    """A direct message to the bot (bots cannot be in group DMs)."""
    return message.guild is None and isinstance(message.channel, discord.DMChannel)


def question_contexts(allow_dms: bool) -> Callable[[F], F]:
    """Where Discord offers /ask and /sources: servers, and the bot's DMs when they are answered."""
    if allow_dms:
        return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    return app_commands.guild_only()


async def prepare(host: Host, user_id: int, question: str) -> str:
    """The checked question, or `Refused` with the sentence to show (rate limit, bad input)."""
    wait = host.limiter.retry_after(user_id)
    if wait:
        raise Refused(host.limiter.message(wait))
    if not question.strip():
        raise Refused("Ask me something after the mention, e.g. “Who won the election?”")
    return host.engine.check_question(question)


async def answer(
    host: Host,
    question: str,
    *,
    show_question: bool = False,
    history: list[tuple[str, str]] | None = None,
    within: ArticleSlice | None = None,
) -> tuple[Answer, list[Part], str]:
    """Ask the engine (off the event loop); log the answer; return it, its messages and key.

    `history`: the previous turns of the conversation (LLM mode condenses a follow-up with them);
    `within`: the publication and dates `/ask` restricts retrieval to.
    """
    options = {"within": within} if within else {}
    if history:
        result = await host.run_engine(host.engine.ask, question, history=history, **options)
    else:
        result = await host.run_engine(host.engine.ask, question, **options)
    key = await asyncio.to_thread(host.answers.save, result)
    log.info("answered (key %s, %d citations)", key, len(result.citations))
    return result, answer_parts(result, show_question=show_question), key


# --- messages in channels -------------------------------------------------------------------


class MentionHandler:
    """A message that mentions the bot, or replies to one of its messages, is a question; so is
    every direct message when `NEWSBOT_DISCORD_ALLOW_DMS` is on (when off, a DM gets one line
    pointing to the server, once a day per person: silence would look broken)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.dms_declined = OncePerUser(DMS_OFF_REMINDER)

    def listens_in(self, channel: discord.abc.Messageable) -> bool:
        allowed = set(self.host.settings.discord_channel_ids)
        if not allowed:
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & allowed)

    async def is_question(self, message: discord.Message) -> bool:
        me = self.host.user
        if me is None or message.author.bot:
            return False
        if message.guild is None:  # no mention needed in a DM; the channel list is for servers
            return in_dms(message) and self.host.settings.discord_allow_dms
        if not self.listens_in(message.channel):
            return False
        if me in message.mentions or self._mentions_my_role(message):
            return True
        ref = message.reference
        if ref is None or ref.message_id is None:
            return False
        parent = ref.resolved
        if parent is None:
            try:
                parent = await message.channel.fetch_message(ref.message_id)
            except discord.HTTPException:
                return False
        return isinstance(parent, discord.Message) and parent.author.id == me.id

    def _mentions_my_role(self, message: discord.Message) -> bool:
        me = self.host.user
        return any(
            r.tags is not None and r.tags.bot_id == getattr(me, "id", None)
            for r in message.role_mentions
        )

    def question_text(self, message: discord.Message) -> str:
        text = message.content
        me = self.host.user
        if me is not None:
            text = re.sub(rf"<@!?{me.id}>", " ", text)
        for role in message.role_mentions:
            if role.tags is not None and role.tags.bot_id == getattr(me, "id", None):
                text = text.replace(role.mention, " ")
        return " ".join(text.split())

    async def handle(self, message: discord.Message) -> None:
        if in_dms(message) and not self.host.settings.discord_allow_dms:
            await self._decline_dm(message)
            return
        if not await self.is_question(message):
            return
        try:
            question = await prepare(self.host, message.author.id, self.question_text(message))
            history = await self.history(message)
            if self.host.settings.llm_stream and self.host.settings.llm != "none":
                await self._stream(message, question, history)
                return
            async with message.channel.typing():
                _, parts, key = await answer(self.host, question, history=history)
            await self._send(message, parts, key)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            text = user_message(exc, "a channel question")
            try:
                await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
            except Exception as again:  # noqa: BLE001 - e.g. disconnected: nothing more to do
                log.warning(
                    "could not report an error in channel %s: %r", message.channel.id, again
                )

    async def _decline_dm(self, message: discord.Message) -> None:
        if message.author.bot or not self.dms_declined.first_time(message.author.id):
            return
        log.debug("declined a direct message from user %s (DMs are off)", message.author.id)
        try:
            await message.channel.send(DMS_OFF, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:  # e.g. the person closed their DMs meanwhile
            log.warning("could not answer a direct message: %r", exc)

    async def history(self, message: discord.Message) -> list[tuple[str, str]]:
        """LLM mode: the previous turns, oldest first: the reply chain above `message`, or else
        the last messages of the thread or DM it is in. Empty in extractive mode."""
        if self.host.settings.llm == "none":
            return []
        me = self.host.user
        wanted = self.host.engine.history_turns
        turns: list[discord.Message] = []
        current = message
        try:
            while len(turns) < wanted and current.reference is not None:
                ref = current.reference
                parent = ref.resolved
                if not isinstance(parent, discord.Message):
                    if ref.message_id is None:
                        break
                    parent = await message.channel.fetch_message(ref.message_id)
                turns.append(parent)
                current = parent
            if not turns and isinstance(message.channel, discord.Thread | discord.DMChannel):
                async for earlier in message.channel.history(limit=wanted, before=message):
                    turns.append(earlier)
        except discord.HTTPException as exc:
            log.info("conversation history unavailable: %r", exc)
        history = []
        for turn in reversed(turns):
            mine = me is not None and turn.author.id == me.id
            text = turn.content if mine else self.question_text(turn)
            if text.strip():
                history.append(("assistant" if mine else "user", text))
        return history

    async def _stream(
        self, message: discord.Message, question: str, history: list[tuple[str, str]]
    ) -> None:
        """Reply at once, edit the reply as the text arrives, end with the verified answer."""
        placeholder = await message.reply("…", mention_author=False, allowed_mentions=NO_MENTIONS)
        editor = StreamEditor(asyncio.get_running_loop(), placeholder)
        try:
            result = await self.host.run_engine(
                self.host.engine.ask, question, history=history or None, on_text=editor.on_text
            )
        finally:
            await editor.finish()
        key = await asyncio.to_thread(self.host.answers.save, result)
        log.info("answered (key %s, %d citations, streamed)", key, len(result.citations))
        await deliver(
            answer_parts(result),
            key,
            first=lambda part, view: placeholder.edit(
                content=part.content, embeds=part.embeds, view=view, allowed_mentions=NO_MENTIONS
            ),
            more=lambda part, view: message.channel.send(
                part.content, embeds=part.embeds, view=view, allowed_mentions=NO_MENTIONS
            ),
        )

    async def _send(self, message: discord.Message, parts: list[Part], key: str) -> None:
        await deliver(
            parts,
            key,
            first=lambda part, view: message.reply(
                part.content,
                mention_author=False,
                embeds=part.embeds,
                view=view,
                allowed_mentions=NO_MENTIONS,
            ),
            more=lambda part, view: message.channel.send(
                part.content, embeds=part.embeds, view=view, allowed_mentions=NO_MENTIONS
            ),
        )


Send = Callable[[Part, "discord.ui.View | None"], Awaitable[object]]


async def deliver(parts: list[Part], key: str, *, first: Send, more: Send) -> None:
    """Post an answer's parts in order (`first` for the opening one, `more` for the rest), the
    Sources button on the last part only."""
    view = sources_view(key)
    for i, part in enumerate(parts):
        await (first if i == 0 else more)(part, view if i == len(parts) - 1 else None)
    # The button is served by the registered dynamic item; don't keep a view per message.
    view.stop()


# --- slash commands -------------------------------------------------------------------------


class QuestionCommands(commands.Cog):
    """`/ask` and `/sources`: offered in the listed servers, and in DMs when they are answered."""

    def __init__(self, host: Host) -> None:
        self.host = host
        contexts = question_contexts(host.settings.discord_allow_dms)
        for command in self.get_app_commands():  # this cog's own copies
            contexts(command)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Discord hides the commands in DMs when they are off, but a client can still send one
        # from commands synced before the setting changed.
        if interaction.guild is None and not self.host.settings.discord_allow_dms:
            raise Refused(DMS_OFF)
        return True

    @app_commands.command(
        name="ask", description="Ask the news articles a question; the answer cites them"
    )
    @app_commands.describe(
        question="What you want to know, e.g. “Who won the election?”",
        source="Only articles from this publication",
        since="Only articles published on or after this date (YYYY-MM-DD)",
        until="Only articles published on or before this date (YYYY-MM-DD)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        within = slice_of(source, since, until)
        question = await prepare(self.host, interaction.user.id, question)
        await interaction.response.defer(thinking=True)
        _, parts, key = await answer(self.host, question, show_question=True, within=within)
        await deliver(
            parts,
            key,
            first=lambda part, view: interaction.edit_original_response(
                content=part.content, embeds=part.embeds, view=view, allowed_mentions=NO_MENTIONS
            ),
            # Webhook sends take MISSING, not None, for "no view".
            more=lambda part, view: interaction.followup.send(
                part.content,
                embeds=part.embeds,
                view=view or discord.utils.MISSING,
                allowed_mentions=NO_MENTIONS,
            ),
        )

    @app_commands.command(
        name="sources", description="Show the passages that best match a question"
    )
    @app_commands.describe(question="What to look for, e.g. “Pakistan strikes in Iran”")
    async def sources(self, interaction: discord.Interaction, question: str) -> None:
        question = await prepare(self.host, interaction.user.id, question)
        await interaction.response.defer(ephemeral=True, thinking=True)
        passages = await self.host.run_engine(self.host.engine.sources, question)
        await send_ephemeral_text(interaction, passages_text(passages))
