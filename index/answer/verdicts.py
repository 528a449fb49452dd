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

import re
from collections.abc import Sequence

import numpy as np

from index.answer.asks import Asks, analyse
from index.answer.claim_check import (
    SPECIFIC_WORDS,
    Decision,
    PartOutcome,
    check_claim,
    overall,
    sentences_of,
    stems,
    support,
    term_weights,
)
from index.answer.names import NameSpan
from index.answer.news_words import TALLIES
from index.answer.numbers import same
from index.answer.order import decide_order
from index.answer.sentences import Sentence
from index.answer.slot_fit import closeness, counts_asked
from index.answer.slots import spans_of
from index.answer.spans import Span
from index.answer.yes_no import Part, YesNo
from index.dates import MONTHS, month_number, parse_day
from index.text import content_terms, stem

_TALLIES = frozenset(stem(w) for w in TALLIES)
Value = float | tuple[str, str]  # a number, or a date phrase's (kind, words)
_PART_OF = re.compile(r"\s+of\s+(?:them|those|these|whom)\b", re.I)


def decide(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """The verdict on `question` from the candidate sentences and their selector scores."""
    if question.kind == "temporal" and len(question.parts) == 2:
        return decide_order(question, sentences, scores)
    if question.kind == "consistency":
        return _consistency(question, sentences, scores)
    parts = tuple(check_claim(p, sentences, scores) for p in question.parts)
    return Decision(overall(parts), parts)


def _consistency(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """Whether two reports give the same value for the slot asked."""
    slot = question.slot or question.parts[0].text
    sides = _two_sides(question, sentences)
    if len(sides) < 2 or len(stems(slot)) > SPECIFIC_WORDS // 2:
        part = question.parts[0]
        return Decision("undecided", (PartOutcome(part, "undecided", "one report found"),))
    asks = _slot_asks(slot)
    found = [_value(slot, asks, pool, sentences, scores) for _, pool in sides]
    found = _anchored(found, [pool for _, pool in sides], asks, sentences)
    outcomes = []
    for (part, _), (value, i) in zip(sides, found, strict=True):
        shown = "" if value is None else value[1] if isinstance(value, tuple) else str(value)
        outcomes.append(PartOutcome(part, "undecided", shown, (i,) if i >= 0 else ()))
    (va, _), (vb, _) = found
    equal = None if va is None or vb is None else _equal(va, vb)
    if equal is None:
        return Decision("undecided", tuple(outcomes))
    outcome = "yes" if equal else "no"
    return Decision(outcome, tuple(PartOutcome(o.part, outcome, o.why, o.sentences)
                                   for o in outcomes))  # fmt: skip


def _two_sides(question: YesNo, sentences: Sequence[Sentence]) -> list[tuple[Part, list[int]]]:
    """Each side's sentences: per named publication; the two articles of the one publication
    named, when the question compares two of its stories ("the Evening Post's February and
    December stories"); else the two best articles of different publications."""
    if len(question.parts) >= 2:
        return [(p, sentences_of(p, sentences)) for p in question.parts[:2] if p.sources]
    own = _own_stories(question, sentences) or _two_best_stories(question, sentences)
    if own:
        return own
    by_source: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_source.setdefault(s.passage.source, []).append(i)
    part = question.parts[0]
    named = [s for s in part.sources if s in by_source]
    others = [s for s in by_source if s not in named]
    chosen = (named + others)[:2]
    return [(Part(part.text, (s,)), by_source[s]) for s in chosen]


_MONTHS = "(?:" + "|".join(m.capitalize() for m in MONTHS) + ")"
_MONTH = re.compile(rf"\b{_MONTHS}\b")
# "both stories", "its two reports", "the February and December stories", "its November report"
_TWO_STORIES = re.compile(
    rf"\b(?:two|both|{_MONTHS}\s+and\s+{_MONTHS})\b[^?]*?\b(?:stories|reports|articles|pieces)\b|"
    r"\bits\s+(?:\w+\s+){0,2}(?:story|report|article|piece)\b",
    re.I,
)


def _own_stories(question: YesNo, sentences: Sequence[Sentence]) -> list[tuple[Part, list[int]]]:
    """The two articles of the one publication a question names, when it compares two of that
    publication's stories: those of the months the question gives, in its order, else the
    first two by retrieval's order. A name two publications share ("the Evening Post") is
    the one whose articles fit."""
    part = question.parts[0]
    if not part.sources or not _TWO_STORIES.search(part.text):
        return []
    by_doc = _by_article(sentences, part.sources)
    source = {d: sentences[ix[0]].passage.source for d, ix in by_doc.items()}
    months = [month_number(m) for m in _MONTH.findall(part.text)][:2]
    for first in by_doc:
        mine = [d for d in by_doc if source[d] == source[first]]
        if len(months) == 2:
            mine = [_of_month(m, mine, by_doc, sentences) for m in months]
        if len(mine) >= 2 and "" not in mine[:2] and mine[0] != mine[1]:
            return [(Part(part.text, (source[first],)), by_doc[d]) for d in mine[:2]]
    return []


def _two_best_stories(
    question: YesNo, sentences: Sequence[Sentence]
) -> list[tuple[Part, list[int]]]:
    """The two articles retrieved first, when a question naming no publication compares two
    stories ("do both flood articles agree on ..."): they may come from one publication."""
    part = question.parts[0]
    if part.sources or not _TWO_STORIES.search(part.text):
        return []
    by_doc = _by_article(sentences)
    if len(by_doc) < 2:
        return []
    two = list(by_doc.values())[:2]
    return [(Part(part.text, (sentences[ix[0]].passage.source,)), ix) for ix in two]


def _by_article(sentences: Sequence[Sentence], sources: Sequence[str] = ()) -> dict[str, list[int]]:
    """The sentences' positions by article, in retrieval's order (of `sources` only, if
    given)."""
    by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        if not sources or s.passage.source in sources:
            by_doc.setdefault(s.passage.doc_id, []).append(i)
    return by_doc


def _of_month(
    month: int, docs: list[str], by_doc: dict[str, list[int]], sentences: Sequence[Sentence]
) -> str:
    """The first of `docs` published in `month` ("" when none is)."""
    for d in docs:
        day = parse_day(sentences[by_doc[d][0]].passage.published_at)
        if day is not None and day.month == month:
            return d
    return ""


def _value(
    slot: str, asks: Asks, pool: list[int], sentences: Sequence[Sentence], scores: np.ndarray
) -> tuple[Value | None, int]:
    """The value a side gives for the slot (of the kind `asks`): the number (or date) in the
    sentence that states the slot's words best."""
    words = stems(slot) - _TALLIES or stems(slot)  # "the number of new stops" is "new stops"
    weights = term_weights([sentences[i] for i in pool])
    ranked = sorted(pool, key=lambda i: -(support(words, sentences[i].text, weights)
                                          + 0.1 * scores[i]))  # fmt: skip
    for i in ranked[:3]:
        text = sentences[i].text
        if support(words, text, weights) < 0.5:
            break
        # A count of what the slot counts ("new stops"), else any of the kind asked.
        # ... the one standing nearest the slot's words ("the fund has promised $140 million"
        # over the cost before it); a part of a count ("two of them seriously") is not it.
        near = {w: 1.0 for w in words}
        found = [
            (counts_asked(asks, s), _PART_OF.match(text, s.end) is not None,
             closeness(text, s.start, s.end, near)[0], s)
            for s in spans_of(asks, text)
        ]  # fmt: skip
        ranked_spans = sorted(found, key=lambda f: (f[1], -f[0], -f[2]))
        spans = [s for fit, _, _, s in ranked_spans if fit >= 0.5]
        if not spans:
            continue
        return _span_value(spans[0]), i
    return None, -1


def _span_value(span: Span | NameSpan) -> Value:
    """A span's value: its number, or a date phrase as written (compared only with one as
    precise)."""
    value = getattr(span, "value", None)
    return (span.kind, span.text.lower()) if value is None else value


# A figure this large is seldom given for two things of one story.
_DISTINCT = 20


def _anchored(
    found: list[tuple[Value | None, int]],
    pools: list[list[int]],
    asks: Asks,
    sentences: Sequence[Sentence],
) -> list[tuple[Value | None, int]]:
    """Each side's value, a side that states the slot in other words ("8,914 spectators" for
    "the crowd figure") taking the sentence where it gives the other side's value. Only the
    same value is looked for, so this can only find agreement, never a difference."""
    missing = [k for k, (value, _) in enumerate(found) if value is None]
    if len(missing) != 1:
        return found
    k = missing[0]
    value, given = found[1 - k]
    if value is None or (isinstance(value, float) and value < _DISTINCT):
        return found  # "two", "three of them": any story has one
    near = _words(sentences[given].text)
    for i in pools[k]:
        if not near & _words(sentences[i].text):
            continue  # the same figure about something else
        for span in spans_of(asks, sentences[i].text):
            if _equal(_span_value(span), value):
                return [(value, i) if j == k else f for j, f in enumerate(found)]
    return found


def _words(text: str) -> set[str]:
    """A sentence's content words, its figures left out."""
    return {t for t in content_terms(text) if not t.isdigit()}


def _slot_asks(slot: str) -> Asks:
    """What kind of value the slot is ("the number injured" a count, "the cost" money)."""
    m = re.match(r"(?:the\s+)?(?:number|count|total)\s+(?:of\s+)?(.+)", slot, re.I)
    if m:
        return analyse(f"how many {m.group(1)}")
    asks = analyse(slot if re.match(r"(?i)how|when|who", slot) else f"what is the {slot}?")
    return asks if asks.typed else analyse(f"how many {slot}")


def _equal(a: Value, b: Value) -> bool | None:
    """Whether two values are the same; None when they cannot be compared (a weekday and a
    month: both may be right)."""
    if isinstance(a, float) and isinstance(b, float):
        return same(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] != b[0]:
        return None
    return a == b
