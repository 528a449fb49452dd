"""Numbers in a text as values, whatever their spelling: "nine" = "9", "2.4 million" = "2,400,000".

Spelled numbers are turned into digits by text2num's `alpha2digit` (a Rust extension: about
5 µs a sentence, against 1.5 ms for number-parser, which also makes "one of the best" a 1).
What it leaves to us: a scale after digits ("2.4 million", which it writes "2.4 1000000"),
thousands separators, suffixes such as "$3bn", number words inside hyphenated compounds
("eleven-year-old"), which it does not convert, and "one" as a pronoun ("one of the best", "no
one", "this one"), which it would: that "one" is hidden from it, every other "one" and "zero"
is a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import alpha2digit

from index.dates import MONTHS, WEEKDAYS

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "1000": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "1000000": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "1000000000": 1e9,
    "tn": 1e12,
    "trillion": 1e12,
    "1000000000000": 1e12,
}
_SCALE = "|".join(sorted(map(re.escape, _SCALES), key=len, reverse=True))
_VALUE = re.compile(
    rf"(?<![\w.])(\d+(?:,\d{{3}})*(?:\.\d+)?)(?:(?:st|nd|rd|th)\b)?(?:\s?({_SCALE})\b)?", re.I
)
# Letters joined by a hyphen: "eleven-year-old" -> "eleven year old" for the conversion only.
_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
# "one" that is no count: followed by of/another/who..., ending a clause, or after a determiner.
_PRONOUN_ONE = re.compile(
    r"(?:\b(?:no|any|every|some|this|that|the|each|single|which|only|last|next|other|little|"
    r"big|new|old|good|bad|right|wrong|latest|first|a)\s+)one\b(?!\s+(?:hundred|thousand|million|billion))"
    r"|\bone(?=\s+(?:of|another|who|that|which|and only)\b|['’]s\b|\s*[.,;:!?)]|\s*$)",
    re.I,
)


@lru_cache(maxsize=4096)
def digits(text: str) -> str:
    """`text` with its spelled numbers written in digits (hyphens between words spaced)."""
    text = _PRONOUN_ONE.sub(lambda m: m.group()[:-3] + "someone", _HYPHEN.sub(" ", text))
    return alpha2digit(text, "en", threshold=0)


def _value(number: str, scale: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * _SCALES[scale.lower()] if scale else value


@lru_cache(maxsize=4096)
def number_values(text: str) -> tuple[float, ...]:
    """Every number `text` states, as a value, in order of appearance."""
    return tuple(_value(m.group(1), m.group(2)) for m in _VALUE.finditer(digits(text)))


def same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def missing_values(claim: str, source: str) -> list[float]:
    """The values `claim` states that `source` does not state in any spelling."""
    have = number_values(source)
    return [v for v in number_values(claim) if not any(same(v, h) for h in have)]


CALENDAR = {**dict.fromkeys(MONTHS, "month"), **dict.fromkeys(WEEKDAYS, "weekday")}
_SLOT = re.compile(
    rf"(\d+(?:,\d{{3}})*(?:\.\d+)?)(?:(?:st|nd|rd|th)\b)?(?:\s?({_SCALE})\b)?|[A-Za-z]+", re.I
)


@dataclass(frozen=True)
class Slot:
    kind: str  # number, month, weekday, or "" for any other word
    value: float | str
    before: str  # the word or "#number" next to it on each side ("" at the text's ends)
    after: str


@lru_cache(maxsize=4096)
def slots(text: str) -> tuple[Slot, ...]:
    """The numbers, months and weekdays of `text`, each with the words beside it."""
    items: list[tuple[str, float | str]] = []
    for m in _SLOT.finditer(digits(text)):
        if m.group(1):
            items.append(("number", _value(m.group(1), m.group(2))))
        else:
            word = m.group().lower()
            items.append((CALENDAR.get(word, ""), word))
    out = []
    for i, (kind, value) in enumerate(items):
        if kind:
            before = items[i - 1] if i else ("", "")
            after = items[i + 1] if i + 1 < len(items) else ("", "")
            out.append(Slot(kind, value, _word(before), _word(after)))
    return tuple(out)


def _word(item: tuple[str, float | str]) -> str:
    """A neighbour as context: a word, or a number ("8:54" -> 8 has "#54" after it)."""
    kind, value = item
    return f"#{value:g}" if kind == "number" and isinstance(value, float) else str(value)


def replaced_values(claim: str, sentence: str, common: frozenset[str]) -> list[float | str]:
    """Values of the claim standing where the sentence has another value: the same words
    beside it (one uncommon word, or both) and none of the sentence's values there equal.
    "after a 1-4 start" against "after a 2-4 start" gives [1.0]."""
    theirs = slots(sentence)
    out: list[float | str] = []
    for mine in slots(claim):
        places = [s for s in theirs if s.kind == mine.kind and _same_place(mine, s, common)]
        if places and not any(_equal(mine.value, s.value) for s in places):
            out.append(mine.value)
    return out


def _same_place(a: Slot, b: Slot, common: frozenset[str]) -> bool:
    before = a.before == b.before and a.before and a.before not in common
    after = a.after == b.after and a.after and a.after not in common
    both = a.before == b.before and a.after == b.after and (a.before or a.after)
    return bool(before or after or both)


def _equal(a: float | str, b: float | str) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return same(a, b)
    return a == b
