"""How well a span fits what a question asks: its kind (a person for "who", a time for "what
time"), what a count counts, the question's time qualifiers ("in 2023", "last year"), the
role the question names beside a name, and how close the question's own words stand to it.
Each is one factor of a slot candidate's features (`slots.py`)."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from index.answer.asks import COUNT, DATE, MEASURE, NAME, ORGANISATION, PERSON, PLACE, TIME, Asks
from index.answer.names import NameSpan
from index.answer.news_words import ALTERNATIVES, PEOPLE, ROLE_WORDS, SYNONYMS, TALLIES
from index.answer.spans import SPELLED_NUMBER, Span
from index.text import stem

WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")

SUPERSEDED = re.compile(
    r"(?:\b(?:up|down|rising|falling|rose|fell|increased|cut|reduced)?\s*from|\brather\s+than|"
    r"\binstead\s+of|\bcompared\s+with|\bhad\s+been(?:\s+\w+){0,4}?\s+(?:in|at|for|on))"
    r"\s+(?:about\s+|around\s+|the\s+)?$",
    re.I,
)
EARLIER = re.compile(r"originally|initially|at first|previously|before|last year", re.I)
NAME_KIND = {  # what a name looks like -> how well it fits each kind asked
    PERSON: {"person": 1.0, "organisation": 0.2, "place": 0.2, "": 0.6},
    ORGANISATION: {"person": 0.2, "organisation": 1.0, "place": 0.4, "": 0.6},
    PLACE: {"person": 0.15, "organisation": 0.4, "place": 1.0, "": 0.5},
    NAME: {"person": 1.0, "organisation": 1.0, "place": 1.0, "": 1.0},
}
TIME_KINDS = ("time", "weekday", "relative_day")
SPELLED = re.compile(rf"(?i)(?:{SPELLED_NUMBER})")


def kind_match(asks: Asks, span: Span | NameSpan) -> float:
    """How well a span fits the kind asked, as far as its look tells."""
    if isinstance(span, NameSpan):
        if re.search(r"\d", span.text):
            return 0.2 if asks.expects == PERSON else 0.5  # "B907", "Line 3": not a person
        looks = (
            "organisation" if span.organisation_like
            else "place" if span.place_like and not span.titled
            else "person" if span.person_like
            else ""
        )  # fmt: skip
        return NAME_KIND.get(asks.expects, {}).get(looks, 0.6)
    if asks.expects == TIME:  # "what time did the marathon start": a clock time over "Sunday"
        return 1.0 if span.kind == "time" else 0.6 if span.kind in TIME_KINDS else 0.4
    if asks.expects == DATE and span.kind == "time":
        return 0.3
    return 1.0


def closeness(text: str, start: int, end: int, weights: dict[str, float]) -> tuple[float, bool]:
    """How close the question's words stand to a span, weighted (1 when all stand beside it,
    falling with distance in words), and whether one is within three words."""
    if not weights:
        return 1.0, False
    words = placed_terms(text)
    before = sum(1 for s, _ in words if s < start)
    after = sum(1 for s, _ in words if s < end)
    places = term_places(text)
    total, adjacent = 0.0, False
    for term, weight in weights.items():
        same = ALTERNATIVES.get(term, (term,))  # a word's alternatives include it
        gaps = [
            before - j if j < before else j - after + 1
            for t in same
            for j in places.get(t, ())
            if not start <= words[j][0] < end
        ]
        if gaps:
            gap = max(min(gaps), 0)
            adjacent = adjacent or gap <= 3
            total += weight / (1.0 + gap / 4.0)
    return total / (sum(weights.values()) or 1.0), adjacent


@lru_cache(maxsize=50_000)
def placed_terms(text: str) -> tuple[tuple[int, str], ...]:
    """Each word's place in `text` and its stem, read once per text."""
    return tuple((m.start(), stem(m.group().lower())) for m in WORD.finditer(text))


@lru_cache(maxsize=50_000)
def term_places(text: str) -> dict[str, tuple[int, ...]]:
    """Each stem's word numbers in `text` (`placed_terms` order): a span's scoring looks up the
    question's words instead of walking every word of its sentence for each."""
    places: dict[str, list[int]] = {}
    for j, (_, t) in enumerate(placed_terms(text)):
        places.setdefault(t, []).append(j)
    return {t: tuple(js) for t, js in places.items()}


@lru_cache(maxsize=50_000)
def term_set(text: str) -> frozenset[str]:
    return frozenset(t for _, t in placed_terms(text))


@lru_cache(maxsize=50_000)
def bare_words(text: str) -> frozenset[str]:
    return frozenset(bare(w) for w in WORD.findall(text))


def bare(word: str) -> str:
    return re.sub(r"(?:['’]s|['’])$", "", word.lower())


def counts_asked(asks: Asks, span: Span | NameSpan) -> float:
    """1 when a count is of what is asked (or nothing is named), 0 when of something else;
    0.5 when it says of nothing."""
    if asks.expects not in (COUNT, MEASURE) or not asks.counted:
        return 1.0
    counted = getattr(span, "counted", ())
    if not counted:
        return 0.5
    wanted = {stem(w) for w in asks.counted}
    got = {stem(w) for w in counted}
    if wanted & got:
        # "14 flood alerts" shares "flood" with "how many flood warnings" but counts alerts.
        return 1.0 if stem(_counted_head(asks.counted)) in got else 0.5
    if any(got & set(SYNONYMS.get(w, ())) for w in wanted):
        return 0.9
    if "people" in asks.counted and set(counted) & PEOPLE:
        return 0.9
    if set(counted) & TALLIES:  # "a death toll of nine": a tally of whatever is asked
        return 0.9
    return 0.2  # counts something else, or a verb follows it ("5,987 crossed the line")


def _counted_head(counted: tuple[str, ...]) -> str:
    """The noun a count question counts: its first plural ("warnings" of "flood warnings",
    "riders" of "riders actually finished"), else its first word ("people died")."""
    plural = [w for w in counted if len(w) > 3 and w.endswith("s") and not w.endswith("ss")]
    return plural[0] if plural else counted[0]


EARLIER_TIME = re.compile(
    r"\b(?:last\s+year|a\s+year\s+(?:ago|earlier)|ago|previous(?:ly)?|earlier|before|"
    r"(?:19|20)\d\d)\b",
    re.I,
)


def qualified(asks: Asks, text: str) -> float:
    """Agreement with the question's time qualifiers: a year it names stands in the sentence,
    and "last year", "ten years ago" or "before the budget" asks for a sentence about an
    earlier time."""
    years = [q for q in asks.qualifiers if q.isdigit()]
    if years and not any(y in text for y in years):
        return 0.0
    earlier = ("last year", "ago", "before")
    if any(q.startswith(earlier) for q in asks.qualifiers) and not EARLIER_TIME.search(text):
        return 0.2
    days = {q for q in asks.qualifiers if q.endswith("day")}
    named = {d.lower() for d in _WEEKDAY.findall(text)}
    if days and named and not days & named:
        return 0.0  # "burned by Sunday night" against "By Monday morning it had burned 3,200"
    if any(q.startswith("this ") for q in asks.qualifiers) and _LAST_TIME.search(text):
        return 0.0  # "how many rescues this summer" against "Last summer ... 38 rescues"
    return 1.0


_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b", re.I)
_LAST_TIME = re.compile(
    r"\b(?:last|previous)\s+(?:summer|season|spring|autumn|winter|month|week|year)\b", re.I
)


def names_covered(names: frozenset[str], text: str, title: str) -> float:
    """Share of the question's names the text or title holds; a hyphenated one ("Wren-1",
    "Brackwell-Tamsin") whole or in its parts ("Brackwell ... Tamsin")."""
    if not names:
        return 1.0
    here = bare_words(text) | bare_words(title)
    found = [n in here or ("-" in n and set(n.split("-")) - {""} <= here) for n in names]
    return sum(found) / len(names)


def role_near(asks: Asks, text: str, span: NameSpan) -> bool:
    """The role the question asks about ("which judge", "the mayor") stands within four words
    of the name in its sentence, in its own words or news's ("Justice", "lead author"), or
    ends the name ("Halden District Court")."""
    wanted: set[str] = set()
    for role in asks.roles:
        wanted |= ROLE_WORDS.get(stem(role), {stem(role)})
    if not wanted:
        return False
    before = WORD.findall(text[: span.start])[-4:]
    after = WORD.findall(text[span.end :])[:4]
    head = WORD.findall(span.text)[-1:]  # "Halden District Court" for "which court"
    return bool({stem(w.lower()) for w in before + after + head} & wanted)


def rarity_weights(stems: set[str], terms: list[set[str]]) -> dict[str, float]:
    """Each stem's weight: rarer among the candidate sentences weighs more, so the words that
    tell the sentences apart ("state", "dissented") count above the story's topic ("tram")."""
    n = len(terms)
    return {t: math.log(1 + n / (1 + sum(t in ts for ts in terms))) for t in stems}
