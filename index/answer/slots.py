"""The thing a question asks for, found in the retrieved sentences: a span of the kind it asks
(a count of runners, an amount of money, a date, a person), tied to what it asks about.

Every span of the expected kind in the candidate sentences is a candidate, described by what a
reader weighs: is it near the question's own words in its sentence ("when will the extension
*open*" wants the date beside "open", not the one beside "construction"), does it count what is
asked ("how many *runners*"), does its sentence agree with the question's qualifiers (a year it
names) and name the same people and places, is it already in the question, how good is its
sentence. Trees learned on the dev halves of both benchmarks score them (`slots.json`,
`benchmarks/train_slots.py`); when no candidate clears the bar, the articles do not state the
thing asked: a near miss, refused by the slot it asks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.answer.asks import (
    AGE,
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
    Asks,
    kind_group,
)
from index.answer.names import NameSpan, name_spans
from index.answer.sentences import Sentence, dateline_end
from index.answer.spans import SPELLED_NUMBER, Span, date_spans, number_spans, score_spans
from index.text import stem

DEFAULT_MODEL = Path(__file__).with_name("slots.json")
_APPROXIMATE = re.compile(r"(?i)(?:about|around|roughly|nearly|almost|an estimated)\b")
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")
_NUMBER_KINDS = {
    COUNT: ("count",),
    MONEY: ("money",),
    PERCENT: ("percent",),
    MEASURE: ("measure",),
    DURATION: ("duration", "measure"),  # "how long is the border": a length too
    AGE: ("age",),
    SCORE: ("score",),
}
# How precisely a date phrase names a time: "26 April 2026" over "next year".
_DATE_PRECISION = {
    "date": 1.0, "month_day": 0.9, "time": 0.8, "month_year": 0.8, "weekday": 0.7,
    "relative_day": 0.7, "part_year": 0.6, "season": 0.5, "month": 0.5, "year": 0.4, "period": 0.3,
}  # fmt: skip
_PEOPLE = frozenset(
    "people person persons residents passengers runners workers staff employees pupils students "
    "patients children adults fans spectators visitors members councillors officers players "
    "athletes families households customers users voters men women victims survivors "
    "participants volunteers swimmers competitors teachers nurses doctors firefighters "
    "evacuees".split()
)
_TALLIES = frozenset("toll total number tally count figure headcount".split())
_SYNONYMS = {
    "job": ("position", "role", "post", "worker", "employe", "staff"),
    "home": ("hous", "properti", "dwell", "household"),
    "visit": ("admiss", "attend"),
}

# Words news uses for the same thing a question asks about ("how many did the strike kill" is
# answered by "a death toll of nine"): a reader's knowledge, stemmed once.
_SAME_THING = (
    "kill killed dead death deaths died die toll fatal fatalities lives",
    "injure injured injury injuries hurt wounded hospital treated treatment",
    "cost costs price budget budgeted spend spent estimate bill worth valued value",
    "start started begin began begun launch launched commence commenced kick",
    "end ended finish finished close closed closing complete completed",
    "win won winner victory beat champion",
    "approve approved pass passed back backed vote voted endorse",
    "reject rejected oppose opposed against vote voted",
    "evacuate evacuated evacuees leave ordered homes displaced",
    "arrest arrested detain detained custody charged",
    "buy bought acquire acquired purchase purchased takeover",
    "sell sold sale sales",
    "build built construct construction constructed",
    "cut cuts reduce reduced lower lowered drop dropped fall fell",
    "rise rose raise raised increase increased up grow grew",
    "lead led head headed run chief director",
    "pay paid contribute contribution fund funded funding grant",
)  # fmt: skip
_ALTERNATIVES: dict[str, frozenset[str]] = {}
for _group in _SAME_THING:
    _stems = frozenset(stem(w) for w in _group.split())
    for _word in _stems:
        _ALTERNATIVES[_word] = _ALTERNATIVES.get(_word, frozenset()) | _stems

SLOT_FEATURES = (
    "sentence_score",  # the selector's score of its sentence
    "sentence_rank",  # log(1 + its sentence's rank by that score)
    "closeness",  # how near the question's words stand to it in its sentence
    "adjacent",  # a question word within three words of it
    "predicate_closeness",  # ... its lower-case words only ("voted against", "open", "judge")
    "predicate_adjacent",  # one of those within three words of it
    "asked_share",  # share of its words the question uses ("Delane" for "the Delane case")
    "counted",  # counts what the question counts (1), something else (0), unknown (0.5)
    "qualified",  # its sentence holds the year the question names (or it names none)
    "precision",  # how precisely it names its value (a full date over "next year")
    "approximate",  # "about", "an estimated": a rough figure
    "names_covered",  # share of the question's names in its sentence or article title
    "title_coverage",  # share of the question's words in its article's title
    "source_match",  # its article is from a publication the question names
    "same_kind",  # log(1 + other spans of its kind in the sentence)
    "place",  # its place in the sentence (0 first, 1 last)
    "kind_group",  # what is asked: count, money, date, duration, person, organisation, place
    "short",  # the question is short (not MultiHop-RAG's kind)
    "candidates",  # log(1 + candidates of the question)
    "best_sentence",  # the best sentence score of the question
    "role",  # names: the role the question asks ("judge") stands beside it
    "titled",  # names: a title or role word stands right before it ("Judge", "chief executive")
    "words",  # names: how many words
    "organisation_like",  # names: ends like an organisation ("... Council", "... Robotics")
    "place_like",  # names: after "in"/"at"/"near", or ends like a place ("... Road")
    "person_like",  # names: looks like a person (a title, a first name and surname)
    "in_title",  # names: stands in its article's title
    "kind_match",  # how well it fits the kind asked (a person for "who", a place for "where")
    "superseded",  # a value replaced in its sentence ("from $48 million to", "rather than 340")
    "wants_earlier",  # the question asks for the earlier value ("originally", "at first")
)


@dataclass(frozen=True)
class Slot:
    """A span of one sentence that may answer the question."""

    sentence: int  # position in the candidate sentences
    span: Span | NameSpan
    features: tuple[float, ...]

    @property
    def text(self) -> str:
        return self.span.text


@dataclass(frozen=True)
class SlotWeights:
    """How much each part of a candidate's fit counts in its score (see `SlotRanker.score`)."""

    sentence: float = 1.0  # exponent of its sentence's selector score
    predicate: float = 0.3  # floor added to its closeness to the question's predicate words
    role: float = 1.0  # weight of the role the question names standing beside it
    names: float = 0.2  # floor added to the share of the question's names in its sentence
    qualified: float = 0.05  # floor added to its agreement with the question's qualifiers


class SlotRanker:
    """Scores slot candidates, and the two bars on the best one: at `lead_bar` it leads the
    answer; under `answer_bar` the question is refused as a near miss (in between, the answer
    quotes its sentence first, with no lead).

    The score is a product of the candidate's fit, with five weights chosen on the dev halves
    (`benchmarks/train_answerer.py`): on the news set's 79 typed dev questions it ranked the
    right span first for 42, against 33-37 for gradient-boosted trees or a logistic regression
    over the same features (cross-fitted by story), which had too few questions to learn from.
    """

    def __init__(self, weights: SlotWeights, lead_bar: float, answer_bar: float) -> None:
        self.weights, self.lead_bar, self.answer_bar = weights, lead_bar, answer_bar

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> SlotRanker | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = SlotWeights(**data["weights"])
        return cls(weights, float(data["lead_bar"]), float(data["answer_bar"]))

    def score(self, slots: Sequence[Slot]) -> np.ndarray:
        x = np.asarray([s.features for s in slots], dtype=np.float64)
        return slot_scores(x, self.weights) if len(x) else np.zeros(0)


_F = {name: i for i, name in enumerate(SLOT_FEATURES)}
_PERSON_GROUP = kind_group(PERSON)
# A value the sentence says was replaced: "from £48 million to", "up from 212", "rather than
# 340", "had been due to start in January".
_SUPERSEDED = re.compile(
    r"(?:\b(?:up|down|rising|falling|rose|fell|increased|cut|reduced)?\s*from|\brather\s+than|"
    r"\binstead\s+of|\bcompared\s+with|\bhad\s+been(?:\s+\w+){0,4}?\s+(?:in|at|for|on))"
    r"\s+(?:about\s+|around\s+|the\s+)?$",
    re.I,
)
_EARLIER = re.compile(r"originally|initially|at first|previously|before|last year", re.I)
_NAME_KIND = {  # what a name looks like -> how well it fits each kind asked
    PERSON: {"person": 1.0, "organisation": 0.2, "place": 0.2, "": 0.6},
    ORGANISATION: {"person": 0.2, "organisation": 1.0, "place": 0.4, "": 0.6},
    PLACE: {"person": 0.15, "organisation": 0.4, "place": 1.0, "": 0.5},
    NAME: {"person": 1.0, "organisation": 1.0, "place": 1.0, "": 1.0},
}
_TIME_KINDS = ("time", "weekday", "relative_day")
_SPELLED_NUMBER = re.compile(rf"(?i)(?:{SPELLED_NUMBER})")


def _kind_match(asks: Asks, span: Span | NameSpan) -> float:
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
        return _NAME_KIND.get(asks.expects, {}).get(looks, 0.6)
    if asks.expects == TIME:
        return 1.0 if span.kind in _TIME_KINDS else 0.4
    if asks.expects == DATE and span.kind == "time":
        return 0.3
    return 1.0


def slot_scores(x: np.ndarray, w: SlotWeights) -> np.ndarray:
    """Each candidate's score: its sentence's, times how close it stands to the question's
    predicate words, whether it counts what is asked, how little of it the question already
    says, how precise it is, whether the role asked stands beside it, how much of the
    question's names its sentence holds, and whether it agrees with the qualifiers."""

    def f(name: str) -> np.ndarray:
        return x[:, _F[name]]

    return (
        np.clip(f("sentence_score"), 0.0, 1.0) ** w.sentence
        * (w.predicate + f("predicate_closeness"))
        * (0.05 + f("counted"))
        * (1.05 - f("asked_share"))
        * (0.5 + f("precision"))
        * f("kind_match")
        * np.where(f("superseded") == f("wants_earlier"), 1.0, 0.3)
        * (1.0 + w.role * (f("role") + f("titled") * (f("kind_group") == _PERSON_GROUP)))
        * (w.names + f("names_covered"))
        * (w.qualified + f("qualified"))
    )


class SlotPool:
    """The spans of a question's sentences that may answer it, found once: the sentence
    selector reads which sentences hold one and how well placed (`per_sentence`), the slot
    ranker scores them (`slots`)."""

    def __init__(
        self, asks: Asks, question: str, sentences: Sequence[Sentence], sources: Sequence[str] = ()
    ) -> None:
        self.asks, self.sentences, self.sources = asks, sentences, sources
        self.asked = {_bare(w) for w in _WORD.findall(question)}
        # A publication the question names is matched by source, not looked for in the text.
        published = {_bare(w) for s in sources for w in _WORD.findall(s)}
        self.names = _question_names(question) - published
        terms = [set(_terms(s.text)) for s in sentences]
        self.focus = _weights({stem(w) for w in asks.focus}, terms)
        self.predicate = _weights(self._predicate(), terms)
        self.found = self._find() if asks.typed else []

    def _predicate(self) -> set[str]:
        """The question's words about what is asked, not about which story: neither a name
        nor a word of the retrieved articles' titles ("judge" in "who was the judge that
        blocked the Greyholm mine expansion", under "Court blocks Greyholm mine expansion")."""
        titles = {p.title for p in {id(s.passage): s.passage for s in self.sentences}.values()}
        topic = {t for title in titles for t in _terms(title)}
        words = {stem(w) for w in self.asks.focus if _bare(w) not in self.names}
        return {w for w in words if w not in topic} or words

    def predicate_coverage(self) -> list[float]:
        """For each sentence: the weighted share of the question's predicate words in it."""
        total = sum(self.predicate.values()) or 1.0
        out = []
        for sentence in self.sentences:
            terms = _terms(sentence.text)
            out.append(sum(w for t, w in self.predicate.items() if t in terms) / total)
        return out

    def _find(self) -> list[tuple[int, Span | NameSpan]]:
        common = _lower_words(self.sentences) if self.asks.wants_name else frozenset()
        found: list[tuple[int, Span | NameSpan]] = []
        for i, sentence in enumerate(self.sentences):
            opening = dateline_end(sentence.text)
            for span in spans_of(self.asks, sentence.text):
                if span.start < opening or _in_question(span.text, self.asked):
                    continue
                if not _ordinary(span, common):
                    found.append((i, span))
        return found

    def per_sentence(self) -> tuple[np.ndarray, np.ndarray]:
        """For each sentence: whether it holds a span of the kind asked, and the best closeness
        of one to the question's own words (0 when none)."""
        has = np.zeros(len(self.sentences))
        best = np.zeros(len(self.sentences))
        for i, span in self.found:
            text = self.sentences[i].text
            fit = _closeness(text, span.start, span.end, self.predicate or self.focus)[0]
            has[i] = 1.0
            best[i] = max(best[i], fit * _counts_asked(self.asks, span))
        return has, best

    def topic_coverage(self) -> tuple[list[float], list[float]]:
        """For each sentence: the share of the question's names in it or its article's title,
        and the share of the question's words in that title (the right story, for a short
        question)."""
        names, titles = [], []
        for sentence in self.sentences:
            title = sentence.passage.title
            names.append(_names_covered(self.names, sentence.text, title))
            terms = _terms(title)
            titles.append(len(set(self.focus) & terms) / max(len(self.focus), 1))
        return names, titles

    def slots(self, scores: np.ndarray) -> list[Slot]:
        """Every span found, described for the slot ranker (`scores`: the sentences')."""
        if not self.found:
            return []
        order = np.argsort(-scores, kind="stable")
        rank = np.empty(len(scores), dtype=int)
        rank[order] = np.arange(len(scores))
        return [Slot(i, span, self._features(i, span, scores, rank)) for i, span in self.found]

    def _features(
        self, i: int, span: Span | NameSpan, scores: np.ndarray, rank: np.ndarray
    ) -> tuple[float, ...]:
        """SLOT_FEATURES of one span, in order."""
        sentence, asks = self.sentences[i], self.asks
        text, title = sentence.text, sentence.passage.title
        close, adjacent = _closeness(text, span.start, span.end, self.focus)
        predicate, predicate_adjacent = _closeness(text, span.start, span.end, self.predicate)
        words = [_bare(w) for w in _WORD.findall(span.text)]
        title_terms = _terms(title)
        name = span if isinstance(span, NameSpan) else None
        same = sum(1 for j, _ in self.found if j == i) - 1
        return (
            float(scores[i]),
            math.log1p(int(rank[i])),
            close,
            float(adjacent),
            predicate,
            float(predicate_adjacent),
            sum(w in self.asked for w in words) / max(len(words), 1),
            _counts_asked(asks, span),
            _qualified(asks, text),
            _DATE_PRECISION.get(span.kind, 1.0),
            float(bool(_APPROXIMATE.match(span.text))),
            _names_covered(self.names, text, title),
            len(set(self.focus) & title_terms) / max(len(self.focus), 1),
            float(sentence.passage.source in self.sources),
            math.log1p(max(same, 0)),
            span.start / max(len(text), 1),
            float(kind_group(asks.expects)),
            float(asks.short),
            math.log1p(len(self.found)),
            float(scores.max()) if len(scores) else 0.0,
            float(name is not None and _role_near(asks, text, name)),
            float(name is not None and name.titled),
            float(len(name.text.split())) if name else 0.0,
            float(name is not None and name.organisation_like),
            float(name is not None and name.place_like),
            float(name is not None and name.person_like),
            float(name is not None and name.text.lower() in title.lower()),
            _kind_match(asks, span),
            float(bool(_SUPERSEDED.search(text[max(0, span.start - 40) : span.start]))),
            float(bool(asks.qualifiers and _EARLIER.search(" ".join(asks.qualifiers)))),
        )


def find_slots(
    asks: Asks,
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    sources: Sequence[str] = (),
) -> list[Slot]:
    """Every span of the sentences of the kind `asks` expects, described for the ranker."""
    return SlotPool(asks, question, sentences, sources).slots(scores)


def _weights(stems: set[str], terms: list[set[str]]) -> dict[str, float]:
    """Each stem's weight: rarer among the candidate sentences weighs more, so the words that
    tell the sentences apart ("state", "dissented") count above the story's topic ("tram")."""
    n = len(terms)
    return {t: math.log(1 + n / (1 + sum(t in ts for ts in terms))) for t in stems}


def _closeness(text: str, start: int, end: int, weights: dict[str, float]) -> tuple[float, bool]:
    """How close the question's words stand to a span, weighted (1 when all stand beside it,
    falling with distance in words), and whether one is within three words."""
    if not weights:
        return 1.0, False
    words = _placed_terms(text)
    before = sum(1 for s, _ in words if s < start)
    after = sum(1 for s, _ in words if s < end)
    total, adjacent = 0.0, False
    for term, weight in weights.items():
        same = _ALTERNATIVES.get(term, frozenset({term}))
        gaps = [
            before - j if j < before else j - after + 1
            for j, (s, t) in enumerate(words)
            if (t == term or t in same) and not start <= s < end
        ]
        if gaps:
            gap = max(min(gaps), 0)
            adjacent = adjacent or gap <= 3
            total += weight / (1.0 + gap / 4.0)
    return total / (sum(weights.values()) or 1.0), adjacent


def spans_of(asks: Asks, text: str) -> list[Span | NameSpan]:
    """The spans of `text` of the kind `asks` expects."""
    kind = asks.expects
    if kind in (PERSON, ORGANISATION, NAME, PLACE):
        return [n for n in name_spans(text) if not _SPELLED_NUMBER.fullmatch(n.text)]
    if kind in (DATE, TIME):
        return list(date_spans(text))
    spans: list[Span | NameSpan] = [
        s for s in number_spans(text) if s.kind in _NUMBER_KINDS.get(kind, ())
    ]
    if kind == SCORE:
        spans += list(score_spans(text))
    if kind == DURATION:
        spans += [s for s in date_spans(text) if _after(text, s.start, ("until", "till"))]
    return spans


def _lower_words(sentences: Sequence[Sentence]) -> frozenset[str]:
    """Words the sentences write in lower case: capitalised at a sentence's start, such a word
    is an ordinary word ("Residents"), not a name."""
    lower = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*")
    return frozenset(w for s in sentences for w in lower.findall(s.text))


def _ordinary(span: Span | NameSpan, common: frozenset[str]) -> bool:
    return isinstance(span, NameSpan) and " " not in span.text and span.text.lower() in common


@lru_cache(maxsize=50_000)
def _placed_terms(text: str) -> tuple[tuple[int, str], ...]:
    """Each word's place in `text` and its stem, read once per text."""
    return tuple((m.start(), stem(m.group().lower())) for m in _WORD.finditer(text))


@lru_cache(maxsize=50_000)
def _terms(text: str) -> frozenset[str]:
    return frozenset(t for _, t in _placed_terms(text))


@lru_cache(maxsize=50_000)
def _bare_words(text: str) -> frozenset[str]:
    return frozenset(_bare(w) for w in _WORD.findall(text))


def _bare(word: str) -> str:
    return re.sub(r"(?:['’]s|['’])$", "", word.lower())


def _in_question(text: str, asked: set[str]) -> bool:
    """A span the question already states ("how many of the 9 members") answers nothing."""
    words = {_bare(w) for w in _WORD.findall(text)}
    return bool(words) and words <= asked


def _after(text: str, start: int, words: tuple[str, ...]) -> bool:
    before = text[max(0, start - 12) : start].lower().split()
    return bool(before) and before[-1] in words


def _counts_asked(asks: Asks, span: Span | NameSpan) -> float:
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
        return 1.0
    if any(got & set(_SYNONYMS.get(w, ())) for w in wanted):
        return 0.9
    if "people" in asks.counted and set(counted) & _PEOPLE:
        return 0.9
    if set(counted) & _TALLIES:  # "a death toll of nine": a tally of whatever is asked
        return 0.9
    return 0.2  # counts something else, or a verb follows it ("5,987 crossed the line")


_EARLIER_TIME = re.compile(
    r"\b(?:last\s+year|a\s+year\s+(?:ago|earlier)|ago|previous(?:ly)?|earlier|before|"
    r"(?:19|20)\d\d)\b",
    re.I,
)


def _qualified(asks: Asks, text: str) -> float:
    """Agreement with the question's time qualifiers: a year it names stands in the sentence,
    and "last year" or "ten years ago" asks for a sentence about an earlier time."""
    years = [q for q in asks.qualifiers if q.isdigit()]
    if years and not any(y in text for y in years):
        return 0.0
    if any(q in ("last year", "ago") for q in asks.qualifiers) and not _EARLIER_TIME.search(text):
        return 0.2
    return 1.0


@lru_cache(maxsize=4096)
def _question_names(question: str) -> frozenset[str]:
    """The capitalised words of the question past its first word ("Delane", "Harlow")."""
    words = _WORD.findall(question)[1:]
    return frozenset(_bare(w) for w in words if w[:1].isupper() and len(w) > 1)


def _names_covered(names: frozenset[str], text: str, title: str) -> float:
    if not names:
        return 1.0
    here = _bare_words(text) | _bare_words(title)
    return len(names & here) / len(names)


# Words for the same role, as news writes them ("Justice Helena Marrow" for "which judge").
_ROLE_GROUPS = (
    "judge justice magistrate", "councillor councilor alderman member", "ceo chief executive boss",
    "author writer researcher scientist", "coach manager", "chair chairman chairwoman chairperson",
    "spokesman spokeswoman spokesperson", "minister secretary", "director head chief",
    "company firm business operator group maker", "owner proprietor",
)  # fmt: skip
_ROLE_WORDS = {
    stem(w): {stem(x) for x in group.split()} for group in _ROLE_GROUPS for w in group.split()
}


def _role_near(asks: Asks, text: str, span: NameSpan) -> bool:
    """The role the question asks about ("which judge", "the mayor") stands within four words
    of the name in its sentence, in its own words or news's ("Justice", "lead author")."""
    wanted: set[str] = set()
    for role in asks.roles:
        wanted |= _ROLE_WORDS.get(stem(role), {stem(role)})
    if not wanted:
        return False
    before = _WORD.findall(text[: span.start])[-4:]
    after = _WORD.findall(text[span.end :])[:4]
    return bool({stem(w.lower()) for w in before + after} & wanted)
