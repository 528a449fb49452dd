"""Following RSS and Atom feeds: add, remove, and poll them into the index.

A poll fetches each due feed with conditional GET (an unchanged feed answers 304: one request,
nothing else), parses it with feedparser (RSS 2.0, RSS 1.0, Atom), and fetches the page of each
entry it has not seen, or whose feed item changed (dates, title or summary), through the url
guard: the newest `NEWSBOT_FEED_MAX_ENTRIES` of them, the rest at the next poll. The page's
article (trafilatura), or else the entry's own summary, is saved as an article file and the
ordinary indexing run indexes it: unchanged text costs nothing, changed text replaces the
article. A feed that fails waits longer after each failure in a row (interval x 2^n, at most a
day) and never stops the others. An entry whose link the guard refuses (a private address) is not
indexed at all, not even its summary.

What a feed may claim follows `index.ingest.identity`: a summary stands in for an article of the
feed's own site only (a summary of another site's article is not indexed), and the feed's title,
date and author of an entry replace the page's own only on its own site.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser

from index.ingest.feed_list import Feed, FeedList, SeenEntry, slug
from index.ingest.identity import same_site
from index.ingest.sources import source_path
from index.ingest.url_guard import FetchRefused, NotAllowed
from index.ingest.web_fetch import FetchLimits, fetch, parse_url
from index.ingest.web_pages import page_record, record_path, save_record, summary_text
from index.results import FeedOutcome

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(days=1)
PAGES_AT_ONCE = 4


@dataclass
class FetchedFeed:
    outcome: FeedOutcome
    seen: dict[str, SeenEntry] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    title: str = ""
    feed_url: str = ""  # as followed: with the entry's key, it names the entry's file
    served_from: str = ""  # where the feed was read (after redirects): the site it speaks for


def parse_feed(body: bytes, url: str) -> Any:
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise FetchRefused(f"{url[:200]} is not an RSS or Atom feed")
    return parsed


def fetch_feed_title(url: str, limits: FetchLimits) -> str:
    """The feed's own title; `FetchRefused` when `url` is not a feed newsbot may fetch."""
    got = asyncio.run(fetch(url, limits))
    parsed = parse_feed(got.body, got.url)
    return str(parsed.feed.get("title") or "").strip()


def follow(feeds: FeedList, url: str, name: str | None, limits: FetchLimits) -> tuple[Feed, str]:
    """Follow the feed at `url` (fetched once now, to check it is one); (feed, its title).

    Its articles come with the next poll (which fetches it again, unconditionally).
    """
    url = str(parse_url(url))
    title = fetch_feed_title(url, limits)
    with feeds.changing() as current:
        chosen = (name or slug(title or url.split("//", 1)[-1])).strip()
        return current.add(url, chosen), title


def unfollow(feeds: FeedList, url_or_name: str) -> Feed:
    """Stop following a feed; the articles it brought stay indexed."""
    with feeds.changing() as current:
        feed = current.find(url_or_name)
        current.feeds.remove(feed)
    return feed


def entry_key(entry: Any) -> str:
    """An entry's identity: its link, else its guid."""
    return str(entry.get("link") or entry.get("id") or "").strip()


def entry_file(folder: Path, feed_url: str, key: str) -> Path:
    """The article file of one feed's entry: two feeds listing one guid get a file each."""
    return record_path(folder, f"{feed_url}\x1f{key}")


def fingerprint(entry: Any) -> str:
    # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
    parts = [dict.get(entry, k) or "" for k in ("updated", "published", "title", "summary")]
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


async def poll_one(feed: Feed, limits: FetchLimits, folder: Path, max_entries: int) -> FetchedFeed:
    """Fetch one feed and the pages of its newest new or changed entries; never raises."""
    outcome = FeedOutcome(feed.name, "unchanged")
    try:
        got = await fetch(feed.url, limits, feed.etag, feed.last_modified)
        result = FetchedFeed(outcome, etag=got.etag, last_modified=got.last_modified)
        result.feed_url, result.served_from = feed.url, got.url
        if got.not_modified:
            # Many servers send no validators with a 304: the ones that got it are still good.
            result.etag = got.etag or feed.etag
            result.last_modified = got.last_modified or feed.last_modified
            return result
        parsed = parse_feed(got.body, got.url)
        result.title = str(parsed.feed.get("title") or "")
        todo = newest_first([e for e in parsed.entries if _is_new(feed, e)])
        outcome.left = max(0, len(todo) - max_entries)
        if outcome.left:
            # Without the validators the next poll reads the feed whole, not a 304, and takes
            # the entries left now.
            result.etag = result.last_modified = None
        slots = asyncio.Semaphore(PAGES_AT_ONCE)
        await asyncio.gather(
            *(_entry(e, result, limits, folder, slots) for e in todo[:max_entries])
        )
        if result.outcome.files:
            outcome.status = "new entries"
        return result
    except FetchRefused as exc:
        outcome.status, outcome.error = "failed", str(exc)
        return FetchedFeed(outcome, etag=feed.etag, last_modified=feed.last_modified)


def newest_first(entries: list[Any]) -> list[Any]:
    """Entries by date, newest first; those without a date after them, in the feed's order."""
    dated = [e for e in entries if _parsed_date(e)]
    undated = [e for e in entries if not _parsed_date(e)]
    return sorted(dated, key=lambda e: tuple(_parsed_date(e)), reverse=True) + undated


def _is_new(feed: Feed, entry: Any) -> bool:
    key = entry_key(entry)
    seen = feed.entries.get(key)
    return bool(key) and (seen is None or seen.fingerprint != fingerprint(entry))


async def _entry(
    entry: Any, result: FetchedFeed, limits: FetchLimits, folder: Path, slots: asyncio.Semaphore
) -> None:
    key = entry_key(entry)
    async with slots:
        try:
            record = await _page_or_summary(entry, limits, result)
        except NotAllowed as exc:
            # Not indexed, not even its summary; remembered, so it is not tried every poll.
            result.outcome.refused.append(str(exc))
            result.seen[key] = SeenEntry(fingerprint=fingerprint(entry))
            return
    if record is None:
        return
    path = save_record(entry_file(folder, result.feed_url, key), record)
    result.outcome.files[key] = path
    # The id the indexing run gives it: its url, else (a guid-only entry) the file's path.
    article = record["url"] or source_path(path)
    result.seen[key] = SeenEntry(fingerprint=fingerprint(entry), article=article)


async def _page_or_summary(
    entry: Any, limits: FetchLimits, result: FetchedFeed
) -> dict[str, str] | None:
    """The entry's article from its page, else from the feed's summary; None when neither."""
    link = str(entry.get("link") or "").strip()
    # The feed speaks for its own site: a guid-only entry is its own text, a link on its host
    # its own article. Of another site's article it may say nothing newsbot indexes as that
    # article's (index.ingest.identity).
    own = not link or same_site(link, result.served_from)
    record: dict[str, str] | None = None
    why = f"entry {entry_key(entry)[:200]!r} has no link"
    if link:
        try:
            record = page_record(await fetch(link, limits))
        except NotAllowed:
            raise
        except FetchRefused as exc:
            why = str(exc)
            log.info("feed %s: entry page not used (%s)", result.outcome.feed, exc)
    if record is None:
        body = summary_text(str(entry.get("summary") or ""))
        if not body:
            result.outcome.unread.append(f"{why}, and the feed gives no summary of it")
            return None
        if not own:
            result.outcome.unread.append(
                f"{why}; the feed's summary is not indexed in its place (a feed cannot speak "
                "for another site's article)"
            )
            return None
        result.outcome.fallbacks += 1
        record = dict.fromkeys(("title", "source", "author", "published_at"), "")
        record |= {"body": body, "url": link}
    # Of the feed's site when the text is: a page a link of its own redirected elsewhere is not.
    own_text = not record["url"] or same_site(record["url"], result.served_from)
    _entry_metadata(record, entry, result, replace=own_text)
    return record


def _entry_metadata(record: dict[str, str], entry: Any, result: FetchedFeed, replace: bool) -> None:
    """The feed's title and date of the entry: in place of the page's own when the page is of
    the feed's site (a feed's are the cleaner), else only where the page has none; its author
    and the feed's title only where the page names none."""
    given = {"title": str(entry.get("title") or "").strip(), "published_at": _entry_date(entry)}
    for name, value in given.items():
        if value and (replace or not record[name]):
            record[name] = value
    record["author"] = record["author"] or str(entry.get("author") or "")
    record["source"] = record["source"] or result.title or result.outcome.feed


def _parsed_date(entry: Any) -> Any:
    # dict.get: feedparser's own get maps a missing "published" to "updated", with a warning.
    return dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")


def _entry_date(entry: Any) -> str:
    parsed = _parsed_date(entry)
    if not parsed:
        return ""
    return datetime.fromtimestamp(time.mktime(parsed) - time.timezone, UTC).isoformat()


def backoff(interval_minutes: float, failures: int) -> timedelta:
    """How long a feed that failed `failures` times in a row waits before its next poll."""
    return min(timedelta(minutes=interval_minutes * 2**failures), MAX_BACKOFF)


def record_outcome(feed: Feed, got: FetchedFeed, when: datetime, interval: float) -> None:
    """Fold one poll's result into the feed's record (its state and health)."""
    feed.last_polled = when.isoformat(timespec="seconds")
    if got.outcome.status == "failed":
        feed.failures += 1
        feed.last_error = got.outcome.error
        feed.retry_at = (when + backoff(interval, feed.failures)).isoformat(timespec="seconds")
        return
    feed.failures, feed.retry_at, feed.last_error = 0, None, None
    feed.last_success = feed.last_polled
    feed.etag, feed.last_modified = got.etag, got.last_modified
    feed.entries.update(got.seen)
