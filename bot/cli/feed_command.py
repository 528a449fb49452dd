"""`newsbot feed add|list|remove|poll`: follow RSS and Atom feeds (docs/guide/feeds.md)."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from bot.cli.context import engine_of, friendly_errors, settings_of
from bot.cli.terminal import echo
from index.results import FeedOutcome, FeedStatus

if TYPE_CHECKING:
    from index.engine import Feeds


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


def _feeds(ctx: click.Context) -> Feeds:
    """The followed feeds; the engine is opened only when a poll has something new to index
    (an unchanged poll loads no model)."""
    from index.engine import Engine

    return Engine.feeds_for(settings_of(ctx), functools.partial(engine_of, ctx))


@feed_group.command("add")
@click.argument("url")
@click.option("--name", help="A short name for the feed (default: from its title).")
@click.pass_context
@friendly_errors
def add(ctx: click.Context, url: str, name: str | None) -> None:
    """Follow the feed at URL (checked now; its articles come with the next poll)."""
    feed, title = _feeds(ctx).follow(url, name)
    echo(f"Following {feed.name!r} ({title or feed.url}). `newsbot feed poll` indexes it now.")


@feed_group.command("remove")
@click.argument("url_or_name")
@click.pass_context
@friendly_errors
def remove(ctx: click.Context, url_or_name: str) -> None:
    """Stop following a feed; the articles it brought stay indexed."""
    echo(_feeds(ctx).unfollow(url_or_name).sentence("`newsbot forget`"))


@feed_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
@friendly_errors
def list_feeds(ctx: click.Context, as_json: bool) -> None:
    """The followed feeds, with their health: last success, last error, articles added."""
    feeds = _feeds(ctx).list()
    if as_json:
        echo(json.dumps([f.model_dump() for f in feeds], indent=2))
        return
    if not feeds:
        echo("No feeds followed yet: newsbot feed add URL")
    for feed in feeds:
        echo(_feed_line(feed))


def _feed_line(feed: FeedStatus) -> str:
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
    report = _feeds(ctx).poll(list(names) or None)
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
