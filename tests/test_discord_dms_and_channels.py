"""Where the bot answers: only in the allowed channels (NEWSBOT_DISCORD_CHANNEL_IDS), and in
direct messages only when NEWSBOT_DISCORD_ALLOW_DMS is on (off: one line pointing to the server,
once per person). The real discord.py client and engine against the fake Discord."""

from __future__ import annotations

import pytest

from bot.discord.client import NewsBot
from bot.discord.limits import OncePerUser
from bot.discord.questions import DMS_OFF
from index.engine import Engine
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord, FakeMessage, Intent

KILLED = "How many people did the Pakistani strike kill?"
ADMIN_COMMANDS = {"reindex", "ingest", "forget", "stats", "feed"}
GUILD, BOT_DM = 0, 1  # Discord's interaction context types


@pytest.fixture
def engine(make_engine) -> Engine:  # noqa: ANN001 - conftest fixture
    """An engine with the seed article indexed."""
    engine = make_engine()
    engine.index()
    return engine


def no_pings(msg: FakeMessage) -> bool:
    mentions = msg.allowed_mentions or {}
    return mentions.get("parse") == [] and not mentions.get("users") and not mentions.get("roles")


def contexts(fake: FakeDiscord, where: str = "guild") -> dict[str, list[int] | None]:
    """Where Discord offers each command synced to the fake's guild, or globally."""
    synced = fake.global_commands if where == "global" else fake.guild_commands[fake.guild_id]
    return {name: c.get("contexts") for name, c in synced.items()}


def test_mentions_are_answered_only_in_the_allowed_channels(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        general, news = fake.channel_ids
        ignored = await fake.send_message(KILLED, mentions_bot=True, channel_id=general)
        asked = await fake.send_message(KILLED, mentions_bot=True, channel_id=news)
        reply = await fake.wait_for_reply(asked, timeout=15)
        assert "[1]" in reply.content
        # a reply to the bot's answer is a follow-up, in the allowed channel
        follow = await fake.send_message(
            "Who condemned the strikes?", reply_to=reply, channel_id=news
        )
        assert "[1]" in (await fake.wait_for_reply(follow, timeout=15)).content
        # The handler drops a message from another channel before its first await, and events
        # are handled in order: by now the mention in #general has been seen and ignored.
        assert fake.bot_messages(general) == []
        assert not [m for m in fake.bot_messages() if m.reference_id == ignored.id]
        assert not fake.typing_calls(general)

    run_scenario(
        engine, scenario, settings=lambda fake: {"discord_channel_ids": [fake.channel_ids[1]]}
    )


def test_dms_off_get_one_polite_line_per_person_and_no_commands(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        assert fake.identify is not None and fake.identify["intents"] & Intent.DIRECT_MESSAGES
        # /ask and /sources are offered in servers only; admin commands always are
        assert contexts(fake) == {name: [GUILD] for name in {"ask", "sources"} | ADMIN_COMMANDS}
        assert contexts(fake, "global") == {}

        member_dm = fake.dm_channel_for(fake.member)
        await fake.send_dm(KILLED)
        notice = await fake.wait_for_bot_message(channel_id=member_dm)
        assert notice.content == DMS_OFF and no_pings(notice)
        await fake.send_dm("Hello? " + KILLED)  # the same person again: not told twice
        admin_dm = fake.dm_channel_for(fake.admin)
        await fake.send_dm(KILLED, author=fake.admin)
        assert (await fake.wait_for_bot_message(channel_id=admin_dm)).content == DMS_OFF
        # handled in order: the member's second DM was seen before the admin's
        assert [m.content for m in fake.bot_messages(member_dm)] == [DMS_OFF]

        # Discord does not offer the commands in DMs; a stale client still gets a sentence
        with pytest.raises(LookupError):
            await fake.slash("ask", {"question": KILLED}, channel_id=member_dm)
        stale = await fake.slash(
            "ask", {"question": KILLED}, channel_id=member_dm, bypass_permissions=True
        )
        refused = await stale.wait_message()
        assert refused.ephemeral and refused.content == DMS_OFF
        with pytest.raises(LookupError):
            await fake.slash(
                "reindex", {}, user=fake.owner, channel_id=fake.dm_channel_for(fake.owner)
            )

        # the server is unaffected
        msg = await fake.send_message(KILLED, mentions_bot=True)
        assert "[1]" in (await fake.wait_for_reply(msg, timeout=15)).content

    run_scenario(engine, scenario)


def test_dms_on_are_answered_like_mentions_within_the_rate_limit(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        offered = contexts(fake)
        assert offered["ask"] == offered["sources"] == [GUILD, BOT_DM]
        assert all(offered[name] == [GUILD] for name in ADMIN_COMMANDS)
        # globally (for DMs), the questions only, in DMs only: no command shows twice in a server
        assert contexts(fake, "global") == {"ask": [BOT_DM], "sources": [BOT_DM]}

        dm = fake.dm_channel_for(fake.member)
        msg = await fake.send_dm(KILLED)  # no mention needed
        reply = await fake.wait_for_reply(msg, timeout=15)
        assert "nine" in reply.content and "[1]" in reply.content and no_pings(reply)
        assert reply.channel_id == dm and "guild_id" not in reply.payload
        assert fake.typing_calls(dm)
        press = await fake.press_button(reply, reply.custom_ids[0])
        assert "Pakistan strikes targets in Iran" in (await press.wait_message()).content

        # /ask works in the DM and counts against the same per-person limit (2 a minute)
        handle = await fake.slash("ask", {"question": KILLED}, channel_id=dm)
        assert "[1]" in (await handle.wait_edit(timeout=15)).content
        limited = await fake.wait_for_reply(await fake.send_dm(f"{fake.bot_user.mention} {KILLED}"))
        assert "2 questions a minute" in limited.content

        # admin commands stay in the server, even for the owner
        owner_dm = fake.dm_channel_for(fake.owner)
        with pytest.raises(LookupError):
            await fake.slash("reindex", {}, user=fake.owner, channel_id=owner_dm)
        stale = await fake.slash(
            "stats", {}, user=fake.owner, channel_id=owner_dm, bypass_permissions=True
        )
        assert "only works in a server" in (await stale.wait_message()).content

        # the channel list is for the server's channels, not DMs: another person's DM is answered
        other = await fake.send_dm(KILLED, author=fake.admin)
        assert "[1]" in (await fake.wait_for_reply(other, timeout=15)).content

    run_scenario(
        engine,
        scenario,
        settings=lambda fake: {
            "discord_allow_dms": True,
            "rate_limit_per_minute": 2,
            "discord_channel_ids": [fake.channel_ids[1]],
        },
    )


def test_once_per_user_forgets_after_the_period_and_stays_bounded() -> None:
    told = OncePerUser(period=3600, limit=3)
    assert told.first_time(1) and not told.first_time(1)
    assert told.first_time(2) and told.first_time(3) and told.first_time(4)
    assert len(told._told) == 3 and told.first_time(1)  # the oldest was forgotten for room
    expired = OncePerUser(period=0)
    assert expired.first_time(1) and expired.first_time(1)
