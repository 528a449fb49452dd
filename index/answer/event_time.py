"""When an event happened, as the sentence telling it dates it: the days a date phrase covers
("in October 2024" the whole month, "in May" of the article's year or the one before, "on
Friday" the day before an article of Saturday), or the article's own day when the sentence
names none or only a span holding the article's day ("in 2025"). A phrase that dates the
report ("said on Wednesday") or a point of reference ("since February 2014") is passed over.
A sentence that tells the event as still to come ("is expected to complete in the
third quarter", "will open in summer 2027") dates nothing that has happened: None.

An order-in-time verdict compares two events by these spans: one wholly before the other, or
nothing settled.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from index.dates import MONTHS, DatePhrase, date_phrases, find_dates, month_number, resolve

# What makes a clause tell an event still to come.
_TO_COME = re.compile(
    r"\b(?:will|would|is\s+(?:due|expected|set|scheduled|planned|likely)|are\s+(?:due|expected|"
    r"set|scheduled|planned|likely)|plans?\s+to|intends?\s+to|hopes?\s+to|aims?\s+to|might|"
    r"(?-i:may))\b",
    re.I,
)
# A date right after a reporting verb dates the report, not the event ("said on Wednesday").
_REPORTED = re.compile(
    r"\b(?:said|says|announced|confirmed|told|reported|revealed|added)\s+(?:\w+\s+){0,2}$", re.I
)
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_PARTS = {"early": (1, 4), "mid": (5, 8), "middle": (5, 8), "late": (9, 12), "end": (10, 12),
          "start": (1, 3)}  # fmt: skip
_HALVES = {"first quarter": (1, 3), "second quarter": (4, 6), "third quarter": (7, 9),
           "fourth quarter": (10, 12), "final quarter": (10, 12), "last quarter": (10, 12),
           "first half": (1, 6), "second half": (7, 12)}  # fmt: skip
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class Days:
    """The first and last day an event may have happened on."""

    first: date
    last: date

    def __str__(self) -> str:
        first, last = self.first.isoformat(), self.last.isoformat()
        return first if first == last else f"{first} to {last}"

    def before(self, other: Days) -> bool | None:
        """Whether this wholly precedes `other` (False when it wholly follows; None when they
        overlap)."""
        if self.last < other.first:
            return True
        if self.first > other.last:
            return False
        return None


def event_days(
    text: str, published: date | None, near: Sequence[int] = (), asked: str = ""
) -> Days | None:
    """The days the event a sentence tells happened on (or is planned for): by the date phrase
    within `REACH` words of the claim's words (at offsets `near`), else the article's day;
    None when there is no date to count from, or a plan's date this cannot place."""
    if published is None:
        return None
    today = Days(published, published)
    phrases = [
        p for p in _phrases(text)
        if p.kind != "time" and not _aside(text, p, asked) and _within_reach(text, p, near)
    ]  # fmt: skip
    if not phrases:
        return today
    phrase = min(phrases, key=lambda p: min(abs(p.start - n) for n in near))
    ahead = bool(_TO_COME.search(_clause(text, phrase)))
    days = phrase_days(phrase, published, ahead)
    if days is None or (ahead and days.last < published):
        return None  # a plan this cannot place, or one dated in the past
    if not ahead and days.first > published:
        return None
    # A span holding the article's day ("in 2025", "this week") says no more than its date.
    return today if days.first <= published <= days.last else days


REACH = 6  # words (names aside) between a date phrase and a word of the claim it dates


def _within_reach(text: str, phrase: DatePhrase, near: Sequence[int]) -> bool:
    for n in near:
        lo, hi = sorted((n, phrase.start))
        if sum(not w[:1].isupper() for w in text[lo:hi].split()) <= REACH:  # names aside
            return True
    return False


def phrase_days(phrase: DatePhrase, published: date, ahead: bool = False) -> Days | None:
    """The days a date phrase of an article published on `published` covers (`ahead`: of a
    plan, so "on April 6" and "in May" are the next ones), None when it names no span this
    reads ("the end of the month")."""
    low = " ".join(phrase.text.lower().split())
    year = _phrase_year(low, published)
    if phrase.kind == "date":
        days = find_dates(phrase.text)
        day = date.fromisoformat(days[0]) if days else None
        return Days(day, day) if day else None
    if phrase.kind in ("weekday", "relative_day"):
        day = resolve(phrase, published, "will" if ahead else "")
        return Days(day, day) if day else None
    if phrase.kind == "month_day":
        return _month_day(low, published, ahead)
    if phrase.kind in ("month_year", "month"):
        return _month(low, year, published, bool(_YEAR.search(low)), ahead)
    if phrase.kind == "year":
        return _months(int(low), 1, 12)
    if phrase.kind in ("part_year", "season"):
        return _part_of_year(low, year)
    if phrase.kind == "period":
        return _period(low, published)
    return None


# May the month, which `date_phrases` leaves alone for "may" the verb: after a preposition.
_MAY = re.compile(r"\b(?:in|of|since|until|by|from|early|mid|late|last|next)[\s-]+May\b")


def _phrases(text: str) -> list[DatePhrase]:
    found = date_phrases(text)
    for m in _MAY.finditer(text):
        if not any(p.start <= m.end() - 3 < p.end for p in found):
            found.append(DatePhrase(m.end() - 3, m.end(), "May", "month"))
    return sorted(found, key=lambda p: p.start)


# A date after these is a point of reference, not the event's: "the worst storm since
# February 2014", "a rise from £2.10 in April".
_REFERENCE = re.compile(
    r"\b(?:since|until|till|before|after|following|than|from)\s+(?:the\s+)?$", re.I
)


def _aside(text: str, phrase: DatePhrase, asked: str = "") -> bool:
    """Whether the phrase dates something else than the event: the report ("said on
    Wednesday"), a point the sentence measures from ("since February 2014"), or an earlier
    time of the same thing ("first held in 1987", "last erupted in 1998") the question does
    not ask about."""
    before = text[: phrase.start]
    near = " ".join(before.split()[-5:])
    earlier = _EARLIER.search(near)
    return bool(
        _REPORTED.search(before.removesuffix("on ").rstrip() + " ")
        or _REFERENCE.search(before)
        or re.search(r"\bsince\b", near, re.I)
        or (earlier and not re.search(rf"\b{earlier.group()}\b", asked, re.I))
    )


_EARLIER = re.compile(r"\b(?:first|last|previously|originally|once|built|founded)\b", re.I)


# Where the clause a date phrase stands in begins: "will pay from October 1 after the council
# voted on Wednesday" dates the vote in a clause of its own ("will be spread over three weeks,
# starting on 1 December" keeps its tense past the comma).
_CLAUSE_START = re.compile(r"[;:]|\b(?:after|before|when|while|as|but|which|who)\b", re.I)


def _clause(text: str, phrase: DatePhrase) -> str:
    starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, phrase.start)]
    return text[(starts[-1] if starts else 0) : phrase.end]


def _phrase_year(low: str, published: date) -> int:
    m = _YEAR.search(low)
    if m:
        return int(m.group())
    if "last year" in low:
        return published.year - 1
    if "next year" in low:
        return published.year + 1
    return published.year


def _months(year: int, first: int, last: int) -> Days:
    end = calendar.monthrange(year, last)[1]
    return Days(date(year, first, 1), date(year, last, end))


def _month_day(low: str, published: date, ahead: bool) -> Days | None:
    words = re.findall(r"[a-z]+|\d+", low)
    month = next((w for w in words if _is_month(w)), "")
    day = next((int(w) for w in words if w.isdigit()), 0)
    if not month or not 1 <= day <= 31:
        return None
    n = month_number(month)
    # "on March 30" in an article of January is last year's; in a plan, the next one.
    year = published.year
    if ahead and (n, day) < (published.month, published.day):
        year += 1
    elif not ahead and (n, day) > (published.month, published.day + 7):
        year -= 1
    when = date(year, n, min(day, calendar.monthrange(year, n)[1]))
    return Days(when, when)


def _month(low: str, year: int, published: date, year_given: bool, ahead: bool) -> Days:
    """A month named alone is the last one up to the article ("in November" in an article of
    January: the November before), "next May" or a plan's May the first one after it."""
    n = next(month_number(w) for w in re.findall(r"[a-z]+", low) if _is_month(w))
    if not year_given:
        year = published.year
        if ahead or low.startswith("next"):
            year += n < published.month
        else:
            year -= n > published.month or (low.startswith("last") and n == published.month)
    return _months(year, n, n)


def _is_month(word: str) -> bool:
    return any(m.startswith(word.rstrip(".")) for m in MONTHS) and len(word) >= 3


def _part_of_year(low: str, year: int) -> Days | None:
    if not _YEAR.search(low) and not re.search(r"\b(?:year|spring|summer|autumn|fall)\b", low):
        return None  # "the end of the month", "early next week"
    for words, (first, last) in _HALVES.items():
        if words in low:
            return _months(year, first, last)
    for season, (first, last) in _SEASONS.items():
        if season in low:
            return _months(year, first, last)
    for word, (first, last) in _PARTS.items():
        if re.search(rf"\b{word}\b", low):
            return _months(year, first, last)
    return _months(year, 1, 12) if "winter" not in low else None


def _period(low: str, published: date) -> Days | None:
    if low == "last year":
        return _months(published.year - 1, 1, 12)
    if low == "this year":
        return Days(date(published.year, 1, 1), published)
    if low == "last month":
        month = (published.replace(day=1) - timedelta(days=1)).month
        year = published.year - (published.month == 1)
        return _months(year, month, month)
    if low == "this week":
        return Days(published - timedelta(days=6), published + timedelta(days=6))
    if low == "last week":
        return Days(published - timedelta(days=13), published - timedelta(days=1))
    return None
