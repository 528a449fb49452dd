"""When an answer is refused, and the reason a reader is told."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answer.features import states_count
from index.text import content_terms


@dataclass(frozen=True)
class Thresholds:
    """When to refuse (fitted on MultiHop-RAG dev; see docs/answers.md, Refusal)."""

    sentence: float  # the best sentence's selector score must reach this
    passage: float  # ... or some passage's cosine with the question must reach this
    confident: float = 0.8  # a sentence this good answers even with no passage near
    # A short question is scored by the hand-set prior (`selector.short_question_prior`), on
    # another scale; these bars are set by hand too (no benchmark has such questions).
    sentence_short: float = 0.3
    confident_short: float = 0.4
    focus: bool = True  # refuse when what the question asks for is in no chosen sentence


def refusal(
    best_sentence: float, best_passage: float, limits: Thresholds, short: bool = False
) -> str | None:
    """The RefusalReason for these scores, or None when the question should be answered.

    A question about something the articles never covered can still share a sentence's words,
    so a middling sentence answers only when some passage as a whole is near the question too.
    """
    confident = limits.confident_short if short else limits.confident
    if best_sentence < confident and best_passage < limits.passage:
        return "no_close_passage"
    if best_sentence < (limits.sentence_short if short else limits.sentence):
        return "weak_best_sentence"
    return None


# What a question asks for, when it names it: "what is the salary of", "who was the architect
# of", "how much did ... earn", "when will ...". Category words ("company", "name") say what kind
# of answer is wanted, not a word the answer must hold.
_WHAT_THE = re.compile(
    r"^\s*what\s+(?:is|was|are|were|will be|has been)\s+(?:the|its|their|his|her)"
    r"\s+((?:[a-z]+\s+)?[a-z]+?)(?=\s+(?:of|for|in|at|on|behind|to|by)\b|\s*\?)",
    re.I,
)
_WHEN = re.compile(r"^\s*(?:when|what (?:date|year|day|month|time))\b", re.I)
_HOW_MUCH = re.compile(r"^\s*how (?:much|many)\b", re.I)
_DATE = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|today|tomorrow|yesterday|week|month|year|spring|summer|"
    r"autumn|fall|winter|\d{4}|\d{1,2}(?:st|nd|rd|th))\b",
    re.I,
)
_CATEGORIES = frozenset(
    "name names company companies organization organisation firm person individual team "
    "entity player group country city place thing one reason event article publication "
    "source term subject figure artist platform type kind status role title".split()
)


def missing_focus(question: str, answer_texts: list[str]) -> str | None:
    """What the question asks for, as "what it asks for", when none of `answer_texts` holds
    it: a date for "when", a number for "how many", the named thing for "what is the X of"."""
    joined = " ".join(answer_texts)
    if _WHEN.search(question):
        return None if _DATE.search(joined) else "when"
    if _HOW_MUCH.search(question):
        # A count, not a duration: "a three-day halt" does not say how many people.
        return None if states_count(joined) else "how many"
    m = _WHAT_THE.search(question)
    if m is None:
        return None
    focus = m.group(1).lower()
    if any(w.endswith(("ed", "ing")) for w in focus.split()):
        return None  # "the individual accused": a description, not the thing asked for
    words = [w for w in focus.split() if w not in _CATEGORIES]
    if not words:
        return None
    wanted = content_terms(" ".join(words))
    if not wanted or wanted & content_terms(joined):
        return None
    return f"the {focus}"
