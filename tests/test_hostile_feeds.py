"""Hostile feeds against a real index, served from 127.0.0.1 in the test: a feed that claims
another site's article through its summary, its metadata or a guid another feed uses; a feed with
thousands of entries; entries linking to loopback in its short forms (`127.1`, `2130706433`).

Two sites on one machine: the feed is served as `127.0.0.1:PORT`, the article it attacks lives
at `localhost:PORT` (another host, so another site to the identity rule); both allow-listed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from index.engine import Engine
from index.ingest.feed_list import Feed, FeedList
from index.ingest.feed_poll import PollReport, poll_feeds
from tests.conftest import free_port
from tests.feed_site import PAGES, Site, feed_site, rss

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
GENUINE = "The harbour reopened on Monday after repairs that cost 4 million euros."
FALSE = "The harbour stays closed until 2030 because the quay collapsed, officials said."


@pytest.fixture
def site() -> Iterator[Site]:
    with feed_site() as site:
        yield site


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return make_engine(ingest_allowed_hosts=["127.0.0.1", "localhost"])


def _follow(engine: Engine, site: Site, *names: str) -> None:
    with FeedList(engine.settings.data_dir).changing() as current:
        for name in names:
            current.feeds.append(Feed(url=f"{site.root}/{name}.xml", name=name))


def _index_genuine(engine: Engine, tmp_path: Path, url: str) -> None:
    """The real article, indexed from the operator's own file (as a news site's corpus is)."""
    path = tmp_path / "genuine.json"
    record = {"title": "Harbour reopens", "body": GENUINE, "url": url, "source": "News Example"}
    path.write_text(json.dumps(record))
    assert engine.index([path], prune=False).added == [url]


def _bodies(engine: Engine) -> dict[str, str]:
    return {doc_id: engine.article_body(doc_id) or "" for doc_id in engine.store.articles()}


def _outcome(report: PollReport, name: str):  # noqa: ANN202
    return next(o for o in report.outcomes if o.feed == name)


@pytest.mark.parametrize("page", ["404", "no server"])
def test_a_feed_summary_cannot_replace_another_sites_article(
    engine: Engine, site: Site, tmp_path: Path, page: str
) -> None:
    port = site.root.rsplit(":", 1)[1] if page == "404" else str(free_port())
    genuine = f"http://localhost:{port}/a"  # 404 here, or nothing listening at all
    _index_genuine(engine, tmp_path, genuine)
    item = ("Harbour reopens", genuine, "Sun, 29 Nov 2026 08:00:00 GMT", FALSE)
    site.put("/evil.xml", rss([item]), "application/rss+xml")
    _follow(engine, site, "evil")

    report = poll_feeds(engine, now=NOW)
    outcome = _outcome(report, "evil")
    assert outcome.added == [] and outcome.fallbacks == 0
    assert len(outcome.unread) == 1 and "another site" in outcome.unread[0]
    bodies = _bodies(engine)
    assert bodies[genuine] == GENUINE  # still the genuine article, under its url
    assert not any("2030" in body for body in bodies.values())  # the summary is nowhere
    answer = engine.ask("When does the harbour reopen?")
    assert "2030" not in answer.answer and all(c.url == genuine for c in answer.citations)


def test_a_feed_summary_still_stands_in_for_an_article_of_its_own_site(
    engine: Engine, site: Site
) -> None:
    own = f"{site.root}/gone"  # the feed's own site; the page answers 404
    item = ("Quay works", own, "Sun, 29 Nov 2026 08:00:00 GMT", "The quay works start in May.")
    site.put("/own.xml", rss([item]), "application/rss+xml")
    _follow(engine, site, "own")
    outcome = _outcome(poll_feeds(engine, now=NOW), "own")
    assert outcome.added == ["Quay works"] and outcome.fallbacks == 1 and outcome.unread == []
    assert engine.article_body(own) == "The quay works start in May."


@pytest.mark.parametrize("through", ["its link", "a redirect from the feed's own site"])
def test_a_feed_cannot_retitle_or_redate_another_sites_page(
    engine: Engine, site: Site, through: str
) -> None:
    site.put("/chipmaker", (PAGES / "chipmaker.html").read_text())
    page = f"http://localhost:{site.root.rsplit(':', 1)[1]}/chipmaker"  # served, another site
    link = page
    if through != "its link":
        site.redirects["/go"] = page
        link = f"{site.root}/go"
    item = ("Voltera denies all job cuts", link, "Mon, 01 Jan 1990 00:00:00 GMT", "No cuts")
    site.put("/evil.xml", rss([item]), "application/rss+xml")
    _follow(engine, site, "evil")
    poll_feeds(engine, now=NOW)
    record = engine.store.articles()[page]
    assert "1,200" in (engine.article_body(page) or "")  # the genuine page, under its url
    assert record.title != "Voltera denies all job cuts"
    assert not record.published_at.startswith("1990")


def test_two_feeds_with_the_same_guid_keep_both_articles(engine: Engine, site: Site) -> None:
    for name, text in (("first", "The ferry runs twice a day."), ("second", "Bridge tolls rise.")):
        body = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>' + name + "</title>"
            f"<item><title>{name}</title><guid isPermaLink='false'>1</guid>"
            f"<description>{text}</description></item></channel></rss>"
        )
        site.put(f"/{name}.xml", body, "application/rss+xml")
    _follow(engine, site, "first")
    poll_feeds(engine, now=NOW)
    _follow(engine, site, "second")
    poll_feeds(engine, ["second"], now=NOW)
    bodies = sorted(_bodies(engine).values())
    assert bodies == ["Bridge tolls rise.", "The ferry runs twice a day."]


def _many(root: str, count: int) -> str:
    """An RSS feed of `count` entries, listed oldest first (so "newest first" is the poll's
    doing, not the feed's order), each linking to a page of its own on the test's site."""
    items = [
        (
            f"Entry {i}",
            f"{root}/e{i}",
            format_datetime(datetime(2026, 1, 1, tzinfo=UTC).replace(minute=i % 60, hour=i // 60)),
            f"Summary {i}",
        )
        for i in range(count)
    ]
    return rss(items)


def test_a_huge_feed_is_taken_newest_first_a_capped_number_per_poll(
    make_engine: Callable[..., Engine], site: Site
) -> None:
    engine = make_engine(ingest_allowed_hosts=["127.0.0.1"], feed_max_entries=5)
    for i in range(12):
        text = f"Entry {i}\n\nThe council met for the {i}th time this year."
        site.put(f"/e{i}", text, "text/plain")
    site.put("/big.xml", _many(site.root, 12), "application/rss+xml")
    _follow(engine, site, "big")

    first = _outcome(poll_feeds(engine, now=NOW), "big")
    assert set(first.added) == {f"Entry {i}" for i in (11, 10, 9, 8, 7)} and first.left == 7
    assert sum(site.requests[f"/e{i}"] for i in range(12)) == 5  # no other page fetched
    second = _outcome(poll_feeds(engine, now=NOW), "big")  # the feed is read again, not 304
    assert set(second.added) == {f"Entry {i}" for i in (6, 5, 4, 3, 2)} and second.left == 2
    third = _outcome(poll_feeds(engine, now=NOW), "big")
    assert set(third.added) == {"Entry 1", "Entry 0"} and third.left == 0
    assert len(engine.store.articles()) == 12
    site.reset_counts()
    assert _outcome(poll_feeds(engine, now=NOW), "big").status == "unchanged"
    assert site.statuses == [("/big.xml", 304)]


def test_the_feed_cap_has_a_default_and_is_documented() -> None:
    from index.settings import Settings

    default = Settings.model_fields["feed_max_entries"].default
    assert 10 <= default <= 200
    root = Path(__file__).resolve().parent.parent
    assert f"NEWSBOT_FEED_MAX_ENTRIES={default}" in (root / ".env.example").read_text()
    reference = (root / "docs/guide/settings.md").read_text()
    assert f"`NEWSBOT_FEED_MAX_ENTRIES` | `{default}`" in reference


@pytest.mark.parametrize(
    "host", ["127.1", "2130706433", "0x7f.1", "0177.0.0.1", "0x7f000001", "127.0.1", "10.1"]
)
def test_entries_linking_to_short_form_loopback_are_not_indexed(
    engine: Engine, site: Site, host: str
) -> None:
    port = site.root.rsplit(":", 1)[1]
    link = f"http://{host}:{port}/secret"
    site.put("/secret", "Internal\n\nThe admin password is hunter2.", "text/plain")
    item = ("Internal", link, "Sun, 29 Nov 2026 08:00:00 GMT", "The admin password is hunter2.")
    site.put("/sneaky.xml", rss([item]), "application/rss+xml")
    _follow(engine, site, "sneaky")
    outcome = _outcome(poll_feeds(engine, now=NOW), "sneaky")
    assert outcome.added == [] and outcome.fallbacks == 0
    assert len(outcome.refused) == 1 and "not a public address" in outcome.refused[0]
    assert site.requests["/secret"] == 0
    assert engine.store.articles() == {}
