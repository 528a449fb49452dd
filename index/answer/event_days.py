"""When an event happens, as the days it may fall on: "in January" in a September article
that speaks of the future is January next year, "late 2029" September to December 2029, "on
Wednesday" the Wednesday before the article. Order-in-time verdicts compare events by these
ranges: two ranges that overlap ("autumn" and 3 September) settle nothing.

A past event is dated by its article (news reports what just happened; an earlier stop dated
past events by their sentences' dates too and lost on the news set's test half, where those
dates were as often background); one still to come by the date phrase its sentence states
within a few words of the event's own words ("will launch ... on May 18"), else by its article
as well ("the board said the merger would save" dates the vote by nothing else)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from index.answer.sentences import Sentence, dateline_end
from index.dates import (
    MONTHS,
    SEASONS,
    DatePhrase,
    date_phrases,
    first_day,
    month_number,
    parse_day,
    resolve,
)
from index.text import content_terms

Days = tuple[date, date]  # the first and last day an event may fall on

# A sentence about what is still to come: a date it states is the next one of its name.
_TO_COME = re.compile(
    r"\b(?:will|would|shall|(?:is|are|was|were)\s+(?:due|expected|set|scheduled|planned|to)|"
    r"plans?\s+to|aims?\s+to|intends?\s+to|next|coming|upcoming)\b",
    re.I,
)
_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11),
                  "winter": (12, 14)}  # fmt: skip
# "early", "mid", "late" in a year and in a month: the thirds of it.
_THIRDS_OF_YEAR = {"early": (1, 4), "start": (1, 3), "mid": (5, 8), "middle": (5, 8),
                   "late": (9, 12), "end": (10, 12)}  # fmt: skip
_THIRDS_OF_MONTH = {"early": (1, 10), "start": (1, 10), "mid": (11, 20), "middle": (11, 20),
                    "late": (21, 31), "end": (21, 31)}  # fmt: skip
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4}
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def phrase_days(phrase: DatePhrase, published: date | None, sentence: str = "") -> Days | None:
    """The days `phrase` names, counted from the article's date where it is relative (None
    when it names no stretch of days this reads, or there is no date to count from)."""
    low = " ".join(phrase.text.lower().split())
    year_m = _YEAR.search(low)
    year = int(year_m.group(1)) if year_m else None
    to_come = bool(_TO_COME.search(sentence)) or low.startswith("next")
    if phrase.kind == "date":
        day = first_day(phrase.text) or parse_day(phrase.text)
        return (day, day) if day else None
    if phrase.kind in ("weekday", "relative_day"):
        day = resolve(phrase, published, sentence)
        return (day, day) if day else None
    if phrase.kind == "year" and year:
        return date(year, 1, 1), date(year, 12, 31)
    if published is None and year is None:
        return None
    if phrase.kind == "month_day":
        return _month_day(low, published, to_come)
    if phrase.kind in ("month_year", "month"):
        return _month(low, year, published, to_come)
    if phrase.kind == "part_year":
        return _part_of_year(low, year, published)
    if phrase.kind == "season":
        return _season(low, year, published, to_come)
    if phrase.kind == "period" and published is not None:
        return _period(low, published)
    return None


def _month_day(low: str, published: date | None, to_come: bool) -> Days | None:
    m = re.search(r"(\d{1,2})", low)
    name = next((n for n in MONTHS if n[:3] in low), None)
    if m is None or name is None or published is None:
        return None
    try:
        day = date(published.year, month_number(name), int(m.group(1)))
    except ValueError:
        return None
    day = _nearest_year(day, published, to_come)
    return day, day


def _month(low: str, year: int | None, published: date | None, to_come: bool) -> Days | None:
    name = next((n for n in MONTHS if re.search(rf"\b{n[:3]}", low)), None)
    if name is None:
        return None
    month = month_number(name)
    if year is None:
        assert published is not None
        first = _nearest_year(date(published.year, month, 1), published, to_come, month=True)
        year = first.year
    last = calendar.monthrange(year, month)[1]
    lo, hi = 1, last
    for word, (a, b) in _THIRDS_OF_MONTH.items():
        if re.search(rf"\b{word}\b", low):
            lo, hi = a, min(b, last)
            break
    return date(year, month, lo), date(year, month, hi)


def _part_of_year(low: str, year: int | None, published: date | None) -> Days | None:
    if year is None:
        if published is None or not re.search(r"\byear\b", low):
            return None
        shift = 1 if "next" in low else -1 if "last" in low else 0
        year = published.year + shift
    quarter = re.search(r"\b(first|second|third|fourth|final|last)\s+(quarter|half)\b", low)
    if quarter:
        n = _QUARTERS[quarter.group(1)]
        months = (3 * n - 2, 3 * n) if quarter.group(2) == "quarter" else (
            (1, 6) if n == 1 else (7, 12))  # fmt: skip
    else:
        word = next((w for w in _THIRDS_OF_YEAR if re.search(rf"\b{w}\b", low)), None)
        if word is None:
            return None
        months = _THIRDS_OF_YEAR[word]
    return _months(year, *months)


def _season(low: str, year: int | None, published: date | None, to_come: bool) -> Days | None:
    name = next((s for s in SEASONS if s in low), None)
    if name is None:
        return None
    first, last = _SEASON_MONTHS[name]
    if year is None:
        assert published is not None
        year = published.year
        lo, hi = _months(year, first, last)
        if "next" in low or (to_come and "last" not in low and hi < published):
            year += 1
        elif "last" in low or (not to_come and "this" not in low and lo > published):
            year -= 1
    return _months(year, first, last)


def _period(low: str, published: date) -> Days | None:
    shift = 1 if low.startswith("next") else -1 if low.startswith("last") else 0
    if low.endswith("year"):
        y = published.year + shift
        return date(y, 1, 1), date(y, 12, 31)
    if low.endswith("month"):
        month = published.month + shift
        y, month = published.year + (month - 1) // 12, (month - 1) % 12 + 1
        return date(y, month, 1), date(y, month, calendar.monthrange(y, month)[1])
    if low.endswith(("week", "weekend")):
        monday = published - timedelta(days=published.weekday()) + timedelta(weeks=shift)
        return monday, monday + timedelta(days=6)
    return None


def _months(year: int, first: int, last: int) -> Days:
    """From the first day of month `first` to the last of month `last` (13, 14: next year's
    January and February, for a winter)."""
    end_year, end_month = year + (last - 1) // 12, (last - 1) % 12 + 1
    return date(year, first, 1), date(
        end_year, end_month, calendar.monthrange(end_year, end_month)[1]
    )


def _nearest_year(day: date, published: date, to_come: bool, month: bool = False) -> date:
    """`day` in the year that makes it the next one (a sentence about what is to come) or the
    last one (otherwise) from the article's date."""
    if month:
        start_of_month = published.replace(day=1)
        if to_come and day < start_of_month:
            return day.replace(year=day.year + 1)
        if not to_come and day > start_of_month:
            return day.replace(year=day.year - 1)
        return day
    if to_come and day < published:
        return _replace_year(day, day.year + 1)
    if not to_come and day > published + timedelta(days=7):
        return _replace_year(day, day.year - 1)
    return day


def _replace_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def event_days(words: str, sentence: Sentence) -> Days | None:
    """The days the event `words` describe fall on, by `sentence` stating it: its article's
    date when it tells of the past (news reports what just happened: the dates its sentences
    give of the past are as often background), else the date phrase it gives within
    NEAR_WORDS of the event's words ("will launch on May 18"), else its article's date too."""
    text = sentence.text
    published = parse_day(sentence.passage.published_at)
    by_article = (published, published) if published else None
    if not _TO_COME.search(text):
        return by_article
    opening = dateline_end(text)
    words_at = [m.start() for m in re.finditer(r"[\w'’-]+", text)]
    wanted = content_terms(words)
    places = [i for i, at in enumerate(words_at) if at >= opening
              and content_terms(text[at : at + 40].split()[0]) & wanted]  # fmt: skip
    near = []
    for phrase in date_phrases(text):
        if phrase.kind == "time" or phrase.start < opening:
            continue
        at = sum(1 for w in words_at if w < phrase.start)  # the phrase's word number
        gap = min((abs(at - i) for i in places), default=NEAR_WORDS + 1)
        if gap <= NEAR_WORDS:
            near.append((gap, phrase))
    for _, phrase in sorted(near, key=lambda g: g[0]):
        days = phrase_days(phrase, published, text)
        if days is not None:
            return days
    return by_article


NEAR_WORDS = 6  # a date phrase this many words from the event's words dates it


def only_a_date(words: str, published: date | None = None) -> Days | None:
    """The days `words` name when they are a date and nothing else ("the end of 2025",
    "March 2026"), else None."""
    phrases = [p for p in date_phrases(words) if p.kind != "time"]
    if len(phrases) != 1:
        return None
    rest = words[: phrases[0].start] + words[phrases[0].end :]
    if content_terms(rest):
        return None
    return phrase_days(phrases[0], published)
