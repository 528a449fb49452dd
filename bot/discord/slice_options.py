"""`/ask`'s `source:`, `since:` and `until:` options as the slice of the index to answer from."""

from __future__ import annotations

from datetime import date

from bot.discord.replies import Refused
from index.results import ArticleSlice


def slice_of(source: str | None, since: str | None, until: str | None) -> ArticleSlice | None:
    """The slice the options name (dates as YYYY-MM-DD); None when they name none; `Refused`
    with the reason when a date is not one."""
    days: list[date | None] = []
    for name, value in (("since", since), ("until", until)):
        try:
            days.append(date.fromisoformat(value.strip()) if value and value.strip() else None)
        except ValueError:
            raise Refused(f"{name}: {value[:40]!r} is not a date like 2026-11-28") from None
    if days[0] and days[1] and days[0] > days[1]:
        raise Refused(f"since {days[0]} is after until {days[1]}")
    chosen = ArticleSlice((source or "").strip() or None, days[0], days[1])
    return chosen or None
