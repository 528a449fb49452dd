"""`newsbot list`: what is indexed (title, source, date, id), newest first, with filters."""

from __future__ import annotations

import json
from datetime import date

import click

from bot.cli.context import engine_of, friendly_errors, settings_of
from bot.cli.slice_options import parse_date
from bot.cli.startup import opens_engine
from bot.cli.terminal import echo
from index.results import ArticleSlice


@click.command("list")
@opens_engine
@click.option(
    "--source",
    help='Only articles from this publication (any case, "The" and a tagline optional).',
)
@click.option("--since", callback=parse_date, help="Only articles published on or after this date.")
@click.option("--feed", "feed_name", help="Only articles a followed feed brought (its name).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
@friendly_errors
def list_articles(
    ctx: click.Context, source: str | None, since: date | None, feed_name: str | None, as_json: bool
) -> None:
    """List the indexed articles (title, source, date, id), newest first."""
    engine = engine_of(ctx)
    records = engine.articles(ArticleSlice(source or None, since))
    if feed_name:
        from index.engine import Engine

        ids = Engine.feeds_for(settings_of(ctx), engine).article_ids(feed_name)
        records = [r for r in records if r.id in ids]
    if as_json:
        fields = ("id", "title", "source", "published_at", "url", "indexed_at")
        echo(json.dumps([{k: getattr(r, k) for k in fields} for r in records], indent=2))
        return
    if not records:
        echo("No indexed article matches.")
    for r in records:
        when = r.published_at[:10] or "no date"
        echo(f"{when}  {r.source or '-'}  {r.title}\n  {r.id}")
