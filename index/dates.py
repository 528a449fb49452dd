"""Dates as news writes them: the names of months and weekdays, the date and time phrases of a
sentence ("on Thursday", "late 2029", "April 10", "at about 2.40 a.m.", "last week"), and what
a relative one means against the article's own date ("on Thursday" in an article of Friday 19
January 2024 is 18 January).

One place for what several stages need: query analysis (dates a question names), the answer's
lead for "when" questions, the yes/no verdicts on order in time. dateparser (installed with
htmldate) was measured for the job and not used: 0.9 s to import, 0.8 s for its first phrase,
9 s for "next spring", and no reading of "mid-2029", "late 2029" or "later this month".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SEASONS = ("spring", "summer", "autumn", "fall", "winter")
CALENDAR_WORDS = frozenset(MONTHS + WEEKDAYS)

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # fmt: skip
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))"
_TIME = (
    # "$1.34 million" and "2.45 per cent" are no times: no currency before, no scale after.
    r"(?:(?<![\d:.$£€¥₹])(?:[01]?\d|2[0-3])[.:][0-5]\d(?![.:]\d)"
    r"(?!\s?(?:million|billion|trillion|bn|per\s?cent|percent|%))(?:\s?[ap]\.?m\.?)?"
    r"|(?<![\d:.])(?:1[0-2]|0?[1-9])\s?[ap]\.?m\.?|noon|midday|midnight)"
)
_MODIFIER = r"(?:early|mid|late|the\s+end\s+of|the\s+start\s+of|the\s+middle\s+of|end\s+of)"
_NEAR = r"(?:last|next|this|coming|later\s+this|earlier\s+this)"

# Longest forms first: the first alternative that matches at a place wins.
_PHRASES = (
    ("date", rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY},?\s+{_YEAR}"),
    ("date", rf"(?:{_WEEKDAY},?\s+)?{_DAY}\s+{_MONTH},?\s+{_YEAR}"),
    ("date", r"\d{4}-\d{2}-\d{2}"),
    ("month_day", rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?![\d,.]*\d)"),
    ("month_day", rf"(?:{_WEEKDAY},?\s+)?{_DAY}\s+{_MONTH}"),
    ("month_year", rf"(?:{_MODIFIER}[\s-]+)?{_MONTH}\s+{_YEAR}"),
    ("part_year", rf"{_MODIFIER}[\s-]+{_YEAR}"),
    ("part_year", rf"(?:the\s+)?(?:first|second|third|fourth|final|last)\s+(?:quarter|half)"
     rf"\s+of\s+{_YEAR}"),  # fmt: skip
    ("part_year", rf"{_MODIFIER}[\s-]+(?:{_NEAR}\s+)?(?:year|month|week|decade)"),
    ("season", rf"(?:{_MODIFIER}[\s-]+)?(?:{_NEAR}\s+)?(?:spring|summer|autumn|fall|winter)"
     rf"(?:\s+(?:of\s+)?{_YEAR})?"),  # fmt: skip
    ("weekday", rf"(?:{_NEAR}\s+)?{_WEEKDAY}{_PART_OF_DAY}?"),
    ("relative_day", r"(?:yesterday|today|tonight|tomorrow)(?:\s+(?:morning|afternoon|evening))?"),
    ("period", rf"{_NEAR}\s+(?:week|month|year|weekend|decade)"),
    ("month", rf"(?:{_NEAR}\s+|{_MODIFIER}[\s-]+)?"
     r"(?:january|february|march|april|june|july|august|september|october|november|december)"),
    ("year", rf"(?<![\d$£€.,]){_YEAR}(?![\d%]|[.,]\d|\s?(?:per\s?cent|percent))"),
)  # fmt: skip
_PHRASE = re.compile(
    "|".join(f"(?P<{kind}{i}>\\b{pattern}\\b)" for i, (kind, pattern) in enumerate(_PHRASES)),
    re.I,
)
_CLOCK = re.compile(rf"(?:at\s+)?(?:about\s+|around\s+|approximately\s+)?\b{_TIME}(?!\w)", re.I)
_FUTURE = re.compile(
    r"\b(?:will|would|is\s+(?:due|expected|set|scheduled|planned)|are\s+(?:due|expected|set|"
    r"scheduled|planned)|plans?\s+to|next|coming|from)\b",
    re.I,
)


@dataclass(frozen=True)
class DatePhrase:
    """A date or time expression of a text, with where it stands."""

    start: int
    end: int
    text: str
    kind: str  # date, month_day, month_year, part_year, season, weekday, relative_day, period,
    # month, year or time


def month_number(name: str) -> int:
    """1-12 for a month's name or its abbreviation ("Sept.", "dec")."""
    prefix = name.lower().rstrip(".")[:3]
    return next(i for i, m in enumerate(MONTHS, 1) if m.startswith(prefix))


def date_phrases(text: str) -> list[DatePhrase]:
    """The date and time expressions of `text`, in order, none overlapping."""
    found: list[DatePhrase] = []
    for m in _PHRASE.finditer(text):
        kind = re.sub(r"\d+$", "", m.lastgroup or "")
        if kind == "month" and _is_may_verb(text, m):
            continue
        found.append(DatePhrase(m.start(), m.end(), m.group(), kind))
    for m in _CLOCK.finditer(text):
        if not any(p.start <= m.start() < p.end for p in found):
            found.append(DatePhrase(m.start(), m.end(), m.group(), "time"))
    return sorted(found, key=lambda p: p.start)


def _is_may_verb(text: str, m: re.Match[str]) -> bool:
    """ "may" the verb, not May the month ("it may rain")."""
    return m.group().lower().endswith("may") and not m.group()[-3].isupper()


def resolve(phrase: DatePhrase, published: date | None, sentence: str = "") -> date | None:
    """The day a relative phrase names, counted from the article's date: a weekday is the last
    one on or before it, or the next one when the sentence speaks of the future; None when
    the phrase names no single day or there is no date to count from."""
    low = phrase.text.lower()
    if published is None:
        return None
    if phrase.kind == "relative_day":
        shift = {"yesterday": -1, "tomorrow": 1}.get(low.split()[0], 0)
        return published + timedelta(days=shift)
    if phrase.kind != "weekday":
        return None
    day = next(i for i, w in enumerate(WEEKDAYS) if w in low)
    ahead = (day - published.weekday()) % 7
    if low.startswith("next") or (not low.startswith("last") and _future(phrase, sentence)):
        return published + timedelta(days=ahead or 7)
    back = (published.weekday() - day) % 7
    if low.startswith("last"):
        back = back or 7
    return published - timedelta(days=back)


def _future(phrase: DatePhrase, sentence: str) -> bool:
    """Whether the clause of `sentence` around the phrase speaks of the future."""
    start = max(sentence.rfind(";", 0, phrase.start), sentence.rfind(". ", 0, phrase.start)) + 1
    end = sentence.find(";", phrase.end)
    clause = sentence[start : end if end >= 0 else len(sentence)]
    return bool(_FUTURE.search(clause))


def parse_day(text: str) -> date | None:
    """The date an ISO string ("2024-01-18", "2024-01-18T08:00:00+00:00") gives, else None."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text or "")
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def spoken(day: date) -> str:
    """ "18 January 2024"."""
    return f"{day.day} {MONTHS[day.month - 1].capitalize()} {day.year}"


# Full dates ("March 4, 2024", "4 March 2024", "2024-03-04"): the publication dates a question
# names, and the dates order-in-time verdicts compare.
_FULL_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_FULL_DAY_FIRST = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_FULL_MONTH},?\s+(\d{{4}})\b", re.I
)
_FULL_MONTH_FIRST = re.compile(
    rf"\b{_FULL_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I
)
_FULL_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def find_dates(text: str) -> list[str]:
    """Full dates written in `text`, as YYYY-MM-DD, in order of appearance."""
    found: list[tuple[int, str]] = []
    for m in _FULL_MONTH_FIRST.finditer(text):
        found.append((m.start(), _iso(m.group(3), month_number(m.group(1)), m.group(2))))
    for m in _FULL_DAY_FIRST.finditer(text):
        found.append((m.start(), _iso(m.group(3), month_number(m.group(2)), m.group(1))))
    for m in _FULL_ISO.finditer(text):
        found.append((m.start(), _iso(m.group(1), int(m.group(2)), m.group(3))))
    return list(dict.fromkeys(d for _, d in sorted(found) if d))


def first_day(text: str) -> date | None:
    """The first full date `text` names, as a day."""
    days = find_dates(text)
    return parse_day(days[0]) if days else None


def _iso(year: str, month: int, day: str) -> str:
    d = int(day)
    return f"{int(year):04d}-{month:02d}-{d:02d}" if 1 <= d <= 31 and 1 <= month <= 12 else ""
