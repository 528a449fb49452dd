"""What a sentence states, by kind: counts ("Forty-one runners"), amounts of money ("$48
million"), shares ("6.2 per cent"), measures ("38 mm"), durations, ages, scores, dates and times,
and the capitalised names in it. Each span keeps its place in the sentence, so a lead taken from
it stands verbatim in the quote.

A number's kind comes from what stands beside it, as a reader tells them apart: "February 2"
is a date and "2 hours 11 minutes" a duration, not a count; "the $48 million project" is money;
"Forty-one runners" counts runners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from text_to_num import text2num

from index.answer.numbers import digits, number_values
from index.dates import date_phrases

# Longest first, so "seventeen" is not read as "seven".
_UNITS_1_19 = (
    "seventeen|thirteen|fourteen|eighteen|nineteen|fifteen|sixteen|eleven|twelve|three|seven|"
    "eight|four|five|nine|one|two|six|ten"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD_NUMBER = rf"(?:(?:{_TENS})(?:[-\s](?:{_UNITS_1_19}))?|{_UNITS_1_19}|a|an|a\s+few)"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|dozen)"
_SPELLED = (
    rf"(?:{_WORD_NUMBER}(?:\s+{_SCALE}(?:\s+(?:and\s+)?(?:{_WORD_NUMBER}))?)+"
    rf"|(?:{_TENS})(?:-(?:{_UNITS_1_19}))?|(?:{_UNITS_1_19})|dozens|hundreds|thousands)"
)
SPELLED_NUMBER = _SPELLED
_DIGITS = r"\d+(?:,\d{3})*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|m|k)\b)?"
_APPROX = (
    r"(?:(?:about|around|roughly|nearly|almost|some|over|more\s+than|fewer\s+than|less\s+than|"
    r"at\s+least|up\s+to|an\s+estimated|approximately|just\s+over|just\s+under)\s+)?"
)
_CURRENCY = r"(?:US\$|A\$|C\$|NZ\$|HK\$|[$£€¥₹])"
_UNIT_WORDS = (
    r"(?:year|month|week|day|hour|minute|second|mile|kilometre|kilometer|metre|meter|foot|"
    r"storey|story|seat|point|game|match|run|goal|over|inning)"
)
NUMBER = re.compile(
    rf"(?<![\w.,$£€-]){_APPROX}(?:{_CURRENCY}\s?)?(?:{_DIGITS}|{_SPELLED})(?![\w-]*\d)"
    rf"(?:-{_UNIT_WORDS}s?(?:-old)?)?",
    re.I,
)
_MONEY_AFTER = re.compile(
    r"^\s?(?:(?:million|billion|trillion|bn|m|k)\s+)?(?:dollars?|pounds?|euros?|yen|rupees?|"
    r"francs?|kronor|krona|rand|pence|cents?|sterling)\b|^p\b(?!\.?m\b)",  # "54.3p": pence
    re.I,
)
_PERCENT_AFTER = re.compile(r"^\s?(?:%|per\s?cent\b|percent\b|percentage\s+points?\b)", re.I)
_DURATION_WORDS = (
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|decades?|"
    r"centuries|innings)"
)
_DURATION_AFTER = re.compile(
    rf"^[\s-]?(?:(?:more|full|straight|consecutive)\s+)?{_DURATION_WORDS}\b", re.I
)
_MEASURE_AFTER = re.compile(
    r"^[\s-]?(?:mm|cm|km|m|kg|g|mg|t|ha|mph|km/h|kph|kmh|°c|°f|c|f|degrees?|millimet(?:re|er)s?|"
    r"centimet(?:re|er)s?|kilomet(?:re|er)s?|met(?:re|er)s?|miles?|feet|foot|ft|inch(?:es)?|yards?|"
    r"tonnes?|tons?|kilograms?|kilos?|grams?|litres?|liters?|gallons?|hectares?|acres?|square|cubic|"
    r"megawatts?|mw|gw|kw|kwh|gigawatts?|knots?|storeys?|stories|floors?)\b",
    re.I,
)


def is_measure_unit(word: str) -> bool:
    """Whether `word` is a unit a measure is given in ("metres", "tonnes", "cubic"): what makes
    "how many cubic metres" ask for a measure, as "3.4 million cubic metres" states one."""
    return bool(_MEASURE_AFTER.fullmatch(word))


_AGE = re.compile(r"(?:\baged?\s+$)|(?:^-year-old)|(?:^,?\s+(?:years?\s+old|year-old))", re.I)
_SCORE = re.compile(r"^\s?[-–]\s?\d+\b|^\s+(?:for|to)\s+\d+\b")
_ORDINAL = re.compile(r"^(?:st|nd|rd|th)\b", re.I)
# Words that may sit between a number and what it counts: "41 more runners", "two new stops".
_SKIP = frozenset(
    "more new other further additional extra full-time part-time local young old small large "
    "big major minor separate different single previous former current remaining total "
    "confirmed suspected".split()
)
_COUNTED_STOP = frozenset(
    "a an the of and or to in on at for from with by as is was were are be been being has have "
    "had it its this that these those than but after before since when who which what per "
    "percent cent".split()
)
_COUNTED_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# "four of the five counts", "two of its nine members": the count is of those.
_OF_THE = re.compile(
    rf"\s+of\s+(?:the|its|their|his|her|our)\s+(?:(?:{_SPELLED}|\d[\d,]*)\s+)?([A-Za-z][\w'’-]*)",
    re.I,
)
_TOLL = re.compile(
    r"\b(?:toll|total|number|count|tally|figure|crowd|attendance|turnout|headcount)\s+"
    r"(?:\w+\s+){0,2}(?:of|to|at|was|is|reached|rose\s+to|stood\s+at)\s+$",
    re.I,
)


@dataclass(frozen=True)
class Span:
    """One thing a sentence states, with where it stands (`text == sentence[start:end]`)."""

    start: int
    end: int
    text: str
    kind: str  # count, money, percent, measure, duration, age, score, ordinal, year, date, time
    value: float | None = None
    counted: tuple[str, ...] = field(default=())  # the words a count or measure is of


@lru_cache(maxsize=8192)
def number_spans(sentence: str) -> tuple[Span, ...]:
    """Every number of `sentence` with its kind (dates and times are `date_spans`)."""
    dates = date_phrases(sentence)
    out = []
    for m in NUMBER.finditer(sentence):
        start, end, text = m.start(), m.end(), m.group()
        if any(p.start <= start < p.end or start <= p.start < end for p in dates):
            continue
        if _only_article(text) or _pronoun_one(sentence, start, end):
            continue
        kind, end = _kind(sentence, start, end)
        text = sentence[start:end]
        value = span_value(text)
        if value is None:
            continue
        counted = _counted(sentence, start, end) if kind in ("count", "measure") else ()
        out.append(Span(start, end, text, kind, value, counted))
    return tuple(out)


_APPROX_WORDS = re.compile(rf"^{_APPROX}", re.I)
_SCALE_VALUES = {"dozen": 12, "hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}


def span_value(text: str) -> float | None:
    """The value a number span states ("Forty-one" 41, "$48 million" 48e6, "a dozen" 12)."""
    bare = _APPROX_WORDS.sub("", text).strip()
    bare = re.sub(rf"-{_UNIT_WORDS}s?(?:-old)?$", "", bare, flags=re.I)  # "three-day"
    if re.search(r"\d", bare):
        values = number_values(bare)
        return values[0] if values else None
    words = re.sub(r"^an?\s+", "one ", bare.lower())
    try:
        return float(text2num(words, "en"))
    except ValueError:
        scale = words.split()[-1] if words.split() else ""
        return (
            float(_SCALE_VALUES[scale])
            if scale in _SCALE_VALUES and len(words.split()) == 2
            else None
        )


def _pronoun_one(sentence: str, start: int, end: int) -> bool:
    """ "one of the best", "no one": a pronoun, not a count ("one of the nine members" is)."""
    if sentence[start:end].lower() != "one":
        return False
    after = sentence[end : end + 40]
    if re.match(
        r"\s+of\s+(?:the|its|their)\s+(?:\d|" + _UNITS_1_19 + r"|" + _TENS + ")", after, re.I
    ):
        return False
    return bool(re.match(r"\s+(?:of|another|who|that|which)\b|['’]s\b", after, re.I))


def _only_article(text: str) -> bool:
    """ "a" or "an" alone is no number ("a report"); "a dozen", "a million" are."""
    return text.lower() in ("a", "an", "a few") or bool(re.fullmatch(r"(?i)an?\s+few", text))


def _kind(sentence: str, start: int, end: int) -> tuple[str, int]:
    """The number's kind and where its span ends (a unit joins it: "6.2 per cent")."""
    text, before, after = sentence[start:end], sentence[max(0, start - 12) : start], sentence[end:]
    if re.search(_CURRENCY, text) or _MONEY_AFTER.match(after):
        m = _MONEY_AFTER.match(after)
        return "money", end + (m.end() if m else 0)
    if m := _PERCENT_AFTER.match(after):
        return "percent", end + m.end()
    low = text.lower()
    if re.search(r"-(?:year|month|week|day|hour|minute|second)s?-old$", low) or _AGE.search(before):
        return "age", end
    if re.search(r"[A-Z][\w'’-]+,\s$", before) and re.match(r"^\s?,", after) and text.isdigit():
        return "age", end
    if _AGE.match(after):
        m = _AGE.match(after)
        return "age", end + (m.end() if m else 0)
    if re.search(r"-(?:year|month|week|day|hour|minute|second)s?$", low):
        return "duration", end
    if m := _DURATION_AFTER.match(after):
        return "duration", end + m.end()
    if _SCORE.match(after) and re.fullmatch(r"\d+", text):
        m = _SCORE.match(after)
        return "score", end + (m.end() if m else 0)
    if _ORDINAL.match(after):
        return "ordinal", end + (_ORDINAL.match(after).end())  # type: ignore[union-attr]
    if _MEASURE_AFTER.match(after):
        return "measure", end
    return "count", end


def _counted(sentence: str, start: int, end: int) -> tuple[str, ...]:
    """What a count is of: the words right after it ("Forty-one runners", "two new stops"),
    else what it is "of the ..." ("four of the five counts"), else a noun before it ("a death
    toll of nine")."""
    words: list[str] = []
    position = end
    for m in _COUNTED_WORD.finditer(sentence, end):
        if sentence[position : m.start()].strip(" -"):
            break  # punctuation or a number between: what follows is not what is counted
        word = m.group().lower()
        if word in _COUNTED_STOP:
            break
        position = m.end()
        if word in _SKIP and not words:
            continue
        words.append(word)
        if len(words) == 2:
            break
    if words:
        return tuple(words)
    of = _OF_THE.match(sentence, end)
    if of:
        return (of.group(1).lower(),)
    toll = _TOLL.search(sentence[max(0, start - 40) : start])
    return (toll.group().split()[0].lower(),) if toll else ()


_SCORE_SPAN = re.compile(r"(?<![\w.,-])(\d{1,3})\s?[-–]\s?(\d{1,3})(?![\w.,-]*\d)")


def score_spans(sentence: str) -> tuple[Span, ...]:
    """Scores and vote tallies ("2-1", "7–2")."""
    return tuple(
        Span(m.start(), m.end(), m.group(), "score") for m in _SCORE_SPAN.finditer(sentence)
    )


def date_spans(sentence: str) -> tuple[Span, ...]:
    """The date and time expressions of `sentence`, as spans."""
    return tuple(Span(p.start, p.end, p.text, p.kind) for p in date_phrases(sentence))


def values_in(text: str) -> tuple[float, ...]:
    """Every number `text` states, as a value (numbers.number_values on its digits)."""
    return number_values(digits(text))
