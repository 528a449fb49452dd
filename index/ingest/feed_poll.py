"""One poll of the followed feeds into the index, and the retention of feed articles.

One poll at a time across processes (a lock file beside feeds.json); the indexing itself runs
through `Engine.index`, under the engine's write lock, so a poll and a `/reindex` take turns and
neither loses the other's work (a poll's files are outside the sources a re-index prunes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from index.errors import PollRunning
from index.ingest.feed_list import Feed, FeedList
from index.ingest.feeds import FetchedFeed, poll_one, record_outcome
from index.ingest.web_fetch import FetchLimits
from index.results import FeedOutcome, IndexReport, PollReport
from index.settings import Settings

log = logging.getLogger(__name__)


class PollingEngine(Protocol):
    """What a poll needs of the engine (named, not imported: the engine hands out the feeds)."""

    settings: Settings
    store: Any

    def index(
        self, paths: list[Path] | None = None, progress: Any = None, prune: bool = True
    ) -> IndexReport: ...

    def forget(self, id_or_path: str) -> str: ...


class _Lazy:
    """The engine, made on first use."""

    def __init__(self, make: Callable[[], PollingEngine], settings: Settings) -> None:
        self._make, self.settings = make, settings
        self._engine: PollingEngine | None = None

    def __getattr__(self, name: str) -> Any:
        if self._engine is None:
            self._engine = self._make()
        return getattr(self._engine, name)


def poll_feeds(
    engine: PollingEngine | Callable[[], PollingEngine],
    names: list[str] | None = None,
    force: bool = True,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> PollReport:
    """Poll the feeds (all, or those named) once and index what is new.

    `engine` may be a function that makes it, with `settings`: then a poll that finds nothing
    new (every feed answering 304) never loads the engine. `force=False` (the background
    poller) skips feeds still backing off after failures.
    """
    if callable(engine):  # a factory: an Engine is not callable
        if settings is None:
            raise TypeError("poll_feeds needs settings with an engine factory")
        engine = _Lazy(engine, settings)
    feeds = FeedList(engine.settings.data_dir)
    lock = FileLock(str(feeds.path.with_name(".feeds.poll.lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise PollRunning("another feed poll is running; try again when it is done") from None
    try:
        return _poll(engine, feeds, names, force, now or datetime.now(UTC))
    finally:
        lock.release()


def _poll(
    engine: PollingEngine, feeds: FeedList, names: list[str] | None, force: bool, now: datetime
) -> PollReport:
    listed = feeds.read()
    chosen = [listed.find(n) for n in names] if names else listed.feeds
    due = [f for f in chosen if force or f.due(now)]
    report = PollReport()
    report.outcomes = [
        FeedOutcome(f.name, "waiting", error=f.last_error) for f in chosen if f not in due
    ]
    limits = FetchLimits.from_settings(engine.settings)
    fetched = asyncio.run(_fetch(due, limits, feeds, engine.settings.feed_max_entries))
    files = [path for got in fetched for path in got.outcome.files.values()]
    if files:
        report.index = engine.index(files, prune=False)
        _name_added(engine, fetched, report.index)
    interval = engine.settings.feed_interval
    with feeds.changing() as current:
        for got, feed in zip(fetched, due, strict=True):
            still = next((f for f in current.feeds if f.url == feed.url), None)
            if still is not None:  # not removed while this poll ran
                record_outcome(still, got, now, interval)
                still.articles_added += len(got.outcome.added)
    report.outcomes = [got.outcome for got in fetched] + report.outcomes
    max_age = engine.settings.feed_max_age_days
    if max_age is not None:
        report.forgotten = forget_old(engine, feeds, now - timedelta(days=max_age))
    return report


async def _fetch(
    due: list[Feed], limits: FetchLimits, feeds: FeedList, max_entries: int
) -> list[FetchedFeed]:
    folder = feeds.articles_folder
    return list(await asyncio.gather(*(poll_one(f, limits, folder, max_entries) for f in due)))


def _name_added(engine: PollingEngine, fetched: list[FetchedFeed], index: IndexReport) -> None:
    """Each feed's outcome lists the titles this poll indexed (new or replaced)."""
    changed = set(index.added) | set(index.updated)
    records = engine.store.articles()
    for got in fetched:
        for seen in got.seen.values():
            if seen.article in changed and seen.article in records:
                got.outcome.added.append(records[seen.article].title)


def forget_old(engine: PollingEngine, feeds: FeedList, cutoff: datetime) -> list[str]:
    """Forget feed articles published before `cutoff`; their entries stay remembered, so a feed
    that still lists them does not add them again."""
    records = engine.store.articles()
    forgotten: list[str] = []
    with feeds.changing() as current:
        for feed in current.feeds:
            for seen in feed.entries.values():
                record = records.get(seen.article)
                if record is None or not _older(record.published_at, cutoff):
                    continue
                records.pop(record.id)  # another feed may list the same article
                forgotten.append(engine.forget(record.id))
                _drop_file(feeds.articles_folder, Path(record.origin))
                seen.article = ""
    return forgotten


def _drop_file(folder: Path, origin: Path) -> None:
    """Delete a forgotten article's file when a feed wrote it (files elsewhere are left)."""
    if origin.name and origin.resolve().parent == folder.resolve():
        origin.unlink(missing_ok=True)


def _older(published_at: str, cutoff: datetime) -> bool:
    try:
        when = datetime.fromisoformat(published_at)
    except ValueError:
        return False  # no date: kept
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < cutoff
