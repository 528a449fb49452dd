"""The line an answer leads with: the thing the question asks for, of the kind it asks for, or
no line at all.

Two ways to it, chosen by what the question asks (`asks.Asks`):

- one thing of a known kind (a count, an amount, a date, a person, a place) in a short
  question: the best span of that kind in the retrieved sentences, by the slot ranker
  (`slots.py`), when it clears the ranker's bar; a relative date is given with the day it
  names ("Thursday (18 January 2024)");
- a name, in a long multi-hop question (MultiHop-RAG's kind): the name trees, over the names
  several retrieved articles mention.

A lead is always stated by a sentence the answer quotes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.answer.asks import Asks
from index.answer.names import names_in
from index.answer.sentences import Sentence
from index.answer.slot_ranker import SlotRanker
from index.answer.slots import SlotPool
from index.answer.spans import Span
from index.dates import DatePhrase, parse_day, resolve, spoken
from index.trees import TreeRanker


@dataclass
class NameCandidate:
    """A name the retrieved sentences give, in its longest form, with where it is stated."""

    name: str
    sentence: int  # the best-scored sentence stating `name` verbatim
    features: list[float] = field(default_factory=list)


NAME_FEATURES = (
    "articles",  # retrieved articles mentioning it (its last word, for "Bankman-Fried")
    "article_scores",  # sum over those articles of their best mentioning sentence's score
    "best_score",  # best score of a sentence mentioning it
    "in_answer",  # mentioned in a sentence the answer quotes
    "mentions",  # log(1 + sentences mentioning it)
    "words",  # words in its longest form
    "acronym",  # all capitals ("FTX")
    "wants_person",  # the question asks for a person
    "wants_organisation",  # the question asks for a company, team, institution ...
    "in_title",  # mentioned in a retrieved article's title
    "asked_share",  # share of its words the question uses
    "starts_sentence",  # share of its mentions that open a sentence
    "expanded",  # its longest form is longer than its shortest
    "candidates",  # log(1 + names competing)
)
_PERSON = re.compile(r"\b(who|whom|whose|individual|person|player|he|she|his|her|star)\b", re.I)
_ORGANISATION = re.compile(
    r"\b(company|companies|organi[sz]ation|institution|platform|firm|entity|team|brand|network|"
    r"agency|club|sportsbook|service|exchange|startup|group)\b",
    re.I,
)


def name_candidates(
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    chosen: Sequence[int],
    sources: Sequence[str] = (),
) -> list[NameCandidate]:
    """Every name of the retrieved sentences the question does not already use, described for
    the name ranker."""
    asked = _words(question)
    skip = {s.lower() for s in sources}
    common = {w for s in sentences for w in re.findall(r"(?<![\w'’-])[a-z][a-z'’-]*", s.text)}
    forms: dict[str, dict[str, int]] = {}  # last word -> longest forms -> best sentence
    for j in np.argsort(-scores, kind="stable"):
        for name in names_in(sentences[j].text, common):
            if _words(name) <= asked or name.lower() in skip or len(name.split()) > 4:
                continue
            forms.setdefault(name.split()[-1], {}).setdefault(name, int(j))
    chosen_set = set(chosen)
    person, organisation = bool(_PERSON.search(question)), bool(_ORGANISATION.search(question))
    titles = " ".join({s.passage.title for s in sentences})
    out = []
    for last, names in forms.items():
        full = max(names, key=lambda n: (len(n.split()), -names[n]))
        pattern = re.compile(rf"(?<![\w-]){re.escape(last)}(?![\w-])")
        hits = [j for j, s in enumerate(sentences) if last in s.text and pattern.search(s.text)]
        per_article: dict[str, float] = {}
        for j in hits:
            doc = sentences[j].passage.doc_id
            per_article[doc] = max(per_article.get(doc, 0.0), float(scores[j]))
        starts = sum(sentences[j].text.lstrip("“\"'").startswith(full.split()[0]) for j in hits)
        out.append(
            NameCandidate(
                full,
                names[full],
                [
                    len(per_article),
                    sum(per_article.values()),
                    max(per_article.values(), default=0.0),
                    float(any(j in chosen_set for j in hits)),
                    math.log1p(len(hits)),
                    len(full.split()),
                    float(full.isupper()),
                    float(person),
                    float(organisation),
                    float(bool(pattern.search(titles))),
                    len(_words(full) & asked) / max(len(full.split()), 1),
                    starts / max(len(hits), 1),
                    float(len(full.split()) > min(len(n.split()) for n in names)),
                    0.0,
                ],
            )
        )
    for c in out:
        c.features[NAME_FEATURES.index("candidates")] = math.log1p(len(out))
    return out


@dataclass(frozen=True)
class Lead:
    """What an answer leads with ("" when the sentence is sure enough and the span is not),
    and the candidate sentence that states it, which the answer quotes first."""

    text: str
    sentence: int


def choose_lead(
    asks: Asks,
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    chosen: Sequence[int],
    pool: SlotPool,
    slot_ranker: SlotRanker | None,
    name_ranker: TreeRanker | None,
    name_min_score: float,
    sources: Sequence[str] = (),
) -> Lead | None:
    """The lead for `asks`; None when the sentences state nothing of the kind asked."""
    if not chosen or not asks.typed:
        return None
    if asks.wants_name and not asks.short:
        return name_lead(question, sentences, scores, chosen, name_ranker, name_min_score, sources)
    return slot_lead(pool, sentences, scores, slot_ranker)


def best_slot_score(pool: SlotPool, scores: np.ndarray, ranker: SlotRanker | None) -> float:
    """The slot ranker's score of the best span of the kind asked (0 when there is none)."""
    if ranker is None:
        return 0.0
    slots = pool.slots(scores)
    return float(ranker.score(slots).max()) if slots else 0.0


def slot_lead(
    pool: SlotPool, sentences: Sequence[Sentence], scores: np.ndarray, ranker: SlotRanker | None
) -> Lead | None:
    """The best span of the kind asked: a lead at the ranker's lead bar, its sentence alone
    down to the answer bar, None below (the thing asked is not stated)."""
    if ranker is None:
        return None
    slots = pool.slots(scores)
    if not slots:
        return None
    p = ranker.score(slots)
    best = int(np.argmax(p))
    if p[best] < ranker.answer_bar:
        return None
    slot = slots[best]
    text = stated(slot.span, sentences[slot.sentence]) if p[best] >= ranker.lead_bar else ""
    return Lead(text, slot.sentence)


def stated(span: Span, sentence: Sentence) -> str:
    """A span as a lead states it: as written, and a relative day ("Thursday") with the day it
    names, counted from its article's date."""
    if span.kind not in ("weekday", "relative_day"):
        return span.text
    phrase = DatePhrase(span.start, span.end, span.text, span.kind)
    day = resolve(phrase, parse_day(sentence.passage.published_at), sentence.text)
    return f"{span.text} ({spoken(day)})" if day else span.text


def name_lead(
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    chosen: Sequence[int],
    ranker: TreeRanker | None,
    min_score: float,
    sources: Sequence[str] = (),
) -> Lead | None:
    """The name the name trees rank first, when they are sure enough of it."""
    if ranker is None:
        return None
    candidates = name_candidates(question, sentences, scores, chosen, sources)
    if not candidates:
        return None
    p = ranker.score(np.asarray([c.features for c in candidates], dtype=np.float64))
    best = int(np.argmax(p))
    if p[best] < min_score:
        return None
    return Lead(candidates[best].name, candidates[best].sentence)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w'’-]+", text)}
