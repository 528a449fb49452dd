"""The followed feeds as front ends reach them, through `Engine.feeds_for`: follow, list,
unfollow, poll. Where the feed file lives (`<data_dir>/feeds.json`) is known here and below, never
in a front end. Following, listing and a poll that finds nothing new need no open engine; a poll
with something to index makes one (the front end says how)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from index.ingest.feed_list import FeedList
from index.results import FeedStatus, PollReport, Unfollowed
from index.settings import Settings

if TYPE_CHECKING:
    from index.ingest.feed_poll import PollingEngine


class Feeds:
    def __init__(
        self, settings: Settings, engine: PollingEngine | Callable[[], PollingEngine]
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._list = FeedList(settings.data_dir)

    def follow(self, url: str, name: str | None = None) -> tuple[FeedStatus, str]:
        """Follow the feed at `url` (fetched now, to check it is one); the feed and its own
        title. `FetchRefused` when it cannot be had, `FeedExists` when followed already."""
        from index.ingest.feeds import follow
        from index.ingest.web_fetch import FetchLimits

        feed, title = follow(self._list, url, name, FetchLimits.from_settings(self.settings))
        return feed.status(), title

    def unfollow(self, url_or_name: str) -> Unfollowed:
        """Stop following a feed (its articles stay indexed), with how many of the articles it
        brought are still indexed (some may have been forgotten); `FeedNotFound` when none is."""
        from index.ingest.feeds import unfollow

        feed = unfollow(self._list, url_or_name)
        brought = {seen.article for seen in feed.entries.values() if seen.article}
        left = len(brought & set(self._engine_now().store.articles())) if brought else 0
        return Unfollowed(feed.status(), left)

    def _engine_now(self) -> PollingEngine:
        return self._engine() if callable(self._engine) else self._engine

    def list(self) -> list[FeedStatus]:
        return [feed.status() for feed in self._list.read().feeds]

    def article_ids(self, url_or_name: str) -> set[str]:
        """The ids of the articles one feed brought; `FeedNotFound` when none is followed."""
        feed = self._list.read().find(url_or_name)
        return {seen.article for seen in feed.entries.values() if seen.article}

    def poll(self, names: list[str] | None = None, force: bool = True) -> PollReport:
        """Poll the feeds (all, or those named) once and index what is new; `force=False` (the
        background poller) skips feeds still backing off. `PollRunning` when another process
        polls them now."""
        from index.ingest.feed_poll import poll_feeds

        return poll_feeds(self._engine, names, force, settings=self.settings)
