"""`newsbot feed add|list|remove|poll`: follow RSS and Atom feeds (docs/feeds.md)."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from bot.cli.context import engine_of, friendly_errors, settings_of
from bot.cli.terminal import echo
from index.ingest.feed_list import Feed, FeedList

if TYPE_CHECKING:
    from index.ingest.feeds import FeedOutcome


@click.group("feed")
def feed_group() -> None:
    """Follow RSS and Atom feeds: their new articles are indexed on each poll.

    \b
    Examples:
      newsbot feed add https://example.com/rss.xml --name example
      newsbot feed poll
      newsbot feed list
    `newsbot serve` polls every NEWSBOT_FEED_INTERVAL minutes (default 30).
    """


@feed_group.command("add")
@click.argument("url")
@click.option("--name", help="A short name for the feed (default: from its title).")
@click.pass_context
@friendly_errors
def add(ctx: click.Context, url: str, name: str | None) -> None:
    """Follow the feed at URL (checked now; its articles come with the next poll)."""
    from index.ingest.feeds import follow
    from index.ingest.web_fetch import FetchLimits

    settings = settings_of(ctx)
    feed, title = follow(
        FeedList(settings.data_dir), url, name, FetchLimits.from_settings(settings)
    )
    echo(f"Following {feed.name!r} ({title or feed.url}). `newsbot feed poll` indexes it now.")


@feed_group.command("remove")
@click.argument("url_or_name")
@click.pass_context
@friendly_errors
def remove(ctx: click.Context, url_or_name: str) -> None:
    """Stop following a feed; the articles it brought stay indexed."""
    from index.ingest.feeds import articles_left, unfollow, unfollowed_sentence

    feed = unfollow(FeedList(settings_of(ctx).data_dir), url_or_name)
    left = articles_left(feed, (r.id for r in engine_of(ctx).articles()))
    echo(unfollowed_sentence(feed, left, "`newsbot forget`"))


@feed_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
@friendly_errors
def list_feeds(ctx: click.Context, as_json: bool) -> None:
    """The followed feeds, with their health: last success, last error, articles added."""
    feeds = FeedList(settings_of(ctx).data_dir).read().feeds
    if as_json:
        rows = [f.model_dump(exclude={"entries", "etag", "last_modified"}) for f in feeds]
        echo(json.dumps(rows, indent=2))
        return
    if not feeds:
        echo("No feeds followed yet: newsbot feed add URL")
    for feed in feeds:
        echo(_feed_line(feed))


def _feed_line(feed: Feed) -> str:
    lines = [f"{feed.name}  {feed.url}"]
    health = f"last success {feed.last_success or 'never'}, {feed.articles_added} articles added"
    lines.append(f"  {health}")
    if feed.last_error:
        retry = f"; next try after {feed.retry_at}" if feed.retry_at else ""
        lines.append(f"  last error ({feed.failures} in a row{retry}): {feed.last_error}")
    return "\n".join(lines)


@feed_group.command("poll")
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
@friendly_errors
def poll(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """Poll every followed feed (or those NAMES) once and print what was added."""
    from index.ingest.feed_poll import poll_feeds

    # The engine is loaded only when a feed has something new (an unchanged poll: no model).
    engine = functools.partial(engine_of, ctx)
    report = poll_feeds(engine, list(names) or None, settings=settings_of(ctx))
    if as_json:
        payload = {
            "feeds": [asdict(o) | {"files": len(o.files)} for o in report.outcomes],
            "forgotten": report.forgotten,
        }
        echo(json.dumps(payload, indent=2, default=str))
        return
    if not report.outcomes:
        echo("No feeds followed yet: newsbot feed add URL")
    for outcome in report.outcomes:
        echo(_outcome_line(outcome))
        for title in outcome.added:
            echo(f"  + {title}")
        for reason in [*outcome.refused, *outcome.unread]:
            echo(f"  ! entry not indexed: {reason}")
    for title in report.forgotten:
        echo(f"  - {title} (older than NEWSBOT_FEED_MAX_AGE_DAYS)")


def _outcome_line(outcome: FeedOutcome) -> str:
    if outcome.status == "failed":
        return f"{outcome.feed}: failed: {outcome.error}"
    if outcome.status == "waiting":
        return f"{outcome.feed}: waiting after failures (last: {outcome.error})"
    left = f"; {outcome.left} more new entries left for the next poll" if outcome.left else ""
    if not outcome.added:
        return f"{outcome.feed}: nothing new{left}"
    summary = f" ({outcome.fallbacks} from the feed's summary)" if outcome.fallbacks else ""
    return f"{outcome.feed}: {len(outcome.added)} articles added or updated{summary}{left}"
