"""The Discord bot end to end: the real discord.py client and the real engine (ONNX embedder,
Chroma in a temporary folder) against the fake Discord server over real sockets."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from pathlib import Path

import pytest

from bot.discord.client import NewsBot
from bot.discord.render import citations_text, split_message
from index.engine import Engine
from index.results import Answer, Citation
from tests.discord_harness import make_bot, run_scenario
from tests.fakes.discord_server import (
    EPHEMERAL,
    FakeDiscord,
    FakeMessage,
    InteractionCallbackType,
    Perm,
)

KILLED = "How many people did the Pakistani strike kill?"
NO_PINGS = {"parse": []}
ADMIN_COMMANDS = {"reindex", "ingest", "forget", "stats", "feed"}


@pytest.fixture
def engine(make_engine) -> Engine:  # noqa: ANN001 - conftest fixture
    """An engine with the seed article indexed."""
    engine = make_engine()
    engine.index()
    return engine


def assert_no_pings(msg: FakeMessage) -> None:
    assert msg.allowed_mentions is not None
    assert msg.allowed_mentions.get("parse") == [], msg.allowed_mentions
    assert not msg.allowed_mentions.get("users") and not msg.allowed_mentions.get("roles")
    assert not msg.allowed_mentions.get("replied_user")


def sources_id(msg: FakeMessage) -> str:
    ids = [c for c in msg.custom_ids if c.startswith("newsbot:sources:")]
    assert len(ids) == 1, msg.custom_ids
    return ids[0]


def test_startup_syncs_commands_to_the_guild_and_logs_guilds(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord")

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        commands = {c["name"]: c for c in await fake.wait_for_sync()}
        assert set(commands) == {"ask", "sources"} | ADMIN_COMMANDS
        assert fake.calls_to("PUT", rf"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands")
        assert commands["ask"]["options"][0]["name"] == "question"
        assert commands["sources"]["options"][0]["name"] == "question"
        assert [o["name"] for o in commands["ingest"]["options"]] == ["file", "url"]
        assert commands["forget"]["options"][0]["autocomplete"] is True
        for name in ADMIN_COMMANDS:
            assert int(commands[name]["default_member_permissions"]) == Perm.MANAGE_GUILD
        assert commands["ask"].get("default_member_permissions") is None
        assert fake.identify is not None
        assert fake.identify["intents"] & (1 << 15)  # MESSAGE_CONTENT
        assert fake.token not in caplog.text

    run_scenario(engine, scenario, settings=lambda fake: {"discord_guild_id": [fake.guild_id]})
    assert "serving 1 guild(s): Fake Guild" in caplog.text
    assert "synced 7 slash commands to guild" in caplog.text


def test_mention_gets_a_cited_reply_and_follow_ups_in_the_reply_chain(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        # the commands are the server's; the global list is emptied of older versions' commands
        assert fake.calls_to("PUT", rf"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands")
        assert fake.calls_to("PUT", rf"/applications/{fake.app_id}/commands")
        assert not fake.global_commands
        msg = await fake.send_message(KILLED, mentions_bot=True)
        reply = await fake.wait_for_reply(msg, timeout=15)
        typing = fake.typing_calls(fake.channel_id)
        assert typing and typing[0].at < reply.request.at  # work shown before the answer
        assert "nine" in reply.content and "[1]" in reply.content
        assert reply.embeds and reply.embeds[0]["title"] == "Sources"
        assert "Pakistan strikes targets in Iran" in reply.embeds[0]["fields"][0]["name"]
        assert_no_pings(reply)
        sources_id(reply)

        # a reply to the answer, without a mention, is a follow-up question
        follow = await fake.send_message("Who condemned the strikes?", reply_to=reply)
        second = await fake.wait_for_reply(follow, timeout=15)
        assert "[1]" in second.content

        # plain chatter, and mentions in a channel the bot is not listening in, get nothing
        await fake.send_message("just chatting about the strikes")
        await fake.send_message(KILLED, mentions_bot=True, channel_id=fake.channel_ids[1])
        await asyncio.sleep(0.5)
        assert len(fake.bot_messages()) == 2

    run_scenario(engine, scenario, settings=lambda fake: {"discord_channel_ids": [fake.channel_id]})


def test_ask_defers_then_answers_and_the_sources_button_survives_a_restart(engine: Engine) -> None:
    async def main() -> None:
        async with FakeDiscord() as fake:
            async with fake.running(make_bot(engine, fake)) as bot:
                handle = await fake.slash("ask", {"question": KILLED})
                response = await handle.wait_response(timeout=2)
                assert response["type"] == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE
                answer = await handle.wait_edit(timeout=15)
                assert "nine" in answer.content and "[1]" in answer.content
                assert answer.content.startswith(f"> **{KILLED}**\n\n")  # the channel sees it
                assert not answer.ephemeral and answer.embeds[0]["title"] == "Sources"
                custom_id = sources_id(answer)
                key = custom_id.rsplit(":", 1)[1]
                expected = len(split_message(citations_text(bot.answers.load(key))))
                press = await fake.press_button(answer, custom_id, user=fake.admin)
                shown = await press.wait_message()
                await press.wait_until(lambda: len(press.messages()) == expected or None)
                assert shown.flags & EPHEMERAL
                assert "**[1] Pakistan strikes targets in Iran" in shown.content
                assert "**The deputy governor" in shown.content  # the quote, in its passage
            # a new process: nothing of the old bot is left but the data dir
            async with fake.running(make_bot(engine, fake)):
                press = await fake.press_button(answer, custom_id, user=fake.member)
                again = await press.wait_message()
                await press.wait_until(lambda: len(press.messages()) == expected or None)
                assert again.flags & EPHEMERAL and again.content == shown.content

    asyncio.run(asyncio.wait_for(main(), 40))


def test_sources_lists_the_top_passages_ephemerally(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        handle = await fake.slash("sources", {"question": "Jaish al-Adl"})
        response = await handle.wait_response(timeout=2)
        assert response["type"] == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE
        shown = await handle.wait_edit(timeout=15)
        assert shown.ephemeral
        assert shown.content.startswith("**Top passages**")
        assert "**[1] Pakistan strikes targets in Iran" in shown.content
        assert "newsbot starter article · 2024-01-18" in shown.content
        assert "\n> " in shown.content
        assert_no_pings(shown)

    run_scenario(engine, scenario)


def test_admin_commands_are_hidden_and_checked(engine: Engine) -> None:
    people: dict[str, object] = {}

    def settings(fake: FakeDiscord) -> dict[str, object]:
        role = fake.add_role("editors", 0)  # no Manage Server, but named in the settings
        people["editor"] = fake.add_user("editor", roles=[role])
        return {"admin_role_ids": [role]}

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        with pytest.raises(PermissionError):  # hidden from members by default_permissions
            await fake.slash("reindex", {}, user=fake.member)
        # a server that granted the command to everyone: still refused, politely
        handle = await fake.slash("reindex", {}, user=fake.member, bypass_permissions=True)
        refused = await handle.wait_message()
        assert refused.ephemeral
        assert "Manage Server" in refused.content and "admin roles" in refused.content
        assert engine.stats().articles == 1
        editor = people["editor"]
        stats = await fake.slash("stats", {}, user=editor, bypass_permissions=True)  # type: ignore[arg-type]
        assert "**1 articles**" in (await stats.wait_edit()).content

    run_scenario(engine, scenario, settings=settings)


ARTICLE = """---
title: Glacier Lake Voss drained overnight
source: Alpine Courier
published_at: 2024-03-02
---
The glacier lake above the village of Voss drained overnight on Friday, sending a flood wave
through the valley. Hydrologists counted 3.4 million cubic metres of water released in six hours.

Residents were warned by a siren at 2 a.m. and nobody was hurt.

@everyone in the valley should still avoid the river banks, the mayor said, and the *rescue*
team <@&123456789012345678> stays on call.
"""


def test_ingest_file_then_a_question_answered_from_it_then_forget(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        handle = await fake.slash(
            "ingest", user=fake.admin, attachments={"file": ("voss lake.md", ARTICLE.encode())}
        )
        done = await handle.wait_edit(timeout=20)
        assert done.ephemeral
        assert "Added **Glacier Lake Voss drained overnight**" in done.content
        uploads = bot.settings.data_dir / "uploads"
        assert [p.name for p in uploads.iterdir()] == ["voss-lake.md"]

        msg = await fake.send_message(
            "How many cubic metres of water did the hydrologists count?", mentions_bot=True
        )
        reply = await fake.wait_for_reply(msg, timeout=15)
        assert "3.4 million cubic metres" in reply.content
        assert "Glacier Lake Voss" in reply.embeds[0]["fields"][0]["name"]

        # bad input: a binary file and an empty url are refused; nothing indexed is lost
        bad = await fake.slash(
            "ingest", user=fake.admin, attachments={"file": ("voss lake.md", b"\x00\x01\x02" * 50)}
        )
        assert "binary" in (await bad.wait_edit()).content
        assert (uploads / "voss-lake.md").read_text() == ARTICLE
        both = await fake.slash("ingest", user=fake.admin)
        assert "either `file:`" in (await both.wait_message()).content
        dead = await fake.slash("ingest", {"url": "http://127.0.0.1:9/story.html"}, user=fake.admin)
        assert (
            "http://127.0.0.1:9/story.html did not answer: could not connect"
            in (await dead.wait_edit()).content
        )
        assert engine.stats().articles == 2

        # /ingest url: (the fake's CDN serves the page)
        page = fake.attachment(
            "story.html",
            b"<html><head><title>Harbour bridge reopens</title></head><body><article>"
            b"<p>The harbour bridge reopened on Monday after eleven weeks of repairs.</p>"
            b"</article></body></html>",
            content_type="text/html",
        )
        fetched = await fake.slash("ingest", {"url": page["url"]}, user=fake.admin)
        assert "Added **Harbour bridge reopens**" in (await fetched.wait_edit(timeout=20)).content
        assert engine.stats().articles == 3

        # /forget with autocomplete on titles
        choices = await fake.autocomplete("forget", {"article": "voss"}, user=fake.admin)
        assert [c["name"] for c in choices] == ["Glacier Lake Voss drained overnight"]
        assert await fake.autocomplete("forget", {"article": "voss"}, user=fake.member) == []
        gone = await fake.slash("forget", {"article": choices[0]["value"]}, user=fake.admin)
        assert "Forgot **Glacier Lake Voss drained overnight**" in (await gone.wait_edit()).content
        assert engine.stats().articles == 2
        assert not (uploads / "voss-lake.md").exists()
        missing = await fake.slash("forget", {"article": "no such article"}, user=fake.admin)
        assert "No indexed article" in (await missing.wait_edit()).content

    # the fake's CDN is on 127.0.0.1, which /ingest url: refuses unless it is allowed
    run_scenario(
        engine, scenario, timeout=60, settings=lambda fake: {"ingest_allowed_hosts": ["127.0.0.1"]}
    )


def test_article_mentioning_everyone_pings_no_one(engine: Engine, tmp_path: Path) -> None:
    article = tmp_path / "voss.md"
    article.write_text(ARTICLE)
    engine.index([article], prune=False)

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        msg = await fake.send_message(
            "What did the mayor say about the river banks?", mentions_bot=True
        )
        reply = await fake.wait_for_reply(msg, timeout=15)
        assert_no_pings(reply)
        assert "@everyone" not in reply.text and "@\u200beveryone" in reply.text
        assert "\\*rescue\\*" in reply.text  # markdown in articles is shown, not applied
        press = await fake.press_button(reply, sources_id(reply))
        shown = await press.wait_message()
        assert_no_pings(shown)
        assert "@everyone" not in shown.content and "@\u200beveryone" in shown.content
        assert "<@&123456789012345678>" not in shown.content

    run_scenario(engine, scenario)


def test_long_answer_is_split_and_keeps_its_sources(engine: Engine) -> None:
    paragraph = "The strike hit a border village. " * 33  # ~1,100 characters
    long_text = "\n\n".join(f"{paragraph.strip()} [{i % 2 + 1}]" for i in range(4))
    citations = [
        Citation(
            n=n,
            doc_id=f"doc{n}",
            title=f"Article {n}",
            quote="The strike hit.",
            start=0,
            end=15,
            passage="The strike hit. " * 40,
            url=f"https://example.com/{n}",
        )
        for n in (1, 2)
    ]
    engine.ask = lambda q, k=None: Answer(  # type: ignore[method-assign]
        question=q, answer=long_text, refused=False, citations=citations
    )

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        msg = await fake.send_message("Tell me everything", mentions_bot=True)
        first = await fake.wait_for_reply(msg)
        parts = await fake.wait_until(
            lambda: fake.bot_messages() if fake.bot_messages()[-1].custom_ids else None
        )
        assert len(parts) == 4 and parts[0] is first
        assert all(len(p.content) <= 2000 for p in parts)
        assert all(p.content.rstrip().endswith(("[1]", "[2]")) for p in parts)  # paragraph cuts
        assert " ".join(p.content for p in parts).split() == long_text.split()
        assert [bool(p.embeds) for p in parts] == [False] * (len(parts) - 1) + [True]
        assert parts[-1].embeds[0]["title"] == "Sources"
        for p in parts:
            assert_no_pings(p)

        handle = await fake.slash("ask", {"question": "Tell me everything"})
        await handle.wait_edit()
        await handle.wait_until(
            lambda: (handle.followups and handle.followups[-1].custom_ids) or None
        )
        sent = handle.messages()
        assert len(sent) == 4 and sent[-1].embeds and not sent[0].embeds

    run_scenario(engine, scenario)


def test_handler_errors_are_reported_politely_and_the_bot_stays_up(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    real_ask = engine.ask

    def broken(question: str, k: int | None = None) -> Answer:
        raise RuntimeError("the store caught fire")

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        engine.ask = broken  # type: ignore[method-assign]
        msg = await fake.send_message(KILLED, mentions_bot=True)
        reply = await fake.wait_for_reply(msg)
        error_id = re.search(r"error id `([0-9a-f]{8})`", reply.content)
        assert error_id and "Sorry" in reply.content
        assert f"error {error_id[1]} in a channel question" in caplog.text
        assert "the store caught fire" in caplog.text  # the traceback is in the log

        handle = await fake.slash("ask", {"question": KILLED})
        failed = await handle.wait_edit()
        assert "error id" in failed.content and not failed.loading

        # bad input: a plain sentence, no error id
        empty = await fake.send_message("", mentions_bot=True)
        assert "Ask me something" in (await fake.wait_for_reply(empty)).content
        long = await fake.slash("ask", {"question": "why?" * 1000})
        refused = await long.wait_message()
        assert refused.ephemeral and "too long (4,000 characters" in refused.content

        engine.ask = real_ask  # type: ignore[method-assign]
        ok = await fake.send_message(KILLED, mentions_bot=True)
        assert "[1]" in (await fake.wait_for_reply(ok, timeout=15)).content
        assert fake.errors == []

    run_scenario(engine, scenario)


def test_rate_limit_is_per_user_and_friendly(engine: Engine) -> None:
    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        for _ in range(2):
            msg = await fake.send_message(KILLED, mentions_bot=True)
            assert "[1]" in (await fake.wait_for_reply(msg, timeout=15)).content
        msg = await fake.send_message(KILLED, mentions_bot=True)
        limited = await fake.wait_for_reply(msg)
        assert "2 questions a minute" in limited.content and "Try again in" in limited.content
        handle = await fake.slash("ask", {"question": KILLED})
        assert (await handle.wait_message()).ephemeral
        other = await fake.send_message(KILLED, mentions_bot=True, author=fake.admin)
        assert "[1]" in (await fake.wait_for_reply(other, timeout=15)).content

    run_scenario(engine, scenario, settings=lambda fake: {"rate_limit_per_minute": 2})


def test_reindex_shows_progress_runs_once_and_questions_go_on(engine: Engine) -> None:
    gate = threading.Event()
    real_index = engine.index

    def slow_index(*args: object, **kwargs: object):  # noqa: ANN202
        assert gate.wait(20)
        return real_index(*args, **kwargs)

    engine.index = slow_index  # type: ignore[method-assign]

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        first = await fake.slash("reindex", {}, user=fake.admin)
        started = await first.wait_response()
        assert started["data"]["content"].startswith("Re-indexing")
        second = await fake.slash("reindex", {}, user=fake.owner)
        busy = await second.wait_message()
        assert busy.ephemeral and "already running" in busy.content
        msg = await fake.send_message(KILLED, mentions_bot=True)
        assert "[1]" in (await fake.wait_for_reply(msg, timeout=15)).content
        gate.set()
        final = await first.wait_until(
            lambda: first.original if "unchanged" in first.original.content else None, 20
        )
        assert "0 added, 0 updated, 1 unchanged, 0 removed, 0 skipped" in final.content

    run_scenario(engine, scenario)


def test_answers_run_off_the_event_loop_with_bounded_concurrency(engine: Engine) -> None:
    real_ask = engine.ask
    running: list[int] = [0, 0]  # now, most at once
    lock = threading.Lock()

    def counted(question: str, k: int | None = None) -> Answer:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        try:
            # Answers take milliseconds now; a slow engine call (in its worker thread) keeps
            # the window long enough to see the event loop heartbeat while answers run.
            time.sleep(0.3)
            return real_ask(question, k)
        finally:
            with lock:
                running[0] -= 1

    engine.ask = counted  # type: ignore[method-assign]

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        users = [fake.add_user(f"reader{i}") for i in range(6)]
        first_beat = len(fake.heartbeats)
        sent = [await fake.send_message(KILLED, mentions_bot=True, author=u) for u in users]
        replies = await asyncio.gather(*(fake.wait_for_reply(m, timeout=30) for m in sent))
        assert all("[1]" in r.content for r in replies)
        assert running[1] == 2  # NEWSBOT_MAX_CONCURRENT_ANSWERS
        beats = fake.heartbeats[first_beat:]
        assert len(beats) >= 3 and all(b.acked_at is not None for b in beats[:-1])
        gaps = [b.sent_at - a.sent_at for a, b in zip(beats, beats[1:], strict=False)]
        assert max(gaps) < 0.1 + 1.0, gaps  # the loop never stalled for a second

    run_scenario(
        engine,
        scenario,
        fake_kwargs={"heartbeat_interval_ms": 100},
        settings=lambda fake: {"max_concurrent_answers": 2},
    )
