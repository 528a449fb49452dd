"""Yes or no from the evidence, part by part, or "the articles don't settle it".

Each part of a yes/no question (`yes_no.parse`) is decided on its own sentences: those of the
articles from the publication it names, else of every retrieved passage.

- a claim: against the sentence that best matches it. "No" only on a real contradiction: a
  number or name where the claim has another ("three were killed" against "did five die?"), a
  negation the claim lacks, or the opposite verb ("rejected" against "approved"), with the claim
  checks LLM mode uses (`claims.py`). "Yes" when that sentence states the claim's words, its
  numbers and names, and contradicts nothing. Anything else is undecided: silence is not "no".
- order in time: each side's article, by the dates the question gives, else its publication
  date; equal or unknown dates settle nothing.
- consistency: the value each side's article gives for the slot asked (a count, an amount, a
  date), compared as values: the same is "yes", different is "no".

A wrong "yes" is worse than none, so every rule leans to "undecided".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from index.answer.asks import Asks, analyse
from index.answer.claims import Source as ClaimSource
from index.answer.claims import negation_flipped, unknown_names
from index.answer.numbers import missing_values, replaced_values, same
from index.answer.proper_names import DEMONYMS
from index.answer.sentences import Sentence
from index.answer.slots import spans_of
from index.answer.spans import number_spans
from index.answer.yes_no import Part, YesNo
from index.dates import parse_day
from index.retrieval.query_analysis import find_dates
from index.text import stem, stopwords

_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.:]*")
SUPPORTED = 0.75  # share of a claim's weighted words a sentence (and its title) states for "yes"
MATCHED = 0.5  # ... and for its contradiction to count as "no"
# Verbs and words that say the opposite of each other in news ("approved" / "rejected").
_OPPOSITES = (
    ("approve", "reject"), ("pass", "fail"), ("win", "lose"), ("rise", "fall"),
    ("increas", "decreas"), ("open", "close"), ("guilti", "acquit"), ("convict", "acquit"),
    ("uphold", "overturn"), ("uphold", "quash"), ("accept", "declin"), ("accept", "refus"),
    ("confirm", "deni"), ("grant", "refus"), ("ahead", "behind"), ("up", "down"),
    ("more", "fewer"), ("more", "less"), ("higher", "lower"), ("earlier", "later"),
    ("gain", "loss"), ("profit", "loss"), ("hire", "cut"), ("expand", "shrink"),
)  # fmt: skip
_OPPOSITE = {a: b for a, b in _OPPOSITES} | {b: a for a, b in _OPPOSITES}
# Past forms whose stem is not the verb's: "rose" is "rise" for the opposites.
_IRREGULAR = {
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "won": "win",
    "lost": "lose", "began": "begin", "begun": "begin", "shut": "close", "cut": "cut",
    "struck": "strike", "led": "lead", "paid": "pay", "sold": "sell", "held": "hold",
}  # fmt: skip
_UNANIMOUS = re.compile(r"\bunanimous(?:ly)?\b", re.I)
_SPLIT_VOTE = re.compile(r"\b(\d{1,3})\s?[-–]\s?(\d{1,3})\b|\bsplit\b|\bdissent", re.I)


@dataclass(frozen=True)
class PartOutcome:
    """How one part was decided: yes, no or undecided, why, and the sentences deciding it."""

    part: Part
    outcome: str
    why: str
    sentences: tuple[int, ...] = ()


@dataclass(frozen=True)
class Decision:
    outcome: str  # yes, no, undecided
    parts: tuple[PartOutcome, ...]

    @property
    def sentences(self) -> list[int]:
        return list(dict.fromkeys(i for p in self.parts for i in p.sentences))


def decide(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """The verdict on `question` from the candidate sentences and their selector scores."""
    if question.kind == "temporal" and len(question.parts) == 2:
        return _order(question, sentences, scores)
    if question.kind == "consistency":
        return _consistency(question, sentences, scores)
    parts = tuple(_claim(p, sentences, scores) for p in question.parts)
    return Decision(_all(parts), parts)


def _all(parts: Sequence[PartOutcome]) -> str:
    outcomes = {p.outcome for p in parts}
    if "no" in outcomes:
        return "no"
    return "yes" if outcomes == {"yes"} else "undecided"


def _of(part: Part, sentences: Sequence[Sentence]) -> list[int]:
    """The sentences a part is decided on: its publication's, else all."""
    if part.sources:
        mine = [i for i, s in enumerate(sentences) if s.passage.source in part.sources]
        if mine:
            return mine
    return list(range(len(sentences)))


def _weights(sentences: Sequence[Sentence]) -> dict[str, float]:
    """Each stem's weight among the candidate sentences: rarer weighs more."""
    counts: dict[str, int] = {}
    for s in sentences:
        for t in _stems(s.text):
            counts[t] = counts.get(t, 0) + 1
    n = len(sentences)
    return {t: math.log(1 + n / (1 + c)) for t, c in counts.items()}


def _stems(text: str) -> set[str]:
    stop = stopwords()
    return {_term(w) for w in _WORD.findall(text) if w.lower() not in stop}


def _term(word: str) -> str:
    """A word as the verdicts compare it: its stem, a past form as its verb ("struck" is
    "strike"), a people as its country ("Iranian" is "Iran")."""
    low = re.sub(r"(?:['’]s|['’])$", "", word.lower())
    low = _IRREGULAR.get(low, low)
    if word[:1].isupper():
        low = DEMONYMS.get(low) or re.sub(r"^(.{4,}?)(?:ian|i)$", r"\1", low)
    return stem(low)


def _support(claim: set[str], text: str, weights: dict[str, float]) -> float:
    """The weighted share of the claim's words the text states."""
    total = sum(weights.get(t, 1.0) for t in claim) or 1.0
    here = _stems(text)
    return sum(weights.get(t, 1.0) for t in claim if t in here) / total


def _best(part: Part, sentences: Sequence[Sentence], scores: np.ndarray) -> list[int]:
    """The part's candidate sentences, best first: by how much of it they state, then score."""
    pool = _of(part, sentences)
    weights = _weights([sentences[i] for i in pool])
    claim = _stems(part.text)
    return sorted(pool, key=lambda i: -(_support(claim, _with_title(sentences[i]), weights)
                                        + 0.2 * scores[i]))  # fmt: skip


def _with_title(sentence: Sentence) -> str:
    """A sentence with its article's title: the story it belongs to is part of what it says."""
    return f"{sentence.text} {sentence.passage.title}"


def _claim(part: Part, sentences: Sequence[Sentence], scores: np.ndarray) -> PartOutcome:
    order = _best(part, sentences, scores)
    if not order:
        return PartOutcome(part, "undecided", "no article speaks to it")
    pool = [sentences[i] for i in _of(part, sentences)]
    weights = _weights(pool)
    claim = _stems(part.text)
    for i in order[:3]:
        why = _contradiction(part.text, sentences[i].text)
        if why and _support(claim, _with_title(sentences[i]), weights) >= MATCHED:
            return PartOutcome(part, "no", why, (i,))
    best = order[0]
    text = f"{sentences[best].text} {sentences[best].passage.title}"
    if _support(claim, text, weights) >= SUPPORTED and _states_all(part.text, text):
        return PartOutcome(part, "yes", "stated", (best,))
    return PartOutcome(part, "undecided", "not stated either way", (best,))


def _contradiction(claim: str, sentence: str) -> str:
    """Why `sentence` says the opposite of `claim`, or "" when it does not."""
    compared = _comparison(claim, sentence)
    if compared is not None:
        return "" if compared else "the figure is on the other side"
    if replaced_values(claim, sentence, stopwords()):
        return "a different figure"
    if negation_flipped(claim, sentence):
        return "the opposite, negated"
    mine, theirs = _all_stems(claim), _all_stems(sentence)
    for word in mine:
        if _OPPOSITE.get(word) in theirs and word not in theirs:
            return "the opposite word"
    if _UNANIMOUS.search(claim) and _split(sentence):
        return "a split vote"
    year = _other_year(claim, sentence)
    return f"another year ({year})" if year else ""


def _split(sentence: str) -> bool:
    m = _SPLIT_VOTE.search(sentence)
    if m is None:
        return False
    return not m.group(1) or (int(m.group(1)) > 0 and int(m.group(2)) > 0)


def _other_year(claim: str, sentence: str) -> str:
    """A year the claim names for something the sentence dates to another year only."""
    mine = set(re.findall(r"\b(?:19|20)\d\d\b", claim))
    theirs = set(re.findall(r"\b(?:19|20)\d\d\b", sentence))
    if mine and theirs and not mine & theirs and len(theirs) == 1:
        return theirs.pop()
    return ""


_COMPARATOR = re.compile(
    r"\b(more than|over|above|greater than|at least|exceed(?:ed|s)?|bigger than|"
    r"fewer than|less than|under|below|at most|smaller than)\s+(?:\$|£|€)?(\d[\d,.]*)",
    re.I,
)
_LESS = ("fewer than", "less than", "under", "below", "at most", "smaller than")


def _comparison(claim: str, sentence: str) -> bool | None:
    """For a claim comparing a figure ("more than 3 per cent"): whether the sentence's figure
    of the same kind meets it; None when the claim compares nothing or the sentence has no
    such figure."""
    m = _COMPARATOR.search(claim)
    if m is None:
        return None
    bound = float(m.group(2).replace(",", "").rstrip("."))
    kind = next((s.kind for s in number_spans(claim) if s.value == bound), "count")
    values = [s.value for s in number_spans(sentence) if s.kind == kind and s.value is not None]
    if not values:
        return None
    value = values[0]
    less = m.group(1).lower() in _LESS
    return value < bound if less else value > bound


def _all_stems(text: str) -> set[str]:
    return {_term(w) for w in _WORD.findall(text)}


def _states_all(claim: str, sentence: str) -> bool:
    """The sentence states every number and name of the claim."""
    if missing_values(claim, sentence):
        return False
    return not unknown_names(claim, ClaimSource.of([sentence]))


def _order(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """Order in time of the two parts' reports or events."""
    sides = []
    for part in _topical(question.parts):
        order = _best(part, sentences, scores)
        day = _named_day(part.text) or (_day_of(sentences[order[0]]) if order else None)
        sides.append((part, order[:1], day))
    (a, ia, da), (b, ib, db) = sides
    if da is None or db is None or da == db or (ia and ib and _same_article(sentences, ia, ib)):
        return _order_in_text(question, sentences, scores)
    first_before = da < db
    yes = first_before if question.relation == "before" else not first_before
    outcome = "yes" if yes else "no"
    parts = (
        PartOutcome(a, outcome, da.isoformat(), tuple(ia)),
        PartOutcome(b, outcome, db.isoformat(), tuple(ib)),
    )
    return Decision(outcome, parts)


_ORDER_WORD = re.compile(
    r"\b(?:after|before|following|ahead of|in response to|in retaliation for|earlier than|"
    r"later than)\b",
    re.I,
)
_AFTER_WORDS = ("after", "following", "in response to", "in retaliation for", "later than")


def _order_in_text(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """The order of two events one article tells ("Pakistan strikes targets in Iran two days
    after Iranian strikes in Pakistan"): a sentence or title with an order word, one part's
    words before it and the other's after."""
    a, b = question.parts
    texts = {s.passage.title: i for i, s in enumerate(sentences)}
    texts.update({s.text: i for i, s in enumerate(sentences)})
    for text, i in texts.items():
        for m in _ORDER_WORD.finditer(text):
            left, right = text[: m.start()], text[m.end() :]
            later_first = m.group().lower() in _AFTER_WORDS  # "L after R": R happened first
            if _tells(a.text, left) and _tells(b.text, right):
                a_before_b = not later_first
            elif _tells(b.text, left) and _tells(a.text, right):
                a_before_b = later_first
            else:
                continue
            i = _quotable(sentences, i, f"{a.text} {b.text}")
            yes = a_before_b == (question.relation == "before")
            outcome = "yes" if yes else "no"
            parts = (PartOutcome(a, outcome, "told in order", (i,)),
                     PartOutcome(b, outcome, "told in order", (i,)))  # fmt: skip
            return Decision(outcome, parts)
    # No order told: the question may be one claim with a time in it ("were fifty runners
    # taken to hospital after the race?").
    whole = _claim(
        Part(question.claim or f"{a.text} {b.text}"), sentences, np.zeros(len(sentences))
    )
    return Decision(whole.outcome, (whole,))


def _tells(part: str, side: str) -> bool:
    """Whether one side of an order word tells a part: most of its words (at least two), and
    its names in the same order ("Pakistan ... Iran" is not "Iran ... Pakistan")."""
    wanted, have = _stems(part), _stems(side)
    if len(wanted) < 2 or len(wanted & have) < max(2, round(0.75 * len(wanted))):
        return False
    if missing_values(part, side):
        return False  # "fifty runners" is not told by "Forty-one runners"
    mine = [_term(w) for w in _WORD.findall(part) if w[:1].isupper()]
    theirs = [_term(w) for w in _WORD.findall(side) if w[:1].isupper()]
    theirs = [t for t in theirs if t in mine]
    return [t for t in mine if t in theirs] == list(dict.fromkeys(theirs))[: len(mine)] or not mine


def _quotable(sentences: Sequence[Sentence], i: int, claim: str) -> int:
    """The sentence to cite for an order told in sentence `i` or its article's title (a title
    is not in the body): the article's sentence sharing the most of the claim's words, one
    telling an order first ("in response to ... two days earlier"), the earliest on a tie."""
    doc = sentences[i].passage.doc_id
    mine = [j for j, s in enumerate(sentences) if s.passage.doc_id == doc]
    words = _stems(claim)

    def key(j: int) -> tuple[float, int]:
        text = sentences[j].text
        told = bool(_ORDER_WORD.search(text) or re.search(r"\b(?:earlier|later)\b", text))
        return (len(words & _stems(text)) + 0.5 * told, -sentences[j].start)

    return max(mine, key=key)


def _topical(parts: Sequence[Part]) -> list[Part]:
    """Parts with their topic: one that says little beyond a publication's name ("... after
    the Herald's") takes the other's words ("the WBN tram story")."""
    out = []
    for part, other in zip(parts, reversed(parts), strict=True):
        own = _stems(part.text) - {stem(w.lower()) for s in part.sources for w in s.split()}
        if len(own) < 2:
            part = Part(f"{part.text} {other.text}", part.sources)
        out.append(part)
    return out


def _same_article(sentences: Sequence[Sentence], a: list[int], b: list[int]) -> bool:
    return sentences[a[0]].passage.doc_id == sentences[b[0]].passage.doc_id


def _named_day(text: str) -> date | None:
    days = find_dates(text)
    return parse_day(days[0]) if days else None


def _day_of(sentence: Sentence) -> date | None:
    return parse_day(sentence.passage.published_at)


def _consistency(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """Whether two reports give the same value for the slot asked."""
    slot = question.slot or question.parts[0].text
    sides = _two_sides(question, sentences)
    if len(sides) < 2:
        part = question.parts[0]
        return Decision("undecided", (PartOutcome(part, "undecided", "one report found"),))
    found = [_value(slot, part, pool, sentences, scores) for part, pool in sides]
    outcomes = []
    for (part, _), (value, i) in zip(sides, found, strict=True):
        outcomes.append(PartOutcome(part, "undecided", str(value or ""), (i,) if i >= 0 else ()))
    (va, _), (vb, _) = found
    if va is None or vb is None:
        return Decision("undecided", tuple(outcomes))
    outcome = "yes" if _equal(va, vb) else "no"
    return Decision(outcome, tuple(PartOutcome(o.part, outcome, o.why, o.sentences)
                                   for o in outcomes))  # fmt: skip


def _two_sides(question: YesNo, sentences: Sequence[Sentence]) -> list[tuple[Part, list[int]]]:
    """Each side's sentences: per named publication, else the two best articles of different
    publications."""
    if len(question.parts) >= 2:
        return [(p, _of(p, sentences)) for p in question.parts[:2] if p.sources]
    by_source: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_source.setdefault(s.passage.source, []).append(i)
    part = question.parts[0]
    named = [s for s in part.sources if s in by_source]
    others = [s for s in by_source if s not in named]
    chosen = (named + others)[:2]
    return [(Part(part.text, (s,)), by_source[s]) for s in chosen]


def _value(
    slot: str, part: Part, pool: list[int], sentences: Sequence[Sentence], scores: np.ndarray
) -> tuple[float | str | None, int]:
    """The value a side gives for the slot: the number (or date) in the sentence that states
    the slot's words best."""
    asks = _slot_asks(slot)
    words = _stems(slot)
    weights = _weights([sentences[i] for i in pool])
    ranked = sorted(pool, key=lambda i: -(_support(words, sentences[i].text, weights)
                                          + 0.1 * scores[i]))  # fmt: skip
    for i in ranked[:3]:
        text = sentences[i].text
        if _support(words, text, weights) < 0.5:
            break
        spans = [s for s in spans_of(asks, text) if getattr(s, "counted", None) != ()] or [
            s for s in spans_of(asks, text)
        ]
        if not spans:
            continue
        span = spans[0]
        value = getattr(span, "value", None)
        return (value if value is not None else span.text.lower()), i
    return None, -1


def _slot_asks(slot: str) -> Asks:
    """What kind of value the slot is ("the number injured" a count, "the cost" money)."""
    m = re.match(r"(?:the\s+)?(?:number|count|total)\s+(?:of\s+)?(.+)", slot, re.I)
    if m:
        return analyse(f"how many {m.group(1)}")
    asks = analyse(slot if re.match(r"(?i)how|when|who", slot) else f"what is the {slot}?")
    return asks if asks.typed else analyse(f"how many {slot}")


def _equal(a: float | str, b: float | str) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return same(a, b)
    return a == b
