"""When an answer is refused, and the reason a reader is told."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answer.asks import (
    AGE,
    AMOUNT,
    COUNT,
    DATE,
    DURATION,
    MEASURE,
    MONEY,
    NAME,
    ORGANISATION,
    PERCENT,
    PERSON,
    PLACE,
    SCORE,
    TIME,
    VERDICT,
    Asks,
)
from index.answer.news_words import LIGHT_WORDS
from index.text import cached_terms, content_terms, stem


@dataclass(frozen=True)
class Thresholds:
    """When to refuse (fitted on the dev halves; see docs/reports/answers.md, Refusal). Short
    questions (the news set's kind) have bars of their own, fitted on the news set's dev half."""

    sentence: float  # the best sentence's selector score must reach this
    passage: float  # ... or some passage's cosine with the question must reach this
    confident: float = 0.8  # a sentence this good answers even with no passage near
    sentence_short: float = 0.1
    confident_short: float = 0.5
    focus: bool = True  # refuse when what the question asks for is in no chosen sentence
    # A short question's span of the kind asked that the slot ranker scores this high answers
    # it below the sentence bar: "Chief executive Ingrid Halvorsen said the cuts ..." states
    # who the CEO is in a sentence about something else. Never below the passage bar, which
    # keeps off-topic questions out. On the news set's dev half no near miss or off-topic
    # question refused by those bars has a span above 0.22, and most answerable questions'
    # best spans score above 1 (docs/reports/answers.md).
    sure_slot: float = 1.0
    # ... and one this high answers it though no passage is near the question as a whole:
    # "how big was the crowd at harker park for the final" against "in front of 8,914
    # spectators at Harker Park". On the four news dev sets no off-topic question refused for
    # want of a close passage has a span above 0.21; four answerable ones have 0.33-0.57.
    sure_slot_far: float = 0.3


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
_CATEGORIES = frozenset(
    "name names company companies organization organisation firm person individual team "
    "entity player group country city place thing one reason event article publication "
    "source term subject figure artist platform type kind status role title".split()
)


def missing_slot(asks: Asks, lead: object | None) -> str | None:
    """What a question asks for, in words ("how many drones", "when"), when it asks for one
    thing of a known kind in a short question and no sentence states it (no lead): a near
    miss, on topic but silent on the thing asked. None when it is stated, or not such a
    question (long multi-hop questions keep their own refusals)."""
    if lead is not None or not asks.typed or not asks.short:
        return None
    return slot_words(asks)


def slot_words(asks: Asks) -> str:
    """The thing asked, as the refusal names it."""
    if asks.noun:
        return asks.noun
    if asks.expects == COUNT and asks.counted:
        return f"how many {' '.join(asks.counted[:2])}"
    return {
        COUNT: "how many", MONEY: "how much", AMOUNT: "how much", MEASURE: "how much",
        PERCENT: "by how much", DATE: "when", TIME: "at what time", DURATION: "how long",
        AGE: "how old", SCORE: "the score", PERSON: "who", ORGANISATION: "which organisation",
        NAME: "the name asked for", PLACE: "where",
    }.get(asks.expects, "what was asked")  # fmt: skip


# Words of a short question that say what kind of answer it wants, not what it is about.
_ASKING = frozenset(stem(w) for w in "many much long happen happened say said get got".split())
OFF_TOPIC_SHARE = 0.45
# A figure the question quotes ("that 117 km/h gust") is no thing it names: words only.
_QUESTION_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_WH = frozenset(stem(w) for w in "what's who's where's when's how's whats whos".split())


def off_topic(question: str, asks: Asks, quoted: list[str], sources: list[str]) -> bool:
    """Whether a short question's own words are mostly absent from the passages its answer
    would quote: "any update on the train drivers strike?" answered by a sentence that only
    shares "update". Publication names and words about when or how surely do not count. On the
    news set's dev half and a third set written for it, no answerable question answered today
    falls under 0.45 of its words; three of five off-topic questions there did."""
    if not asks.short or asks.expects == VERDICT:
        return False
    named = content_terms(" ".join(sources))
    wanted = content_terms(question) - LIGHT_WORDS - _ASKING - named
    if len(wanted) < 2:
        return False
    have = content_terms(" ".join(quoted))
    return len(wanted & have) / len(wanted) < OFF_TOPIC_SHARE


def unknown_thing(question: str, asks: Asks, passages: list[str], sources: list[str]) -> bool:
    """Whether a short question names a thing of two words or more that no retrieved passage
    (title included) mentions a word of: "the new motorway bypass", "the national chess
    championship", "raise rates". Its passages are about something else, however well a
    figure in them fits the kind asked."""
    if not asks.short or asks.expects == VERDICT:
        return False
    have = set().union(*(cached_terms(p) for p in passages)) | content_terms(" ".join(sources))
    skip = LIGHT_WORDS | _ASKING | _WH
    run = 0
    for word in _QUESTION_WORD.findall(question):
        terms = content_terms(word) - skip if len(word) > 2 else set()
        if not terms or terms & have:
            run = 0
            continue
        run += 1
        if run == 2:
            return True
    return False


def missing_focus(question: str, asks: Asks, answer_texts: list[str]) -> str | None:
    """For a question that is not about one typed thing: what it asks for, as "the X", when
    it asks "what is the X of" and none of `answer_texts` holds it."""
    if asks.typed:
        return None
    joined = " ".join(answer_texts)
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
