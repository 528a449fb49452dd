"""`--source`, `--since`, `--until` for `newsbot ask` and `sources`: ask within a slice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from index.results import ArticleSlice


def parse_date(_ctx: object, _param: object, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-28") from None


def slice_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--until",
        callback=parse_date,
        help="Only articles published on or before this date (YYYY-MM-DD).",
    )(fn)
    fn = click.option(
        "--since",
        callback=parse_date,
        help="Only articles published on or after this date (YYYY-MM-DD). An article without "
        "a date is in no date range; the answer says how many were left out.",
    )(fn)
    return click.option(
        "--source",
        help="Only articles from this publication, named as you would type it (any case, "
        '"The" and a tagline optional).',
    )(fn)


def to_slice(source: str | None, since: date | None, until: date | None) -> ArticleSlice | None:
    if since and until and since > until:
        raise click.BadParameter(f"--since {since} is after --until {until}")
    chosen = ArticleSlice(source.strip() if source else None, since, until)
    return chosen or None
