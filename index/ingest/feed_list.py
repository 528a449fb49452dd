"""The followed feeds: `<data_dir>/feeds.json`, written whole (temp file + rename) under a file
lock, so the command line and a serving bot can both change it without losing either's change.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from filelock import FileLock
from pydantic import BaseModel, Field

from index.errors import NewsbotError
from index.results import FeedStatus

MAX_REMEMBERED = 5_000  # entries remembered per feed (a feed lists its latest few dozen)


class FeedNotFound(NewsbotError):
    """`feed remove` (or a filter) names no followed feed."""


class SeenEntry(BaseModel):
    fingerprint: str  # what the feed said of the entry (its dates, title, summary)
    article: str = ""  # the indexed article's id ("" when the page could not be had)


class Feed(FeedStatus):
    """A followed feed as feeds.json keeps it: its status, and what the next poll needs."""

    etag: str | None = None
    last_modified: str | None = None
    entries: dict[str, SeenEntry] = Field(default_factory=dict)

    def due(self, now: datetime) -> bool:
        return self.retry_at is None or datetime.fromisoformat(self.retry_at) <= now

    def status(self) -> FeedStatus:
        """What a reader is shown of it (no entries, no conditional-GET validators)."""
        return FeedStatus.model_validate(self.model_dump(include=set(FeedStatus.model_fields)))


class FeedExists(NewsbotError):
    """`feed add` of a url already followed, or a name already taken."""


class FeedFile(BaseModel):
    feeds: list[Feed] = Field(default_factory=list)

    def find(self, url_or_name: str) -> Feed:
        wanted = url_or_name.strip()
        for feed in self.feeds:
            if wanted in (feed.url, feed.name) or wanted.casefold() == feed.name.casefold():
                return feed
        names = ", ".join(f.name for f in self.feeds) or "none yet (newsbot feed add URL)"
        raise FeedNotFound(f"no followed feed has the url or name {wanted!r}; feeds: {names}")

    def add(self, url: str, name: str) -> Feed:
        if any(f.url == url for f in self.feeds):
            raise FeedExists(f"already following {url}")
        if any(f.name.casefold() == name.casefold() for f in self.feeds):
            raise FeedExists(f"a feed is already named {name!r}: choose another name")
        feed = Feed(url=url, name=name)
        self.feeds.append(feed)
        return feed


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "feed"


class FeedList:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "feeds.json"
        self.articles_folder = data_dir / "feed-articles"
        self._lock = FileLock(str(data_dir / ".feeds.json.lock"))

    def read(self) -> FeedFile:
        if not self.path.exists():
            return FeedFile()
        return FeedFile.model_validate_json(self.path.read_text(encoding="utf-8"))

    @contextlib.contextmanager
    def changing(self) -> Iterator[FeedFile]:
        """The feed file to change in place; written back whole when the block ends."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            current = self.read()
            yield current
            for feed in current.feeds:
                if len(feed.entries) > MAX_REMEMBERED:
                    feed.entries = dict(list(feed.entries.items())[-MAX_REMEMBERED:])
            tmp = self.path.with_name(f".{self.path.name}.part")
            tmp.write_text(current.model_dump_json(indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
