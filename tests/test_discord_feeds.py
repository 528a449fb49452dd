"""`/feed` and the background poller of `newsbot serve`: the real discord.py client against the
fake Discord, feeds served by a real HTTP server on 127.0.0.1 (allow-listed), and the real
engine; a poll running beside a `/reindex` and questions loses nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.discord.client import NewsBot
from index.engine import Engine
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord
from tests.feed_site import PAGES, Site, atom, feed_site

KILLED = "How many people did the Pakistani strike kill?"


@pytest.fixture
def engine(make_engine) -> Engine:  # noqa: ANN001 - conftest fixture
    engine = make_engine(ingest_allowed_hosts=["127.0.0.1"], feed_interval=0.05)
    engine.index()
    return engine


@pytest.fixture
def site() -> Iterator[Site]:
    with feed_site() as site:
        site.put("/chipmaker", (PAGES / "chipmaker.html").read_text())
        chip = ("Voltera cuts jobs", f"{site.root}/chipmaker", "2026-11-26T10:00:00Z", "Jobs")
        site.put("/atom.xml", atom([chip]), "application/atom+xml")
        yield site


def test_feed_commands_and_polling_beside_a_reindex_and_questions(
    engine: Engine, site: Site
) -> None:
    chip_url = f"{site.root}/chipmaker"
    poll_indexing = threading.Event()
    real_index = engine.index

    def index(paths=None, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        # The /reindex (no paths) waits until the poll's indexing has begun too: both runs are
        # in flight at once, and the engine's write lock makes them take turns.
        if paths is None:
            assert poll_indexing.wait(30)
        else:
            poll_indexing.set()
        return real_index(paths, *args, **kwargs)

    engine.index = index  # type: ignore[method-assign]

    async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
        await fake.wait_for_sync()
        refused = await fake.slash(
            "feed add", {"url": f"{site.root}/atom.xml"}, user=fake.member, bypass_permissions=True
        )
        assert "Manage Server" in (await refused.wait_message()).content

        added = await fake.slash("feed add", {"url": f"{site.root}/atom.xml"}, user=fake.admin)
        assert "Following **techledger**" in (await added.wait_edit(timeout=20)).content
        reindex = await fake.slash("reindex", {}, user=fake.admin)
        question = await fake.send_message(KILLED, mentions_bot=True)
        assert "[1]" in (await fake.wait_for_reply(question, timeout=30)).content
        await reindex.wait_until(
            lambda: reindex.original if "unchanged" in reindex.original.content else None, 60
        )
        await fake.wait_until(lambda: chip_url in engine.store.articles() or None, 60)
        polls = bot.feed_poller.polls
        await fake.wait_until(lambda: bot.feed_poller.polls >= polls + 2 or None, 30)
        assert site.statuses.count(("/chipmaker", 200)) == 1  # fetched once, then 304s

        asked = await fake.send_message("How many jobs will Voltera cut?", mentions_bot=True)
        reply = await fake.wait_for_reply(asked, timeout=30)
        assert "1,200" in reply.content, reply.content
        within = await fake.slash(
            "ask", {"question": "How many jobs will Voltera cut?", "source": "TechLedger"}
        )
        assert "1,200" in (await within.wait_edit(timeout=30)).content
        bad = await fake.slash("ask", {"question": "Who won?", "since": "soon"})
        assert "not a date like 2026-11-28" in (await bad.wait_message()).content

        listed = await fake.slash("feed list", {}, user=fake.admin)
        assert "**techledger**" in (await listed.wait_edit()).content
        choices = await fake.autocomplete("feed remove", {"feed": "tech"}, user=fake.admin)
        assert [c["value"] for c in choices] == ["techledger"]
        engine.forget(chip_url)  # the feed's one article, gone before the feed is
        removed = await fake.slash("feed remove", {"feed": "techledger"}, user=fake.admin)
        said = (await removed.wait_edit()).content
        assert "Stopped following **techledger**" in said
        assert "none of the articles it brought is indexed now" in said, said

    run_scenario(engine, scenario, timeout=180)
    articles = engine.store.articles()
    assert chip_url not in articles and len(articles) == 1  # the seed; the feed's was forgotten
