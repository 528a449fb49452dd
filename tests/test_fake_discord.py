"""Proof that the fake Discord server drives the real discord.py client end to end.

A tiny ``discord.Client`` with a ``CommandTree`` (``/echo``, ``/panel`` with a persistent
button, ``/topic`` with autocomplete, ``/upload`` with an attachment, ``/boom`` that
raises) and an ``on_message`` that replies to mentions runs against
:class:`tests.fakes.discord_server.FakeDiscord`.  Each test is a plain sync function
running its scenario with ``asyncio.run`` (no pytest-asyncio needed).
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from collections.abc import Awaitable, Callable

import discord
import pytest
from discord import app_commands

from tests.fakes.discord_server import (
    EPHEMERAL,
    BotError,
    FakeDiscord,
    Intent,
    InteractionCallbackType,
)

TOPICS = ["economy", "elections", "energy", "science", "sports"]
BUTTON_ID = "proof:ping"


class PingView(discord.ui.View):
    """Persistent view (no timeout, fixed custom_id) registered with ``add_view``."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Ping", custom_id=BUTTON_ID, style=discord.ButtonStyle.primary)
    async def ping(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.send_message(f"pong for {interaction.user.name}", ephemeral=True)


class ProofBot(discord.Client):
    """Minimal bot exercising the features the fake must support."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.01)
        self.tree = app_commands.CommandTree(self)
        self._add_commands()

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(name="echo", description="Repeat the text (deferred)")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content=f"echo: {text}")

        @tree.command(name="panel", description="Post a message with a button")
        async def panel(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("press it", view=PingView())

        async def topic_choices(
            _interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

        @tree.command(name="topic", description="Pick a topic")
        @app_commands.autocomplete(name=topic_choices)
        async def topic(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"topic {name}")

        @tree.command(name="upload", description="Reverse an uploaded file")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            await interaction.response.defer()
            await interaction.followup.send(
                f"{file.filename}: {len(data)} bytes",
                file=discord.File(io.BytesIO(data[::-1]), filename="reversed.txt"),
            )

        @tree.command(name="where", description="Servers only")
        @app_commands.guild_only()
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"in {interaction.guild}")

        @tree.command(name="boom", description="Always fails")
        async def boom(interaction: discord.Interaction) -> None:
            raise RuntimeError("kaboom")

    async def setup_hook(self) -> None:
        self.add_view(PingView())
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user or self.user not in message.mentions:
            return
        async with message.channel.typing():
            quoted = ""
            if message.reference and message.reference.message_id:
                parent = await message.channel.fetch_message(message.reference.message_id)
                quoted = f" (re: {parent.content})"
            await message.reply(f"you said: {message.clean_content}{quoted}", mention_author=False)


def run(
    scenario: Callable[[FakeDiscord, ProofBot], Awaitable[None]],
    **fake_kwargs: object,
) -> None:
    """Start a fake + ProofBot, run ``scenario`` and shut both down cleanly."""

    async def main() -> None:
        async with FakeDiscord(**fake_kwargs) as fake:  # type: ignore[arg-type]
            bot = ProofBot()
            async with fake.running(bot):
                await scenario(fake, bot)
            assert bot.is_closed()

    asyncio.run(asyncio.wait_for(main(), 20))


def test_login_and_sync() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        assert bot.user is not None and bot.user.id == fake.bot_user.id
        assert bot.application_id == fake.app_id
        names = {c["name"] for c in await fake.wait_for_sync()}
        assert {"echo", "panel", "topic", "upload", "boom"} <= names
        routes = [c.route for c in fake.calls]
        assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]
        assert f"PUT /applications/{fake.app_id}/commands" in routes
        guild = bot.get_guild(fake.guild_id)
        assert guild is not None and guild.get_channel(fake.channel_id) is not None
        assert guild.me is not None
        assert fake.identify is not None and fake.identify["intents"] == bot.intents.value

    run(scenario)


def test_mention_gets_reply_with_reference() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        first = await fake.send_message("first headline", author=fake.admin)
        msg = await fake.send_message("what's new?", mentions_bot=True, reply_to=first)
        reply = await fake.wait_for_reply(msg)
        assert reply.content == "you said: @newsbot what's new? (re: first headline)"
        call = reply.request
        assert call is not None
        assert call.route == f"POST /channels/{fake.channel_id}/messages"
        assert int(call.json["message_reference"]["message_id"]) == msg.id
        assert reply.allowed_mentions is not None
        assert reply.allowed_mentions["replied_user"] is False
        assert fake.typing_calls(fake.channel_id)
        assert fake.calls_to("GET", rf"/channels/{fake.channel_id}/messages/{first.id}")
        # a message without a mention gets no answer
        await fake.send_message("just chatting")
        await asyncio.sleep(0.1)
        assert len(fake.bot_messages()) == 1

    run(scenario)


def test_echo_defers_then_edits_original() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        handle = await fake.slash("echo", {"text": "hello"})
        response = await handle.wait_response()
        assert response["type"] == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE
        original = await handle.wait_edit()
        assert original.content == "echo: hello"
        assert not original.loading and not original.ephemeral
        assert handle.edits == [handle.edits[0]] and handle.edits[0]["content"] == "echo: hello"
        patch = fake.calls_to("PATCH", rf"/webhooks/{fake.app_id}/[^/]+/messages/@original")
        assert len(patch) == 1

    run(scenario)


def test_button_press_gets_ephemeral_response() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        panel = await fake.slash("panel", {})
        message = await panel.wait_message()
        assert message.custom_ids == [BUTTON_ID]
        press = await fake.press_button(message, BUTTON_ID, user=fake.admin)
        reply = await press.wait_message()
        assert press.response_type == InteractionCallbackType.CHANNEL_MESSAGE
        assert reply.flags & EPHEMERAL and press.ephemeral
        assert reply.content == "pong for admin"
        with pytest.raises(LookupError):
            await fake.press_button(message, "no-such-button")

    run(scenario)


def test_autocomplete_returns_choices() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        choices = await fake.autocomplete("topic", {"name": "e"})
        assert [c["value"] for c in choices] == ["economy", "elections", "energy"]
        assert await fake.autocomplete("topic", {"name": "zzz"}) == []
        handle = await fake.slash("topic", {"name": "science"})
        assert (await handle.wait_message()).content == "topic science"

    run(scenario)


def test_attachment_roundtrip_multipart() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        handle = await fake.slash("upload", attachments={"file": ("story.txt", b"abcdef")})
        answer = await handle.wait_followup()
        # the first follow-up after a deferred response replaces the "thinking" message
        assert answer is handle.original and not answer.loading
        assert answer.content == "story.txt: 6 bytes"
        assert answer.files == {"reversed.txt": b"fedcba"}
        assert answer.requests[-1].files[0].data == b"fedcba"

    run(scenario)


def test_heartbeats_are_acked_and_latency_measured() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        beats = await fake.wait_until(
            lambda: [b for b in fake.heartbeats if b.acked_at is not None][2:] or None
        )
        assert beats
        for sent_at, acked_at in fake.heartbeats[:3]:
            assert acked_at is not None and acked_at - sent_at >= 0.025
        # discord.py measures from its own send time, so allow a little clock slack
        assert 0.02 <= bot.latency < 1.0 and math.isfinite(bot.latency)

    run(scenario, heartbeat_interval_ms=50, heartbeat_ack_delay=0.03)


def test_direct_messages_are_delivered_as_discord_does() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        dm = await fake.send_dm(f"{fake.bot_user.mention} hello in private")
        assert "guild_id" not in dm.payload and "member" not in dm.payload
        assert [m["id"] for m in dm.payload["mentions"]] == [str(fake.bot_user.id)]
        assert "member" not in dm.payload["mentions"][0]  # no member data in DMs
        reply = await fake.wait_for_reply(dm)
        channel = fake.dm_channel_for(fake.member)
        assert reply.content == "you said: @newsbot hello in private"
        assert reply.channel_id == channel and "guild_id" not in reply.payload
        assert fake._channel_by_id(channel)["type"] == 1  # type: ignore[index]

        # global commands without contexts work in DMs, as the user (no member); guild-only don't
        await fake.wait_for_sync()
        handle = await fake.slash("echo", {"text": "hi"}, channel_id=channel)
        assert (await handle.wait_edit()).content == "echo: hi"
        assert "user" in handle.payload and "member" not in handle.payload
        with pytest.raises(PermissionError, match="not offered in DMs"):
            await fake.slash("where", {}, channel_id=channel)

        # DMs carry their content without MESSAGE_CONTENT, and need DIRECT_MESSAGES
        fake.intents &= ~Intent.MESSAGE_CONTENT
        await fake.send_dm("no mention, still readable")
        assert fake.gateway_events[-1]["d"]["content"] == "no mention, still readable"
        fake.intents &= ~Intent.DIRECT_MESSAGES
        events = len(fake.gateway_events)
        await fake.send_dm("not delivered")
        assert len(fake.gateway_events) == events

    run(scenario)


def test_handler_exception_fails_the_test() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        await fake.slash("boom", {})
        with pytest.raises(BotError, match="kaboom"):
            await fake.wait_until(lambda: None, timeout=2)
        assert any(isinstance(e.exc, app_commands.CommandInvokeError) for e in fake.errors)
        fake.errors.clear()  # expected here; otherwise running() raises on exit

    run(scenario)


def test_rate_limit_is_retried() -> None:
    async def scenario(fake: FakeDiscord, bot: ProofBot) -> None:
        fake.inject_error("POST", r"/channels/\d+/messages", status=429, retry_after=0.05)
        msg = await fake.send_message("hi", mentions_bot=True)
        await fake.wait_for_reply(msg)
        statuses = [c.status for c in fake.calls_to("POST", r"/channels/\d+/messages")]
        assert statuses == [429, 200]

    run(scenario)


def test_rejected_token_raises_login_failure() -> None:
    async def main() -> None:
        async with FakeDiscord() as fake:
            bot = ProofBot()
            with fake.patch_discord():
                started = time.perf_counter()
                with pytest.raises(discord.LoginFailure):
                    await bot.start("not-the-token")
                await bot.close()
            assert time.perf_counter() - started < 2
            assert [(c.route, c.status) for c in fake.calls] == [("GET /users/@me", 401)]
            assert fake.calls[0].response == {"message": "401: Unauthorized", "code": 0}

    asyncio.run(main())
