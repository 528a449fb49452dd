"""A private bot: it serves only the servers listed in NEWSBOT_DISCORD_GUILD_ID. Someone who adds it
to a server of their own gets one sentence and the bot leaves; in a server it does not serve it
answers nothing and runs no command, not even /sources or autocomplete; a DM is answered only for
members of a listed server. The real discord.py client and engine against the fake Discord."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.discord.allowlist import LEAVING, NOT_A_MEMBER, NOT_SERVED
from bot.discord.client import PUBLIC_BOT, NewsBot
from index.engine import Engine
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord, FakeInteraction

KILLED = "How many people did the Pakistani strike kill?"
LEAVE = r"/users/@me/guilds/\d+"


@pytest.fixture
def engine(make_engine) -> Engine:  # noqa: ANN001 - conftest fixture
    """An engine with the seed article indexed."""
    engine = make_engine()
    engine.index()
    return engine


async def refused(handle: FakeInteraction, sentence: str) -> None:
    message = await handle.wait_message(timeout=10)
    assert message.ephemeral and message.content == sentence


def test_a_server_that_adds_the_bot_gets_one_sentence_and_the_bot_leaves(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord")
    strangers_ids: list[int] = []

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        strangers = fake.add_guild("Strangers")
        strangers_ids.append(strangers.id)
        await fake.join_guild(strangers)
        asked = await fake.send_message(
            KILLED, author=strangers.owner, channel_id=strangers.channel_id, mentions_bot=True
        )
        notice = await fake.wait_for_bot_message(channel_id=strangers.channel_id, timeout=10)
        assert notice.content == LEAVING
        await fake.wait_until(lambda: strangers.left or None, 10)
        await fake.wait_until(lambda: bot.get_guild(strangers.id) is None or None, 10)
        # nothing else was said there, the question least of all; no commands were synced there
        assert [m.content for m in fake.bot_messages(strangers.channel_id)] == [LEAVING]
        assert not [m for m in fake.bot_messages() if m.reference_id == asked.id]
        assert not fake.typing_calls(strangers.channel_id)
        assert strangers.id not in fake.guild_commands and not fake.global_commands
        # the listed server is served as before
        msg = await fake.send_message(KILLED, mentions_bot=True)
        assert "[1]" in (await fake.wait_for_reply(msg, timeout=15)).content
        handle = await fake.slash("sources", {"question": KILLED})
        assert "Pakistan" in (await handle.wait_message(timeout=15)).content

    run_scenario(engine, scenario)
    assert f"leaving server Strangers (id {strangers_ids[0]})" in caplog.text
    assert PUBLIC_BOT in caplog.text  # the fake, like Discord, has "Public Bot" on by default


def test_a_server_the_bot_is_in_at_start_but_not_listed_is_left(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord")

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        strangers = next(iter(fake.other_guilds.values()))
        await fake.wait_until(lambda: strangers.left or None, 10)
        assert [m.content for m in fake.bot_messages(strangers.channel_id)] == [LEAVING]
        await fake.wait_until(lambda: [g.id for g in bot.guilds] == [fake.guild_id] or None)

    def settings(fake: FakeDiscord) -> dict[str, object]:
        fake.add_guild("Strangers", joined=True)
        return {}

    run_scenario(engine, scenario, settings=settings)
    assert "serving 1 guild(s): Fake Guild" in caplog.text
    assert "leaving server Strangers" in caplog.text


def test_with_no_server_listed_none_is_served_and_their_ids_are_logged(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord")
    articles = engine.list_articles()
    doc_id = articles[0][0]

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        strangers = next(iter(fake.other_guilds.values()))
        owner = strangers.owner  # every permission in that server
        # Commands an older version synced globally are still offered there: try them all.
        # (A stale client, so the fake does not check what is synced: strict_commands=False.)
        asked = await fake.send_message(
            KILLED, author=owner, channel_id=strangers.channel_id, mentions_bot=True
        )
        picker = await fake.autocomplete_interaction(
            "forget", {"article": "Pak"}, user=owner, channel_id=strangers.channel_id
        )
        for name, options in [
            ("forget", {"article": doc_id}),
            ("sources", {"question": KILLED}),
            ("ask", {"question": KILLED}),
            ("ingest", {"url": "https://example.com/a"}),
            ("reindex", {}),
            ("stats", {}),
        ]:
            handle = await fake.slash(name, options, user=owner, channel_id=strangers.channel_id)
            await refused(handle, NOT_SERVED)
        # the fake guild is not served either while nothing is listed
        ours = await fake.send_message(KILLED, mentions_bot=True)
        await refused(await fake.slash("sources", {"question": KILLED}), NOT_SERVED)
        await asyncio.sleep(0.5)  # events are handled in order: the mentions were seen by now
        assert picker.responses == [] and picker.choices is None
        for question in (asked, ours):
            assert not [m for m in fake.bot_messages() if m.reference_id == question.id]
        assert not fake.typing_calls()
        assert not fake.calls_to("DELETE", LEAVE)  # the operator must see the ids first
        assert not fake.guild_commands and not fake.global_commands

    def settings(fake: FakeDiscord) -> dict[str, object]:
        fake.add_guild("Strangers", joined=True)
        return {"discord_guild_id": []}

    run_scenario(engine, scenario, settings=settings, fake_kwargs={"strict_commands": False})
    assert engine.list_articles() == articles  # /forget did not run
    assert "serves no server; it is in: Fake Guild (id" in caplog.text
    assert "Strangers (id" in caplog.text and "NEWSBOT_DISCORD_GUILD_ID" in caplog.text


def test_dms_are_answered_only_for_members_of_a_listed_server(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        strangers = fake.add_guild("Strangers")
        stranger = fake.add_user("stranger", guild=strangers)
        for author in (stranger, strangers.owner):
            dm = fake.dm_channel_for(author)
            await fake.send_dm(KILLED, author=author)
            notice = await fake.wait_for_bot_message(channel_id=dm, timeout=10)
            assert notice.content == NOT_A_MEMBER
            await fake.send_dm("Hello? " + KILLED, author=author)  # not told twice
            await refused(
                await fake.slash("ask", {"question": KILLED}, user=author, channel_id=dm),
                NOT_A_MEMBER,
            )
            assert [m.content for m in fake.bot_messages(dm) if not m.ephemeral] == [NOT_A_MEMBER]
        # a member of the listed server is answered in DMs as before
        msg = await fake.send_dm(KILLED)
        reply = await fake.wait_for_reply(msg, timeout=15)
        assert "[1]" in reply.content
        press = await fake.press_button(reply, reply.custom_ids[0])
        assert "Pakistan strikes targets in Iran" in (await press.wait_message()).content
        # ... and the stranger cannot use that answer's Sources button either
        other = await fake.press_button(reply, reply.custom_ids[0], user=stranger)
        await refused(other, NOT_A_MEMBER)

    run_scenario(engine, scenario, settings=lambda fake: {"discord_allow_dms": True})
