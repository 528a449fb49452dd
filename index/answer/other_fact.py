"""Another fact of the kind asked: a span of the right kind that states something else than
what the question asks. Last summer's figure is handled by the question's time qualifiers
(`slot_fit.qualified`); these are the other ways news sets such a fact beside the one asked:

- another measure of the same figure ("Operating profit" for "net profit");
- a sum not of the thing asked ("Orders ... reached £455 million" for a profit);
- a date of the opposite event ("due to be finished by December" for "when does work start");
- an age after another person's name ("Vermaelen, 27," for "how old is marta quiroga");
- another of a kind the question names one of ("the second of them" for "the first bid", the
  electricity charge for the gas charge: `news_words.SIBLINGS`).

`OtherFact` reads the question once; a slot candidate's features ask it about each span.
"""

from __future__ import annotations

import re

from index.answer.asks import AGE, AMOUNT, DATE, MONEY, PERSON, TIME, Asks
from index.answer.names import POSSESSIVE, TITLES
from index.answer.news_words import ROLE_WORDS, SIBLINGS
from index.answer.slot_fit import WORD, bare, term_set
from index.text import stem

# Measures of one figure that are different figures: net against operating profit.
_MEASURE = re.compile(
    r"(?i)\b(net|operating|pre-?tax|gross|underlying|adjusted|core)\s+"
    r"(profits?|income|earnings|loss(?:es)?|revenues?|sales|margin)\b"
)
# What a sum is of, when a question names it and news writes it out: a profit figure's
# sentence says "profit" (a cost is often left unsaid: "the $48 million extension").
_MONEY_OF = frozenset(
    stem(w)
    for w in "profit revenue turnover earnings income salary wage fine fee fare bonus prize "
    "payout compensation damages debt loss rent valuation".split()
)
# An age after a name: "Vermaelen, 27," or "Vermaelen (27)".
_AGED = re.compile(r"([A-Z][\w'’-]+)\s*[,(]\s*$")
# Events whose dates are different dates: a start is not an end.
_STARTS = frozenset(
    stem(w) for w in "start started begin began begun open opened opening launch launched".split()
)
_ENDS = frozenset(
    stem(w)
    for w in "end ended finish finished close closed complete completed shut stop stopped".split()
)
_EVENTS = (_STARTS, _ENDS)
_SIBLINGS = tuple(
    tuple(frozenset(stem(w) for w in part.split()) for part in group.split("|"))
    for group in SIBLINGS
)
_OPPOSITE_EVENTS = ((_STARTS, _ENDS), (_ENDS, _STARTS))
# Words between a body and its role: "Wessmoor head coach", "Corran's chief executive".
_ROLE_MODIFIERS = frozenset(
    "head chief assistant interim acting deputy first-team new former".split()
)


def _held_at(word: str) -> bool:
    """A capitalised word that names a body a role is held at, not a title ("Chief")."""
    return word[:1].isupper() and POSSESSIVE.sub("", word).lower() not in TITLES


class OtherFact:
    """What the question asks that another fact of its kind would not match."""

    def __init__(self, asks: Asks, question: str, focus: set[str]) -> None:
        self.asks = asks
        self.asked = {bare(w) for w in WORD.findall(question)}
        self.measure = _MEASURE.search(question) if asks.expects in (MONEY, AMOUNT) else None
        self.money_of = focus & _MONEY_OF if asks.expects == MONEY else set()
        self.event = {w for group in _EVENTS for w in group if focus & group}
        self.opposite = {w for a, b in _OPPOSITE_EVENTS for w in b if focus & a} - self.event
        asked = {stem(w) for w in self.asked}
        self.roles = set().union(*(ROLE_WORDS.get(stem(r), {stem(r)}) for r in asks.roles))
        self.siblings = [
            (part, frozenset().union(*(p for p in group if p is not part)))
            for group in _SIBLINGS
            for part in group
            if asked & part
        ]

    def same_fact(self, text: str, start: int) -> float:
        """0 when the sentence states the figure or date for another measure or event than
        the one asked, else 1."""
        other = self._other_measure(text) or self._other_event(text, start)
        return 0.0 if other or self._sibling(text) else 1.0

    def sum_of_other(self, text: str) -> bool:
        """A question asking what a sum is of ("what was the net profit") against a sentence
        that names no such thing ("Orders ... reached £455 million")."""
        return bool(self.money_of) and not self.money_of & term_set(text)

    def someone_else(self, text: str, start: int) -> bool:
        """Whether an age stands after another person's name than the question's:
        "Vermaelen, 27," (or "Vermaelen (27)")."""
        if self.asks.expects != AGE:
            return False
        m = _AGED.search(text[:start])
        return m is not None and bare(m.group(1)) not in self.asked

    def role_of_another(self, text: str, start: int) -> bool:
        """Whether a person stands after a role held at another body than the one the
        question names: "Wessmoor head coach Colin Ashworth" for "who coaches dunmere"."""
        if self.asks.expects != PERSON or not self.roles:
            return False
        before = WORD.findall(text[:start])[-4:]
        at = [k for k, w in enumerate(before) if stem(w.lower()) in self.roles]
        if not at:
            return False
        owner = [w for w in before[: at[0]] if w.lower() not in _ROLE_MODIFIERS]
        return bool(owner) and _held_at(owner[-1]) and bare(owner[-1]) not in self.asked

    def _other_event(self, text: str, start: int) -> bool:
        """A date beside the opposite of the event asked, the event asked nowhere in its
        sentence: "due to be finished by December" for "when does work start", "closed in
        2022" for "when did it open"."""
        if not self.opposite or self.asks.expects not in (DATE, TIME):
            return False
        before = {stem(w.lower()) for w in WORD.findall(text[:start])[-6:]}
        return bool(before & self.opposite) and not term_set(text) & self.event

    def _sibling(self, text: str) -> bool:
        """The question names one of a kind ("the gas standing charge", "the first bid") and
        the sentence another of that kind and not it ("the standing charge for electricity",
        "the second of them")."""
        if not self.siblings:
            return False
        terms = term_set(text)
        return any(not terms & part and terms & others for part, others in self.siblings)

    def _other_measure(self, text: str) -> bool:
        """The question asks for one measure of a figure ("net profit") and the sentence gives
        another ("Operating profit rose to £58.1 million")."""
        if self.measure is None:
            return False
        asked, noun = self.measure.group(1).lower(), self.measure.group(2).lower()
        given = {m.group(1).lower() for m in _MEASURE.finditer(text) if m.group(2).lower() == noun}
        return bool(given) and asked not in given
