"""A claim of a yes/no question checked against the sentences that speak to it: "no" only on a
real contradiction (a figure or name where the claim has another, a negation the claim lacks,
the opposite word), "yes" when a sentence states the claim's words, numbers and names, and
contradicts nothing; anything else undecided, since silence is not "no". The claim checks are
LLM mode's (`claims.py`, `numbers.py`), run once per sentence (`_checked`); the words compared
are stems, past forms as their verb ("struck" is "strike") and peoples as their country
("Iranian" is "Iran"), without the publication's name or words about reporting (`claim_terms`).

The order verdicts (`order.py`) ask here too whether a text states or tells a part (`stated`,
`tells`, `topical`): this module alone compares a claim's words with a sentence's."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.answer.claims import Source as ClaimSource
from index.answer.claims import negation_flipped, unknown_names
from index.answer.news_words import CHAT_WORDS
from index.answer.nobody import denial, harm_asked, harm_counted, harm_denied
from index.answer.numbers import missing_values, number_values, replaced_values, same
from index.answer.proper_names import DEMONYMS
from index.answer.sentences import Sentence
from index.answer.spans import Span, number_spans, span_value
from index.answer.yes_no import Part
from index.dates import date_phrases
from index.text import stem, stopwords

# A hyphenated word is its parts: "Brackwell-Tamsin" is stated by "Brackwell and Tamsin".
WORD = re.compile(r"[A-Za-z][\w'’]*|\d(?:[\d,.:]*\d)?")  # "2025," is the number 2025
SUPPORTED = 0.75  # share of a claim's weighted words a sentence (and its title) states for "yes"
MATCHED = 0.5  # ... and for its contradiction to count as "no"
SPECIFIC_WORDS = 10  # content words of a claim specific enough to check its figures
# Verbs and words that say the opposite of each other in news ("approved" / "rejected").
_OPPOSITES = (
    ("approv", "reject"), ("approv", "refus"), ("pass", "fail"), ("win", "lose"), ("rise", "fall"),
    ("increas", "decreas"), ("open", "close"), ("guilti", "acquit"), ("convict", "acquit"),
    ("uphold", "overturn"), ("uphold", "quash"), ("accept", "declin"), ("accept", "refus"),
    ("confirm", "deni"), ("grant", "refus"), ("ahead", "behind"), ("up", "down"),
    ("more", "fewer"), ("more", "less"), ("higher", "lower"), ("earlier", "later"),
    ("gain", "loss"), ("profit", "loss"), ("hire", "cut"), ("expand", "shrink"),
    ("rais", "cut"), ("rais", "lower"),
    # what news says instead: "on schedule" / "ran six weeks late", "started on purpose" /
    # "an accidental fire", "did he start the final" / "Substitute Daniel Okafor"
    ("schedul", "late"), ("schedul", "delay"), ("purpos", "accid"), ("purpos", "accident"),
    ("deliber", "accid"), ("deliber", "accident"), ("start", "substitut"),
    ("perman", "temporari"), ("pay", "exempt"),
    # "kept its guidance" / "did it cut its guidance"
    ("kept", "cut"), ("kept", "rais"), ("kept", "lower"),
    # a reader's opposites: "did they accept the offer" / "rejected", "was she hurt" / "unhurt"
    ("accept", "reject"), ("injur", "unhurt"), ("hurt", "unhurt"), ("guilti", "innoc"),
    ("allow", "ban"), ("allow", "prohibit"), ("success", "fail"), ("abov", "below"),
    ("bigger", "smaller"), ("larger", "smaller"), ("longer", "shorter"), ("older", "younger"),
    ("white", "black"),
)  # fmt: skip
_OPPOSITE: dict[str, set[str]] = {}
for _a, _b in _OPPOSITES:  # a word may have several ("cut": "hire", "raise")
    _OPPOSITE.setdefault(_a, set()).add(_b)
    _OPPOSITE.setdefault(_b, set()).add(_a)
# Past forms whose stem is not the verb's: "rose" is "rise" for the opposites.
_IRREGULAR = {
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "won": "win",
    "lost": "lose", "began": "begin", "begun": "begin", "shut": "close", "cut": "cut",
    "struck": "strike", "led": "lead", "paid": "pay", "sold": "sell", "held": "hold",
}  # fmt: skip
_UNANIMOUS = re.compile(r"\bunanimous(?:ly)?\b", re.I)
_VOTES = r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_SPLIT_VOTE = re.compile(
    rf"\b(\d{{1,3}})\s?[-–]\s?(\d{{1,3}})\b|\b({_VOTES})\s+(?:votes\s+)?to\s+({_VOTES})\b|"
    r"\bsplit\b|\bdissent",
    re.I,
)


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


def overall(parts: Sequence[PartOutcome]) -> str:
    outcomes = {p.outcome for p in parts}
    if "no" in outcomes:
        return "no"
    return "yes" if outcomes == {"yes"} else "undecided"


def sentences_of(part: Part, sentences: Sequence[Sentence]) -> list[int]:
    """The sentences a part is decided on: its publication's, else all."""
    if part.sources:
        mine = [i for i, s in enumerate(sentences) if s.passage.source in part.sources]
        if mine:
            return mine
    return list(range(len(sentences)))


def term_weights(sentences: Sequence[Sentence]) -> dict[str, float]:
    """Each stem's weight among the candidate sentences: rarer weighs more."""
    counts: dict[str, int] = {}
    for s in sentences:
        for t in stems(s.text):
            counts[t] = counts.get(t, 0) + 1
    n = len(sentences)
    return {t: math.log(1 + n / (1 + c)) for t, c in counts.items()}


# Cached: a question's checks read each candidate sentence again for every part, claim and
# weighting (a yes/no question stems ~200 sentences some 120 times over).
@lru_cache(maxsize=8192)
def stems(text: str) -> frozenset[str]:
    stop = stopwords()
    return frozenset(term(w) for w in WORD.findall(text) if w.lower() not in stop)


_CHAT = {stem(k): {stem(w) for w in v.split()} for k, v in CHAT_WORDS.items()}

# Words about the report rather than what it reports: an article does not say "published".
_REPORTING = frozenset(
    "report reported reporting reports article articles story stories piece coverage cover "
    "covered discuss discussed mention mentioned publish published write wrote written come "
    "came".split()
)
_REPORTING_TERMS = frozenset(stem(w) for w in _REPORTING)


def claim_terms(part: Part) -> frozenset[str]:
    """The words a part's sentence must state: not the name of the publication it is about,
    nor words about reporting ("the Verge report on X published" states X)."""
    return _own_terms(part) or stems(part.text)


def _own_terms(part: Part) -> frozenset[str]:
    named = {term(w) for source in part.sources for w in WORD.findall(source)}
    # A figure the claim compares against ("more than 1,000") is a bound no sentence states.
    return stems(_COMPARATOR.sub(" ", part.text)) - named - _REPORTING_TERMS


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """A word as the verdicts compare it: its stem, a past form as its verb ("struck" is
    "strike"), a people as its country ("Iranian" is "Iran")."""
    low = re.sub(r"(?:['’]s|['’])$", "", word.lower())
    low = _IRREGULAR.get(low, low)
    if word[:1].isupper():
        low = DEMONYMS.get(low) or re.sub(r"^(.{4,}?)(?:ian|i)$", r"\1", low)
    return stem(low)


def support(claim: Set[str], text: str, weights: dict[str, float]) -> float:
    """The weighted share of the claim's words the text states (a chat word in news's)."""
    total = sum(weights.get(t, 1.0) for t in claim) or 1.0
    here = stems(text)
    return (
        sum(weights.get(t, 1.0) for t in claim if t in here or _CHAT.get(t, set()) & here) / total
    )


def best_first(part: Part, sentences: Sequence[Sentence], scores: np.ndarray) -> list[int]:
    """The part's candidate sentences, best first: by how much of it they state, then score."""
    pool = sentences_of(part, sentences)
    weights = term_weights([sentences[i] for i in pool])
    claim = claim_terms(part)
    return sorted(pool, key=lambda i: -(support(claim, with_title(sentences[i]), weights)
                                        + 0.2 * scores[i]))  # fmt: skip


def with_title(sentence: Sentence) -> str:
    """A sentence with its article's title: the story it belongs to is part of what it says."""
    return f"{sentence.text} {sentence.passage.title}"


def check_claim(part: Part, sentences: Sequence[Sentence], scores: np.ndarray) -> PartOutcome:
    part = _metres_read(part, sentences)
    order = best_first(part, sentences, scores)
    if not order:
        return PartOutcome(part, "undecided", "no article speaks to it")
    harm = harm_denied(part.text)
    if harm:
        return _no_harm(part, harm, sentences, order)
    weights = term_weights([sentences[i] for i in sentences_of(part, sentences)])
    claim = claim_terms(part)
    top = order[:3]
    shares = {i: support(claim, with_title(sentences[i]), weights) for i in top}
    # A long claim (a paraphrase spanning several facts) is checked for a negation or an
    # opposite only: a figure elsewhere in its best sentence is seldom the one it states.
    specific = len(claim) <= SPECIFIC_WORDS
    worded = {i: _opposite_words(part.text, sentences[i].text, specific) for i in top}
    checked = {i: _checked(part.text, sentences[i], specific) for i in top}
    sole = _sole_figure(part.text, sentences, sentences_of(part, sentences)) if specific else None
    for i in top:
        why = checked[i].contradiction(specific) or worded[i] or _other_figure(sole, sentences[i])
        if not why or shares[i] < MATCHED:
            continue
        # "19 of the 64 wagons" is no contradiction of "64 wagons" when the article states the
        # 64 elsewhere: read only when a figure contradicts, which is seldom.
        if checked[i].by_figure(specific) and _figure_stated(part, sentences, weights):
            continue
        return PartOutcome(part, "no", why, (i,))
    best = order[0]
    denied = _denied(part, sentences, order)
    if denied is not None:
        return PartOutcome(part, "no", "no one, the story says", (denied,))
    for i in top:  # a correction rarely repeats the claim's words: not always its best
        if shares[i] >= MATCHED and retracted(part.text, sentences[i].text):
            return PartOutcome(part, "no", "a correction says it was wrong", (i,))
    if shares[best] >= SUPPORTED and checked[best].states_all:
        if not part.sources and hedged(part.text, sentences[best].text, claim):
            return PartOutcome(part, "undecided", "stated only as a plan or a forecast", (best,))
        return PartOutcome(part, "yes", "stated", (best,))
    return PartOutcome(part, "undecided", "not stated either way", (best,))


# "3.52m" with no currency: millions, or metres ("put the Lennet peak at 3.52m").
_M_GLUED = re.compile(r"(?<![$£€\d.,])(\d+(?:\.\d+)?)m\b")


def _metres_read(part: Part, sentences: Sequence[Sentence]) -> Part:
    """The claim with "3.52m" read as metres when its articles state 3.52 and not 3.52
    million."""
    m = _M_GLUED.search(part.text)
    if m is None:
        return part
    value = float(m.group(1))
    stated = {v for i in sentences_of(part, sentences) for v in number_values(sentences[i].text)}
    if any(same(value, v) for v in stated) and not any(same(value * 1e6, v) for v in stated):
        return Part(f"{part.text[: m.start()]}{m.group(1)} metres{part.text[m.end() :]}",
                    part.sources)  # fmt: skip
    return part


def _no_harm(part: Part, harm: str, sentences: Sequence[Sentence], order: list[int]) -> PartOutcome:
    """A claim that no one came to `harm` ("nobody was hurt in the fire"), against its
    stories' sentences: one counting someone who did says "no", one saying no one did "yes";
    the claim's own negation is no contradiction of the latter."""
    stories = {sentences[i].passage.doc_id for i in order[:3]}
    pool = [i for i in order if sentences[i].passage.doc_id in stories]
    counted = harm_counted(harm, sentences, pool)
    if counted is not None:
        return PartOutcome(part, "no", "someone was, the story says", (counted,))
    denied = denial(harm, sentences, pool)  # no count in the pool: only the denial is looked for
    if denied is not None:
        return PartOutcome(part, "yes", "no one, the story says", (denied,))
    return PartOutcome(part, "undecided", "not stated either way", tuple(order[:1]))


def _denied(part: Part, sentences: Sequence[Sentence], order: list[int]) -> int | None:
    """A sentence of the claim's stories (those of its three best sentences) saying no one came
    to the harm the claim says came to anyone ("No deaths were reported" for "Was anyone
    killed in the derailment?")."""
    harm = harm_asked(part.text)
    if not harm:
        return None
    stories = {sentences[i].passage.doc_id for i in order[:3]}
    return denial(harm, sentences, [i for i in order if sentences[i].passage.doc_id in stories])


# What a correction says an earlier version got wrong: "Correction: An earlier version of this
# article said the fine was £1.24 million; it is £12.4 million."
_RETRACTED = re.compile(
    r"(?i)\b(?:earlier|previous|original)\s+version\b[^.;]*?\b(?:said|stated|gave|reported|"
    r"misstated|described)\b([^;]*)|\b(?:incorrectly|wrongly|mistakenly)\s+"
    r"(?:said|stated|gave|reported)\b([^;]*)"
)


def retracted(claim: str, sentence: str) -> bool:
    """Whether the sentence states the claim's figures only in what a correction retracts,
    and none of them in what it says instead."""
    m = _RETRACTED.search(sentence) if number_values(claim) else None
    if m is None:
        return False
    wrong = m.group(1) if m.group(1) is not None else m.group(2)
    rest = sentence[: m.start()] + sentence[m.end() :]
    return not missing_values(claim, wrong) and bool(missing_values(claim, rest))


# Words that make what follows a plan, a possibility or a forecast, not a fact: "said it would
# ask the Supreme Court", "could make his debut on Saturday", "is very likely to be closed".
_HEDGES = frozenset(
    "would could might may likely unlikely plans planning intends intend hopes hope aims "
    "consider considering proposes threatened wants "
    # "hoped to reconnect the vast majority", "subject to approval by the regulator", "has six
    # weeks to decide whether to challenge"
    "hoped expected expects planned aimed whether subject pending awaiting seeking seeks".split()
)
# A question about the future, or about what a report says, asks a forecast or a plan too.
_ASKS_PLAN = frozenset("will would could may might say says said forecast expect plan".split())
HEDGE_REACH = 8  # words between a hedge and the claim's word it governs


def hedged(question: str, sentence: str, claim: Set[str]) -> bool:
    """Whether the sentence states the claim only as a plan, a possibility or a forecast: a
    hedge the question does not use stands within HEDGE_REACH words before a word of the
    claim."""
    asked = {w.lower() for w in WORD.findall(question)}
    if asked & _ASKS_PLAN:
        return False
    words = [w.lower() for w in WORD.findall(sentence)]
    hedges = [i for i, w in enumerate(words) if w in _HEDGES and w not in asked]
    if not hedges:
        return False
    claimed = [i for i, w in enumerate(words) if term(w) in claim]
    return any(0 < c - h <= HEDGE_REACH for h in hedges for c in claimed)


@dataclass(frozen=True)
class _Checked:
    """What LLM mode's claim checks find of a claim in one sentence."""

    compared: bool | None  # a figure the claim compares is met, missed, or not there
    replaced: bool  # a figure where the claim has another
    negated: bool  # a negation the claim lacks
    states_all: bool  # every number and name of the claim is in the sentence (or its title)

    def by_figure(self, figures: bool) -> bool:
        """Whether the contradiction these checks find is a figure's."""
        return figures and (self.compared is False or (self.compared is None and self.replaced))

    def contradiction(self, figures: bool) -> str:
        """Why the sentence says the opposite of the claim by these checks, or "" (`figures`:
        its figures count)."""
        if figures and self.compared is not None:
            return "" if self.compared else "the figure is on the other side"
        if figures and self.replaced:
            return "a different figure"
        return "the opposite, negated" if self.negated else ""


def _checked(claim: str, sentence: Sentence, figures: bool) -> _Checked:
    text, titled = sentence.text, with_title(sentence)
    compared = _comparison(claim, number_spans(claim), number_spans(text)) if figures else None
    # A figure the claim compares against is a bound, not a value it claims.
    compares = bool(_COMPARATOR.search(claim))
    replaced = figures and not compares and bool(replaced_values(claim, text, stopwords()))
    # A figure the sentence meets ("3.9 per cent" for "more than 3 per cent") is stated.
    stated = _figures_stated(_COMPARATOR.sub(" ", claim) if compared else claim, titled)
    negated = negation_flipped(claim, text)
    stated = stated and not unknown_names(claim, ClaimSource.of([titled]))
    return _Checked(compared, replaced, negated, stated)


def _figures_stated(claim: str, text: str) -> bool:
    """Whether `text` states every figure of `claim`: a figure outside a date by a figure
    outside its dates ("30 stores" is not stated by "August 30")."""
    return not missing_values(claim, text) and not missing_values(_undated(claim), _undated(text))


def _undated(text: str) -> str:
    """`text` with its dates blanked out (their numbers are days and years, not figures)."""
    for phrase in reversed(date_phrases(text)):
        if phrase.kind != "time":
            text = f"{text[: phrase.start]}{' ' * (phrase.end - phrase.start)}{text[phrase.end :]}"
    return text


# Kinds of figure a claim states one of, and a sentence about it another of: "going up 3.99%"
# against "a 4.99 per cent rise", "costing £57m" against "a £75 million expansion".
_SOLE_KINDS = ("percent", "money", "duration", "age", "measure", "count")


def _sole_figure(claim: str, sentences: Sequence[Sentence], pool: list[int]) -> Span | None:
    """The claim's one figure, of a kind `_SOLE_KINDS` holds, when no sentence of its
    articles states its value; else None."""
    spans = [s for s in number_spans(claim) if s.value is not None]
    if len(spans) != 1 or spans[0].kind not in _SOLE_KINDS or _COMPARATOR.search(claim):
        return None
    value = spans[0].value
    for i in pool:
        if any(
            s.value is not None and same(s.value, value) for s in number_spans(sentences[i].text)
        ):
            return None
    return spans[0]


def _other_figure(sole: Span | None, sentence: Sentence) -> str:
    """ "another figure" when the sentence states exactly one figure of the sole figure's
    kind, and another value (the claim's value is stated nowhere: `_sole_figure`)."""
    if sole is None:
        return ""
    kind = [s for s in number_spans(sentence.text) if s.kind == sole.kind]
    return "another figure" if len(kind) == 1 else ""


def _figure_stated(part: Part, sentences: Sequence[Sentence], weights: dict[str, float]) -> bool:
    """Whether a sentence of the part's articles that speaks to it (most of its words) states
    every figure of the claim."""
    claim = claim_terms(part)
    texts = (with_title(sentences[i]) for i in sentences_of(part, sentences))
    return any(
        support(claim, t, weights) >= MATCHED and _figures_stated(part.text, t) for t in texts
    )


def _opposite_words(claim: str, sentence: str, figures: bool) -> str:
    """The opposite word ("rejected" for "approved"), a split vote for a unanimous one, or
    (`figures`) another year."""
    mine, theirs = all_stems(claim), all_stems(sentence)
    for word in mine:
        if _OPPOSITE.get(word, set()) & theirs and word not in theirs:
            return "the opposite word"
    if _UNANIMOUS.search(claim) and _split(sentence):
        return "a split vote"
    year = _other_year(claim, sentence) if figures else ""
    return f"another year ({year})" if year else ""


def _split(sentence: str) -> bool:
    """A vote with some against: "7-2", "six to one", "by seven votes to four", "split"."""
    m = _SPLIT_VOTE.search(sentence)
    if m is None:
        return False
    first, second = m.group(1) or m.group(3), m.group(2) or m.group(4)
    if first is None:
        return True  # "split", "dissent"
    return (span_value(first) or 0) > 0 and (span_value(second) or 0) > 0


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


def _comparison(claim: str, claimed: Sequence[Span], spans: Sequence[Span]) -> bool | None:
    """For a claim comparing a figure ("more than 3 per cent"): whether the sentence's figures
    of the same kind (`spans`) meet it; None when the claim compares nothing, the sentence has
    no such figure, or some meet it and some do not ("412,000, up from 389,000" for "fewer
    than 400,000": which one the claim means is not read here)."""
    m = _COMPARATOR.search(claim)
    if m is None:
        return None
    bound = float(m.group(2).replace(",", "").rstrip("."))
    kind = next((s.kind for s in claimed if s.value == bound), "count")
    values = [s.value for s in spans if s.kind == kind and s.value is not None]
    if not values:
        return None
    less = m.group(1).lower() in _LESS
    met = {v < bound if less else v > bound for v in values}
    return met.pop() if len(met) == 1 else None  # figures on both sides settle nothing


# Verbs of two words that say one of the opposites: "turned down the estate" rejects it.
_PHRASAL = re.compile(r"(?i)\b(?:turn|turns|turned|turning|threw|throw|throws)\s+(?:down|out)\b")


@lru_cache(maxsize=4096)
def all_stems(text: str) -> frozenset[str]:
    return frozenset(term(w) for w in WORD.findall(_PHRASAL.sub("reject", text)))


def topical(parts: Sequence[Part]) -> list[Part]:
    """Parts with their topic: one that says little beyond a publication's name ("... after
    the Herald's") takes the other's own words ("tram" of "the WBN tram story")."""
    out = []
    for part, other in zip(parts, reversed(parts), strict=True):
        if not _own_terms(part):
            theirs = _own_terms(other)
            borrowed = " ".join(w for w in WORD.findall(other.text) if term(w) in theirs)
            part = Part(f"{part.text} {borrowed}", part.sources)
        out.append(part)
    return out


def stated(part: Part, sentence: Sentence, sentences: Sequence[Sentence]) -> bool:
    """Whether a report's sentence (with its title) states most of what the part says it
    reported: the order of two reports is only asked of the right two."""
    weights = term_weights(list(sentences))
    return support(claim_terms(part), with_title(sentence), weights) >= MATCHED


def tells(part: str, side: str) -> bool:
    """Whether one side of an order word tells a part: most of its words (at least two), and
    its names in the same order ("Pakistan ... Iran" is not "Iran ... Pakistan")."""
    wanted, have = stems(part), stems(side)
    if len(wanted) < 2 or len(wanted & have) < max(2, round(0.75 * len(wanted))):
        return False
    mine = [term(w) for w in WORD.findall(part) if w[:1].isupper()]
    theirs = [term(w) for w in WORD.findall(side) if w[:1].isupper()]
    theirs = [t for t in theirs if t in mine]
    if mine and [t for t in mine if t in theirs] != list(dict.fromkeys(theirs))[: len(mine)]:
        return False
    return not missing_values(part, side)  # "fifty runners" is not told by "Forty-one runners"
