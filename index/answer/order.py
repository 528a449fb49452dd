"""Order in time, for a yes/no question about two reports or events: each side's article, by
the date the question gives, else its publication date (both reports must be found); or an
order one article tells ("Pakistan strikes targets in Iran two days after Iranian strikes in
Pakistan"); else the question is one claim with a time in it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

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
from index.dates import (
    MONTHS,
    DatePhrase,
    date_phrases,
    first_day,
    month_number,
    parse_day,
    resolve,
)


def decide_order(question: YesNo, sentences: Sequence[Sentence], scores: np.ndarray) -> Decision:
    """Order in time of the two parts' reports or events."""
    reports = about_reports(question)
    sides = []
    for part in topical(question.parts):
        order = best_first(part, sentences, scores)
        day = first_day(part.text)
        if day is None and order:
            best = sentences[order[0]]
            told = None if reports else event_day(best)
            day = told or parse_day(best.passage.published_at)
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
    return Decision(whole.outcome, (whole,))


_REPORTS = re.compile(
    r"\b(?:report|reports|reported|article|articles|story|stories|piece|coverage|published|"
    r"editorial|column)\b",
    re.I,
)


def about_reports(question: YesNo) -> bool:
    """Whether the question orders reports (by their publication dates), not events: "Was the
    Courier article about X published before ...", a part naming its publication."""
    text = " ".join([question.claim, *(p.text for p in question.parts)])
    return bool(_REPORTS.search(text)) or any(p.sources for p in question.parts)


def event_day(sentence: Sentence) -> date | None:
    """When the event a sentence tells happened, as precisely as it says: the first day, month
    or year it names ("began in October 2024", "in 2023", "in November", "on Tuesday"), a month
    or year as its first day. News reports most events the day after, so its publication date
    stands in when the sentence names none; not when it names an earlier time."""
    published = parse_day(sentence.passage.published_at)
    for phrase in date_phrases(sentence.text):
        day = _day_of(phrase, published, sentence.text)
        if day is not None:
            return day
    return None


def _day_of(phrase: DatePhrase, published: date | None, text: str) -> date | None:
    if phrase.kind in ("weekday", "relative_day"):
        return resolve(phrase, published, text)
    if phrase.kind == "date":
        return first_day(phrase.text)
    year = re.search(r"(?:19|20)\d\d", phrase.text)
    month = re.search(r"(?i)\b(" + "|".join(MONTHS) + r")\b", phrase.text)
    if phrase.kind == "year" and year:
        return date(int(year.group()), 1, 1)
    if phrase.kind in ("month_year", "month") and month:
        number = month_number(month.group(1))
        if year:
            return date(int(year.group()), number, 1)
        if published is not None:  # "in November" in an article of January: the one before
            back = number > published.month
            return date(published.year - back, number, 1)
    return None


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
