"""Order in time, for a yes/no question about two reports or events: each side's article, by
the date the question gives, else its publication date (both reports must be found); or an
order one article tells ("Pakistan strikes targets in Iran two days after Iranian strikes in
Pakistan"); else the question is one claim with a time in it, "yes" only when the sentence
stating it tells an order too ("taken to hospital after the race"), never "no": a claim the
sentence contradicts may be wrong in what it says, not in when."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from index.answer.claim_check import (
    Decision,
    PartOutcome,
    best_first,
    check_claim,
    stated,
    stems,
    tells,
    topical,
)
from index.answer.sentences import Sentence
from index.answer.yes_no import Part, YesNo
from index.dates import first_day, parse_day


def decide_order(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """Order in time of the two parts' reports or events."""
    sides = []
    for part in topical(question.parts):
        order = best_first(part, sentences, scores)
        day = first_day(part.text) or (
            parse_day(sentences[order[0]].passage.published_at) if order else None
        )
        sides.append((part, order[:1], day))
    (a, ia, da), (b, ib, db) = sides
    if da is None or db is None or da == db or (ia and ib and _same_article(sentences, ia, ib)):
        return _order_in_text(question, sentences, scores)
    claims = [check_claim(p, sentences, scores) for p in (a, b)]
    if any(c.outcome == "no" for c in claims):  # "reported as improved" when it says worsened
        return Decision("no", tuple(claims))
    if not all(stated(p, sentences[i[0]], sentences) for p, i in ((a, ia), (b, ib))):
        parts = (PartOutcome(a, "undecided", "not found", tuple(ia)),
                 PartOutcome(b, "undecided", "not found", tuple(ib)))  # fmt: skip
        return Decision("undecided", parts)
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
            if tells(a.text, left) and tells(b.text, right):
                a_before_b = not later_first
            elif tells(b.text, left) and tells(a.text, right):
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
    whole = check_claim(
        Part(question.claim or f"{a.text} {b.text}"), sentences, np.zeros(len(sentences))
    )
    if whole.outcome == "yes" and _ORDER_WORD.search(sentences[whole.sentences[0]].text):
        return Decision("yes", (whole,))
    # A claim that leaves out its time says nothing of the order, and one the sentence
    # contradicts may be wrong in what it says, not in when.
    return Decision("undecided", (PartOutcome(whole.part, "undecided", "no order told",
                                              whole.sentences),))  # fmt: skip


def _same_article(sentences: Sequence[Sentence], a: list[int], b: list[int]) -> bool:
    return sentences[a[0]].passage.doc_id == sentences[b[0]].passage.doc_id


def _quotable(sentences: Sequence[Sentence], i: int, claim: str) -> int:
    """The sentence to cite for an order told in sentence `i` or its article's title (a title
    is not in the body): the article's sentence sharing the most of the claim's words, one
    telling an order first ("in response to ... two days earlier"), the earliest on a tie."""
    doc = sentences[i].passage.doc_id
    mine = [j for j, s in enumerate(sentences) if s.passage.doc_id == doc]
    words = stems(claim)

    def key(j: int) -> tuple[float, int]:
        text = sentences[j].text
        told = bool(_ORDER_WORD.search(text) or re.search(r"\b(?:earlier|later)\b", text))
        return (len(words & stems(text)) + 0.5 * told, -sentences[j].start)

    return max(mine, key=key)
