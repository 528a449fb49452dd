"""Feeds end to end against a real HTTP server on 127.0.0.1 (allow-listed here): RSS 2.0,
Atom and RSS 1.0 feeds and their article pages, polled into a real index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from index.engine import Engine
from index.ingest.feed_list import Feed, FeedList
from index.ingest.feed_poll import PollReport, poll_feeds
from tests.feed_site import PAGES, Site, atom, feed_site, rdf, rss

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest.fixture
def site() -> Iterator[Site]:
    with feed_site() as site:
        r = site.root
        for page in ("harbour", "chipmaker", "drought", "liveblog"):
            site.put(f"/{page}", (PAGES / f"{page}.html").read_text())
        site.put(
            "/rss.xml",
            rss(
                [
                    (
                        "Harbour expansion approved",
                        f"{r}/harbour",
                        "Fri, 27 Nov 2026 08:15:00 GMT",
                        "Council votes",
                    ),
                    ("Drought limits", f"{r}/drought", "Sat, 28 Nov 2026 05:00:00 GMT", "Water"),
                ]
            ),
            "application/rss+xml",
        )
        site.put("/atom.xml", _atom(r, "2026-11-26T10:00:00Z"), "application/atom+xml")
        site.put(
            "/rdf.xml", rdf([("Storm Ingrid", f"{r}/liveblog", "Storm")]), "application/rdf+xml"
        )
        yield site


def _atom(root: str, updated: str, extra: list[tuple[str, str, str, str]] = ()) -> str:
    chip = ("Voltera cuts jobs", f"{root}/chipmaker", updated, "Voltera to cut 1,200 jobs")
    return atom([chip, *extra])


@pytest.fixture
def engine(make_engine: Callable[..., Engine], site: Site) -> Engine:
    engine = make_engine(ingest_allowed_hosts=["127.0.0.1"], feed_interval=30)
    with FeedList(engine.settings.data_dir).changing() as current:
        for name in ("rss", "atom", "rdf"):
            current.feeds.append(Feed(url=f"{site.root}/{name}.xml", name=name))
    return engine


def _outcome(report: PollReport, name: str):  # noqa: ANN202
    return next(o for o in report.outcomes if o.feed == name)


def test_polled_feeds_answer_and_an_unchanged_feed_costs_one_request(
    engine: Engine, site: Site
) -> None:
    report = poll_feeds(engine, now=NOW)
    assert report.index is not None and len(report.index.added) == 4, report
    assert _outcome(report, "atom").added == ["Voltera cuts jobs"]
    answer = engine.ask("How many jobs will Voltera cut?")
    assert f"{site.root}/chipmaker" in {c.url for c in answer.citations}, answer
    assert not answer.refused and "1,200" in answer.answer
    listed = {r.source for r in engine.store.articles().values()}
    assert {"The Coastline Courier", "TechLedger", "Northern Post"} <= listed

    for _ in range(2):  # the 304 carries no ETag: the next poll still sends the first one
        site.reset_counts()
        report = poll_feeds(engine, now=NOW)
        assert report.index is None and report.added == 0
        # each feed: one request, answered 304 (not modified); no page fetched
        unchanged = [("/atom.xml", 304), ("/rdf.xml", 304), ("/rss.xml", 304)]
        assert sorted(site.statuses) == unchanged


def test_a_new_entry_is_added_alone_and_a_changed_page_replaces_its_article(
    engine: Engine, site: Site
) -> None:
    poll_feeds(engine, now=NOW)
    r = site.root
    site.put("/storm-update", (PAGES / "liveblog.html").read_text().replace("40,000", "52,000"))
    new = ("Storm update", f"{r}/storm-update", "2026-11-29T09:00:00Z", "More homes dark")
    site.put("/atom.xml", _atom(r, "2026-11-26T10:00:00Z", [new]), "application/atom+xml")
    site.reset_counts()
    report = poll_feeds(engine, now=NOW)
    assert report.index is not None and report.index.added == [f"{r}/storm-update"]
    assert site.requests["/storm-update"] == 1 and site.requests["/chipmaker"] == 0

    chip = (PAGES / "chipmaker.html").read_text().replace("1,200 jobs", "1,500 jobs")
    site.put("/chipmaker", chip)
    site.put("/atom.xml", _atom(r, "2026-11-27T10:00:00Z", [new]), "application/atom+xml")
    report = poll_feeds(engine, now=NOW)
    assert report.index is not None and report.index.updated == [f"{r}/chipmaker"]
    assert "1,500 jobs" in (engine.article_body(f"{r}/chipmaker") or "")


def test_a_failing_feed_backs_off_and_the_others_are_still_polled(
    engine: Engine, site: Site
) -> None:
    site.failing.add("/rss.xml")
    for _ in range(3):
        report = poll_feeds(engine, now=NOW)
        assert "answered 500" in (_outcome(report, "rss").error or "")
    assert {o.feed for o in report.outcomes if o.status != "failed"} == {"atom", "rdf"}
    feed = FeedList(engine.settings.data_dir).read().find("rss")
    assert feed.failures == 3 and feed.last_success is None
    assert feed.retry_at == (NOW + timedelta(minutes=30 * 2**3)).isoformat()
    site.reset_counts()
    report = poll_feeds(engine, force=False, now=NOW + timedelta(hours=1))
    assert _outcome(report, "rss").status == "waiting"
    assert site.requests["/rss.xml"] == 0 and site.requests["/atom.xml"] == 1
    site.failing.clear()
    report = poll_feeds(engine, force=False, now=NOW + timedelta(hours=5))
    assert len(_outcome(report, "rss").added) == 2
    feed = FeedList(engine.settings.data_dir).read().find("rss")
    assert feed.failures == 0 and feed.last_error is None and feed.articles_added == 2


def test_an_entry_pointing_at_a_private_address_is_refused(engine: Engine, site: Site) -> None:
    """127.0.0.1 is allowed (the test site); another loopback address is not. (localhost,
    which resolves to the allowed address, is admitted: see test_url_guard.py.)"""
    port = site.root.rsplit(":", 1)[1]
    sneaky = ("Internal", f"http://127.0.0.2:{port}/drought", "2026-11-28T05:00:00Z", "secret")
    site.put(
        "/atom.xml", _atom(site.root, "2026-11-26T10:00:00Z", [sneaky]), "application/atom+xml"
    )
    report = poll_feeds(engine, ["atom"], now=NOW)
    outcome = _outcome(report, "atom")
    assert outcome.added == ["Voltera cuts jobs"]
    assert len(outcome.refused) == 1 and "loopback address 127.0.0.2" in outcome.refused[0]
    assert site.requests["/drought"] == 0
    assert f"http://127.0.0.2:{port}/drought" not in engine.store.articles()


def test_old_feed_articles_are_forgotten_when_a_max_age_is_set(
    make_engine: Callable[..., Engine], site: Site
) -> None:
    engine = make_engine(ingest_allowed_hosts=["127.0.0.1"], feed_max_age_days=2)
    with FeedList(engine.settings.data_dir).changing() as current:
        current.feeds.append(Feed(url=f"{site.root}/rss.xml", name="rss"))
    report = poll_feeds(engine, now=NOW)
    # harbour (27 Nov) is older than two days on 29 Nov 09:00; drought (28 Nov) is not
    assert report.forgotten == ["Harbour expansion approved"]
    assert set(engine.store.articles()) == {f"{site.root}/drought"}
    assert poll_feeds(engine, now=NOW).index is None  # not added again
