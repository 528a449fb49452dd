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

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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
    ROLE_VERBS,
    SCORE,
    TIME,
    Asks,
    kind_group,
)
from index.answer.names import TITLES, NameSpan, name_spans
from index.answer.news_words import LIGHT_WORDS
from index.answer.other_fact import OtherFact
from index.answer.sentences import Sentence, dateline_end
from index.answer.slot_fit import (
    EARLIER,
    SPELLED,
    SUPERSEDED,
    bare,
    closeness,
    counts_asked,
    kind_match,
    names_covered,
    qualified,
    rarity_weights,
    role_near,
    term_set,
)
from index.answer.spans import Span, date_spans, number_spans, score_spans
from index.results import Passage
from index.text import stem

# The closeness to the question's predicate a count of the very thing asked has at least.
ATTACHED_COUNT = 0.5
_APPROXIMATE = re.compile(r"(?i)(?:about|around|roughly|nearly|almost|an estimated)\b")
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")
_NUMBER_KINDS = {
    COUNT: ("count",),
    MONEY: ("money",),
    AMOUNT: ("percent", "money"),
    PERCENT: ("percent",),
    MEASURE: ("measure",),
    DURATION: ("duration", "measure"),  # "how long is the border": a length too
    AGE: ("age",),
    SCORE: ("score",),
}
# "$30 million of the cost", "$140 million toward the cost": a share of a whole.
_SHARE = re.compile(
    r"^\s+(?:of|towards?)\s+(?:the|its|their)\s+(?:\w+\s+)?(?:cost|bill|budget|total|price)\b",
    re.I,
)
_WHOLE = frozenset(stem(w) for w in "cost costs price total budget worth value valued".split())
_PAYING = frozenset(
    stem(w)
    for w in "pay paying paid put putting contribute contributing pledge pledged fund funding "
    "give giving share spend spending borrow borrowing lend grant raise".split()
)
# How precisely a date phrase names a time: "26 April 2026" over "next year".
_DATE_PRECISION = {
    "date": 1.0, "month_day": 0.9, "time": 0.8, "month_year": 0.8, "weekday": 0.7,
    "relative_day": 0.7, "part_year": 0.6, "season": 0.5, "month": 0.5, "year": 0.4, "period": 0.3,
}  # fmt: skip
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
    "share",  # money that is part of a whole ("$30 million of the cost", "toward the cost")
    "wants_whole",  # the question asks what a thing costs, not who pays what
    "topic_covered",  # share of the question's story words ("extension") in its passage
    "wants_role",  # the question asks who holds a role ("who is the chairman")
    "names_in_passage",  # share of the question's names its passage (title included) holds
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
class SentenceColumns:
    """For each candidate sentence, what the sentence selector reads of the slot pool."""

    has_slot: np.ndarray  # 1 where the sentence holds a span of the kind asked
    slot_closeness: np.ndarray  # the best closeness of one to the question's own words
    names_covered: list[float]  # share of the question's names in it or its article's title
    title_coverage: list[float]  # share of the question's words in its article's title
    predicate: list[float]  # weighted share of the question's words about what is asked


class SlotPool:
    """The spans of a question's sentences that may answer it, found once: the sentence
    selector reads which sentences hold one and how well placed (`columns`), the slot ranker
    scores them (`slots`)."""

    def __init__(
        self, asks: Asks, question: str, sentences: Sequence[Sentence], sources: Sequence[str] = ()
    ) -> None:
        self.asks, self.sentences, self.sources = asks, sentences, sources
        self.asked = {bare(w) for w in _WORD.findall(question)}
        # A publication the question names is matched by source, not looked for in the text.
        published = {bare(w) for s in sources for w in _WORD.findall(s)}
        self.names = _question_names(question) - published
        self.low_names = _names_typed_low(question, sentences) - published - self.names
        self.found = self._find() if asks.typed else []
        predicate = self._predicate()
        terms = [set(term_set(s.text)) for s in sentences]
        focus = {stem(w) for w in asks.focus}
        self.focus = rarity_weights(focus, terms)
        self.predicate = rarity_weights(predicate, terms)
        # A question naming its story is checked by its names (`_names_near`); one naming none
        # ("how much will the extension cost") by its words about which story.
        named = self.names | self.low_names
        self.topic = set() if named else focus - predicate - LIGHT_WORDS
        self._story: dict[str, float] = {}  # by article: `_story_in`
        self._named: dict[str, float] = {}  # by article: `_names_in`
        # "CEO" is a role, "Q1" a quarter news spells out: neither is what the story names.
        self.story_names = frozenset(
            n for n in self.names if n not in TITLES and not _DIGIT.search(n)
        )
        self._before = {(id(s.passage), s.position): s.text for s in sentences}
        # The retrieved passages of each article: a later paragraph's "the museum" is the
        # Ferrand museum its article's lede names.
        self._of_article: dict[str, dict[int, Passage]] = {}
        for sentence in sentences:
            passage = sentence.passage
            self._of_article.setdefault(passage.doc_id, {})[id(passage)] = passage
        self.wants_role = asks.expects == PERSON and _asks_role(question, asks.roles)
        self.wants_whole = asks.expects == MONEY and bool(focus & _WHOLE) and not focus & _PAYING
        self.other = OtherFact(asks, question, focus)

    def _predicate(self) -> set[str]:
        """The question's words about what is asked, not about which story: neither a name
        nor a word of the retrieved articles' titles ("judge" in "who was the judge that
        blocked the Greyholm mine expansion", under "Court blocks Greyholm mine expansion")."""
        titles = {p.title for p in {id(s.passage): s.passage for s in self.sentences}.values()}
        topic = {t for title in titles for t in term_set(title)}
        words = {stem(w) for w in self.asks.focus if bare(w) not in self.names} - LIGHT_WORDS
        return {w for w in words if w not in topic} or words

    def _before_focus(self, text: str, end: int) -> bool:
        """Whether the question's own words follow a money span within three words ("the $48
        million Blue Line extension" for "how much will the extension cost")."""
        after = [stem(w.lower()) for w in _WORD.findall(text[end:])[:3]]
        return bool(set(after) & (set(self.focus) - _WHOLE))

    def _names_near(self, i: int) -> float:
        """Share of the question's names in sentence `i` or its article's title; those only in
        the sentence before it in its passage, which it may refer back to ("... a water main
        under Orchard Road. Relocating the main alone ...", "Owen Pryce ... found him"), count
        half: at full weight "four children, three women and two men were killed" after a
        sentence naming the strike outranked the seed's "a death toll of nine from the
        Pakistani missile strike"."""
        sentence = self.sentences[i]
        here = names_covered(self.names, sentence.text, sentence.passage.title)
        before = self._before.get((id(sentence.passage), sentence.position - 1))
        if here < 1.0 and before is not None:
            near = names_covered(self.names, f"{sentence.text} {before}", sentence.passage.title)
            here = (here + near) / 2
        if not self.low_names:
            return here
        # A name typed in lower case is the story's ("ellisford", "corvane"): its passage
        # must be about it, though the sentence need not repeat it.
        low = self._story_in(sentence.passage)
        n, m = len(self.names), len(self.low_names)
        return (n * here + m * low) / (n + m)

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

    def columns(self) -> SentenceColumns:
        """What the sentence selector reads of the pool, for each sentence, in one pass."""
        n = len(self.sentences)
        has, best = np.zeros(n), np.zeros(n)
        for i, span in self.found:
            text = self.sentences[i].text
            fit = closeness(text, span.start, span.end, self.predicate or self.focus)[0]
            has[i] = 1.0
            best[i] = max(best[i], fit * counts_asked(self.asks, span))
        names, titles, predicate = [], [], []
        total = sum(self.predicate.values()) or 1.0
        for sentence in self.sentences:
            title = sentence.passage.title
            names.append(names_covered(self.names, sentence.text, title))
            terms = term_set(title)
            titles.append(len(set(self.focus) & terms) / max(len(self.focus), 1))
            terms = term_set(sentence.text)
            predicate.append(sum(w for t, w in self.predicate.items() if t in terms) / total)
        return SentenceColumns(has, best, names, titles, predicate)

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
        close, adjacent = closeness(text, span.start, span.end, self.focus)
        predicate, predicate_adjacent = closeness(text, span.start, span.end, self.predicate)
        if self.wants_whole and span.kind == "money" and self._before_focus(text, span.end):
            predicate, predicate_adjacent = 1.0, True  # "the $48 million extension": its cost
        counted = counts_asked(asks, span)
        if self.other.sum_of_other(text):
            counted = 0.2  # "what was the net profit" against "Orders ... reached £455 million"
        if self.other.someone_else(text, span.start) or self.other.role_of_another(
            text, span.start
        ):
            counted = 0.0  # "how old is marta quiroga" against "Vermaelen, 27, ..."
        if asks.counted and counted == 1.0 and getattr(span, "counted", ()):
            # "three flood warnings" states what is asked, whatever verb stands near it
            predicate = max(predicate, ATTACHED_COUNT)
        words = [bare(w) for w in _WORD.findall(span.text)]
        title_terms = term_set(title)
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
            counted,
            qualified(asks, text) * self.other.same_fact(text, span.start),
            _DATE_PRECISION.get(span.kind, 1.0),
            float(bool(_APPROXIMATE.match(span.text))),
            self._names_near(i),
            len(set(self.focus) & title_terms) / max(len(self.focus), 1),
            float(sentence.passage.source in self.sources),
            math.log1p(max(same, 0)),
            span.start / max(len(text), 1),
            float(kind_group(asks.expects)),
            float(asks.short),
            math.log1p(len(self.found)),
            float(scores.max()) if len(scores) else 0.0,
            float(name is not None and role_near(asks, text, name)),
            float(name is not None and name.titled),
            float(len(name.text.split())) if name else 0.0,
            float(name is not None and name.organisation_like),
            float(name is not None and name.place_like),
            float(name is not None and name.person_like),
            float(name is not None and name.text.lower() in title.lower()),
            kind_match(asks, span),
            float(bool(SUPERSEDED.search(text[max(0, span.start - 40) : span.start]))),
            float(bool(asks.qualifiers and EARLIER.search(" ".join(asks.qualifiers)))),
            float(span.kind == "money" and bool(_SHARE.match(text[span.end :]))),
            float(self.wants_whole),
            self._topic_covered(sentence),
            float(self.wants_role),
            self._names_in(sentence.passage),
        )

    def _names_in(self, passage: Passage) -> float:
        """Share of the question's names its article's retrieved passages or title hold
        anywhere: "sold in the UK" asked of an article naming Europe, the United States and
        Canada."""
        key = passage.doc_id
        if key not in self._named:
            self._named[key] = max(
                names_covered(self.story_names, p.text, p.title)
                for p in self._of_article[key].values()
            )
        return self._named[key]

    def _topic_covered(self, sentence: Sentence) -> float:
        """Share of the question's words about which story ("extension" in "how much will the
        extension cost") that its passage holds, when it names no story: a cost in another
        story is not this one's."""
        return self._story_in(sentence.passage) if self.topic else 1.0

    def _story_in(self, passage: Passage) -> float:
        """Share of the question's story its article's retrieved passages (title included)
        hold: its names typed in lower case or, when it names no story, its words about which
        story. Read once an article: every span of its sentences asks."""
        key = passage.doc_id
        if key not in self._story:
            self._story[key] = max(self._story_of(p) for p in self._of_article[key].values())
        return self._story[key]

    def _story_of(self, passage: Passage) -> float:
        if self.low_names:
            return names_covered(self.low_names, passage.text, passage.title)
        terms = set(term_set(f"{passage.title} {passage.text}"))
        return len(self.topic & terms) / len(self.topic)


def find_slots(
    asks: Asks,
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    sources: Sequence[str] = (),
) -> list[Slot]:
    """Every span of the sentences of the kind `asks` expects, described for the ranker."""
    return SlotPool(asks, question, sentences, sources).slots(scores)


def spans_of(asks: Asks, text: str) -> list[Span | NameSpan]:
    """The spans of `text` of the kind `asks` expects."""
    kind = asks.expects
    if kind in (PERSON, ORGANISATION, NAME, PLACE):
        return [n for n in name_spans(text) if not SPELLED.fullmatch(n.text)]
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


def _in_question(text: str, asked: set[str]) -> bool:
    """A span the question already states ("how many of the 9 members") answers nothing."""
    words = {bare(w) for w in _WORD.findall(text)}
    return bool(words) and words <= asked


def _after(text: str, start: int, words: tuple[str, ...]) -> bool:
    before = text[max(0, start - 12) : start].lower().split()
    return bool(before) and before[-1] in words


def _names_typed_low(question: str, sentences: Sequence[Sentence]) -> frozenset[str]:
    """The question's words the sentences only ever write capitalised, and at least once
    inside a sentence: the names of a question typed in lower case ("who's the chairman of
    corvane": "Corvane"), which its own capitals cannot tell."""
    words = {bare(w) for w in _WORD.findall(question) if w.islower() and len(w) > 2}
    if not words:
        return frozenset()
    # One scan for the question's few words, not a look at every word of every sentence.
    found = re.compile(rf"(?<![\w'’-])({'|'.join(map(re.escape, words))})(?![\w-])", re.I)
    capitalised, lower = set(), set()
    for sentence in sentences:
        for m in found.finditer(sentence.text):
            word = m.group(1)
            if word.islower():
                lower.add(word)
            elif word[:1].isupper() and _WORD_CHAR.search(sentence.text, 0, m.start()):
                capitalised.add(word.lower())
    return frozenset(capitalised - lower)


_DIGIT = re.compile(r"\d")
_WORD_CHAR = re.compile(r"\w")  # a word before a match: it does not open its sentence
_WHO_HOLDS = re.compile(r"\bwho\s+(?:" + "|".join(ROLE_VERBS) + r")\b", re.I)
_WHO_IS = re.compile(r"\bwho(?:\s+is|\s+was|\s+are|\s+were|['’]s)\s+(?:the\s+|its\s+)?", re.I)


def _asks_role(question: str, roles: Sequence[str]) -> bool:
    """Whether the question asks who holds a role it names ("who is the chairman of ...",
    "who's the new head coach"), not who did something to someone it names ("who sentenced
    the driver")."""
    if _WHO_HOLDS.search(question):  # "who chairs the planning committee"
        return True
    m = _WHO_IS.search(question)
    if m is None:
        return False
    after = [w.lower() for w in _WORD.findall(question[m.end() :])[:3]]
    return any(w in roles for w in after)


@lru_cache(maxsize=4096)
def _question_names(question: str) -> frozenset[str]:
    """The capitalised words of the question past its first word ("Delane", "Harlow")."""
    words = _WORD.findall(question)[1:]
    return frozenset(bare(w) for w in words if w[:1].isupper() and len(w) > 1)
