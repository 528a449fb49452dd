"""What a question asks for, read once: the kind of answer (a person, a date, a count of runners,
an amount of money, a place, a verdict ...), the words that answer must be about, and the
qualifiers it must agree with (a year, "originally", "in total"). Every later step of the
answer stage reads this instead of parsing the question again.

Questions come as a team channel types them: lower case, no question mark, a lead-in ("In the
Delane case, who ..."), or as MultiHop-RAG writes them (long, with clauses and sources).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.answer.spans import is_measure_unit
from index.dates import CALENDAR_WORDS
from index.text import stopwords

SHORT_QUESTION_WORDS = 16  # MultiHop-RAG has no question under 18 words

# The kinds of answer a question can expect.
PERSON, ORGANISATION, NAME, PLACE = "person", "organisation", "name", "place"
DATE, TIME, COUNT, MONEY, AMOUNT = "date", "time", "count", "money", "amount"
PERCENT, DURATION, AGE, MEASURE, SCORE = "percent", "duration", "age", "measure", "score"
VERDICT, DESCRIPTION = "verdict", "description"

_AUX = (
    r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must|"
    r"isn't|aren't|wasn't|weren't|doesn't|didn't|hasn't|haven't|won't)"
)
_PERSON_NOUNS = frozenset(
    "person individual people man woman official judge justice councillor councilor mayor "
    "minister player coach manager director chief ceo executive chairman chair spokesman "
    "spokeswoman spokesperson founder president senator governor officer captain striker "
    "bowler batter goalkeeper driver runner winner author researcher scientist professor "
    "doctor surgeon lawyer prosecutor defendant witness teacher principal head headteacher "
    "member leader candidate artist singer actor owner resident victim suspect rider "
    "skipper referee umpire economist analyst engineer architect curator historian "
    "magistrate sheriff commissioner inspector superintendent barrister solicitor".split()
)
_ORGANISATION_NOUNS = frozenset(
    "company companies firm business organisation organization group team club council agency "
    "authority department ministry union association charity institution university college "
    "school hospital bank insurer operator airline carrier regulator court panel board "
    "consultancy consultants publisher outlet newspaper network broadcaster startup entity "
    "brand platform exchange sportsbook service party government body contractor developer "
    "lab laboratory".split()
)
_PLACE_NOUNS = frozenset(
    "place town city village country region county state province venue stadium ground "
    "street road area district neighbourhood neighborhood site location island port "
    "station hospital".split()
)
_WH = re.compile(
    r"\b(?P<wh>how\s+(?:many|much|long|old|far|often|big|large|high|deep|fast|tall)|"
    r"what\s+(?:time|date|day|year|month)|when|where|who(?:m|se)?|which|what|why|how)\b",
    re.I,
)
_LEAD_IN = re.compile(
    r"^(?:(?:according\s+to|in|on|from|for|about|regarding|after|before|per|as\s+for)\b[^,?]{0,80},\s*)+",
    re.I,
)
_YES_NO = re.compile(rf"^\s*{_AUX}\b", re.I)
# "whats the fare", "wheres the match": typed without the apostrophe.
_APOSTROPHE_DROPPED = re.compile(r"\b(what|who|where|when|how)s\b", re.I)
_CLAUSE_START = re.compile(
    rf"(?:^|[,;:]\s*)(?:and\s+|but\s+|so\s+)?(?={_AUX}\b|when\b|where\b|who|which\b|what\b|how\b)",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")
# Nouns that say what kind of value a "what is the X" question wants.
_VALUE_NOUNS = {
    **dict.fromkeys(
        "cost costs price prices budget profit profits revenue revenues turnover bill bonus "
        "wage wages salary fine fee fees funding grant valuation worth payout prize compensation "
        "damages spending investment contribution debt loss losses earnings income tax rent fare "
        "pay payment deficit surplus savings shortfall overspend".split(),
        MONEY,
    ),
    **dict.fromkeys("crowd attendance turnout toll population headcount".split(), COUNT),
    **dict.fromkeys("date day year month".split(), DATE),
    **dict.fromkeys("time times".split(), TIME),
    **dict.fromkeys(
        "temperature speed gust rainfall height length distance depth weight size capacity".split(),
        MEASURE,
    ),  # fmt: skip
    **dict.fromkeys("rate percentage".split(), PERCENT),
    **dict.fromkeys("score result scoreline".split(), SCORE),
    "age": AGE,
    "minute": TIME,
}
_SHARE_NOUNS = frozenset("share proportion percentage fraction".split())
_COMPARATIVES = frozenset("more less extra fewer".split())
# What a "how much" asks of when it wants a length of time.
_TIME_NOUNS = frozenset("sleep rest time delay".split())
_AMOUNT_NOUNS = frozenset(
    "rain rainfall snow water power electricity energy fuel oil gas land space weight ground "
    "distance".split()
)
# Verbs of a change: "how much" asked of one wants a share ("6.2 per cent") or a sum.
_CHANGE_VERBS = frozenset(
    "rise rose risen fall fell fallen drop dropped climb climbed jump jumped increase increased "
    "decrease decreased grow grew grown shrink shrank decline declined slump slumped slide slid "
    "gain gained up down".split()
)
_QUALIFIER = re.compile(
    r"\b(?:originally|initially|at\s+first|in\s+total|in\s+all|altogether|overall|now|"
    r"finally|in\s+the\s+end|so\s+far|last\s+year|this\s+year|per\s+year|a\s+year|each\s+year|"
    r"this\s+(?:summer|season|spring|autumn|winter|month|week)|"
    r"ago|before\s+the\s+\w+|(?:19|20)\d\d|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    re.I,
)


# Kinds of answer that behave alike, as one number for the learned parts.
KIND_GROUPS = {
    COUNT: 1, MEASURE: 1, MONEY: 2, AMOUNT: 2, PERCENT: 2, DATE: 3, TIME: 3, DURATION: 4,
    AGE: 4, SCORE: 4, PERSON: 5, ORGANISATION: 6, NAME: 6, PLACE: 7, VERDICT: 8,
    DESCRIPTION: 9,
}  # fmt: skip


def kind_group(expects: str) -> int:
    """KIND_GROUPS of a kind of answer (0 when the kind is not known)."""
    return KIND_GROUPS.get(expects, 0)


@dataclass(frozen=True)
class Asks:
    """What a question asks for."""

    wh: str  # who, when, where, how many, how much, which, what, why, how, yes/no, or ""
    expects: str  # PERSON, DATE, COUNT, MONEY, ... VERDICT, DESCRIPTION, or "" (not known)
    focus: tuple[str, ...]  # the question's own words about what is asked: "prize money", "open"
    counted: tuple[str, ...] = ()  # for how many: what is counted ("runners")
    qualifiers: tuple[str, ...] = ()  # "originally", "2023", "in total": the answer must agree
    short: bool = False  # under SHORT_QUESTION_WORDS words: not MultiHop-RAG's kind
    roles: tuple[str, ...] = ()  # for a name: the role it names ("judge", "company")
    noun: str = ""  # the thing asked, in the question's words ("prize money", "the salary")

    @property
    def typed(self) -> bool:
        """Whether the answer is one thing of a known kind (a lead can state it)."""
        return self.expects not in ("", VERDICT, DESCRIPTION)

    @property
    def wants_number(self) -> bool:
        return self.expects in (COUNT, MONEY, AMOUNT, PERCENT, DURATION, AGE, MEASURE, DATE, TIME)

    @property
    def wants_name(self) -> bool:
        return self.expects in (PERSON, ORGANISATION, NAME, PLACE)


# A channel's shorthand for words news spells out: "how many ppl went", "the uni study".
_SHORT_FORMS = {
    "ppl": "people", "govt": "government", "uni": "university", "yr": "year", "yrs": "years",
    "hrs": "hours", "mins": "minutes", "approx": "approximately", "abt": "about",
}  # fmt: skip
_SHORTHAND = re.compile(rf"\b(?:{'|'.join(_SHORT_FORMS)})\b", re.I)


@lru_cache(maxsize=4096)
def analyse(question: str) -> Asks:
    """What `question` asks for."""
    text = _APOSTROPHE_DROPPED.sub(r"\1's", " ".join(question.split()))
    text = _SHORTHAND.sub(lambda m: _SHORT_FORMS[m.group().lower()], text)
    short = len(text.split()) < SHORT_QUESTION_WORDS
    body = _LEAD_IN.sub("", text)
    if _YES_NO.match(body) or _yes_no_clause(text):
        return Asks("yes/no", VERDICT, _content(body), short=short)
    m = _WH.search(body)
    if m is None:
        return Asks("", "", _content(body), short=short)
    wh = " ".join(m.group("wh").lower().split())
    rest = body[m.end() :]
    expects, counted = _expects(wh, rest)
    by = re.search(r"\bby\s+$", body[: m.start("wh")], re.I)
    if expects == MONEY and wh == "how much" and by:
        expects = AMOUNT  # "by how much did hot nights raise visits": a change, a share or a sum
    focus = tuple(w for w in _content(rest) if w not in counted)
    return Asks(
        wh.split()[0] if wh.startswith(("what ",)) else wh,
        expects,
        focus,
        counted,
        tuple(q.lower() for q in _QUALIFIER.findall(rest)),
        short,
        _roles(expects, rest),
        _noun(wh, rest),
    )


def _noun(wh: str, rest: str) -> str:
    """The thing asked in the question's own words, for a refusal to name: "how much prize
    money", "the salary"."""
    words = [w.lower() for w in _WORD.findall(rest)]
    if wh in ("how many", "how much"):
        phrase = _noun_phrase(words)
        return f"{wh} {' '.join(phrase)}".strip() if phrase and phrase[0] not in _VERBISH else wh
    if wh in ("what", "which") and words[:1] and re.fullmatch(_AUX, words[0]):
        for w in words[1:6]:
            if w in _VALUE_NOUNS:
                return f"the {w}"
    return ""


_VERBISH = frozenset("did does do is was were will would has have had can could".split())


# "who chairs the committee" asks who holds a role as much as "who is the chair of" does.
ROLE_VERBS = {
    "leads": "leader", "chairs": "chair", "heads": "head", "manages": "manager",
    "coaches": "coach", "runs": "boss", "directs": "director", "refereed": "referee",
    "umpired": "umpire",
}  # fmt: skip
_GENERIC_ROLES = frozenset("person individual people man woman member place thing".split())


def _roles(expects: str, rest: str) -> tuple[str, ...]:
    """The role nouns of a question asking for a name ("the trial judge", "which company")."""
    if expects not in (PERSON, ORGANISATION, NAME, PLACE):
        return ()
    nouns = {PERSON: _PERSON_NOUNS, ORGANISATION: _ORGANISATION_NOUNS, PLACE: _PLACE_NOUNS}.get(
        expects, _PERSON_NOUNS | _ORGANISATION_NOUNS | _PLACE_NOUNS
    )
    words = [w.lower() for w in _WORD.findall(rest)]
    held = (
        [ROLE_VERBS[words[0]]] if expects == PERSON and words[:1] and words[0] in ROLE_VERBS else []
    )
    return tuple(
        dict.fromkeys([*held, *(w for w in words if w in nouns and w not in _GENERIC_ROLES)])
    )


def _yes_no_clause(text: str) -> bool:
    """A yes/no question after a lead-in clause ("After X reported Y, did Z ...?"), and not a
    wh-question whose verb merely follows a comma."""
    clauses = re.split(r",\s*", text.rstrip("?"))
    for clause in clauses[1:]:
        if _YES_NO.match(clause) and not _WH.match(clause):
            return not _WH.search(clauses[0]) or clauses[0].lower().startswith(
                ("after", "before", "between", "considering", "given", "following", "in", "on")
            )
    return False


def _expects(wh: str, rest: str) -> tuple[str, tuple[str, ...]]:
    """The kind of answer, and for a count what it counts."""
    words = [w.lower() for w in _WORD.findall(rest)]
    if wh == "how many":
        noun = tuple(_noun_phrase(words))
        return (MEASURE if any(is_measure_unit(w) for w in noun) else COUNT), noun  # "cubic metres"
    if wh == "how much":
        noun = _noun_phrase(words)
        while noun and noun[0] in _COMPARATIVES:  # "how much more sleep"
            noun = noun[1:]
        if noun and noun[0] in _TIME_NOUNS:
            return DURATION, ()  # "how much sleep did teens gain": 34 minutes
        if noun and noun[0] in _AMOUNT_NOUNS:
            return MEASURE, tuple(noun)
        if any(w in ("percent", "percentage") for w in words[:6]):
            return PERCENT, ()
        if any(w in _CHANGE_VERBS for w in words[:8]):
            return AMOUNT, ()  # "how much did the shares drop": a share or a sum
        return MONEY, ()
    if wh in ("how big", "how large"):
        valued = [_VALUE_NOUNS[w] for w in words[:6] if _VALUE_NOUNS.get(w) in (MONEY, COUNT)]
        if valued:
            return valued[0], ()  # "how big is the budget", "how big was the crowd"
    if wh in ("how long", "how often"):
        return DURATION, ()
    if wh == "how old":
        return AGE, ()
    if wh.startswith("how "):
        return MEASURE, ()
    if wh in ("when", "what date", "what day", "what year", "what month"):
        return DATE, ()
    if wh == "what time":
        return TIME, ()
    if wh == "where":
        return PLACE, ()
    if wh in ("who", "whom", "whose"):
        return _who(words[:4]), ()
    if wh in ("which", "what"):
        return _which(words), ()
    return DESCRIPTION, ()


def _which(words: list[str]) -> str:
    """The kind a which/what question names: "which judge" a person, "what company" an
    organisation, "what is the cost" money, "what happened" a description."""
    if words[:1] in (["s"], ["'s"]):
        words = ["is", *words[1:]]
    if words and re.fullmatch(_AUX, words[0]):
        return _what_is(words[1:])
    if words[:2] and words[0] in _SHARE_NOUNS and words[1:2] == ["of"]:
        return PERCENT  # "what share of patients were seen": a share, never the head count
    if "cost" in words[:8] or "costs" in words[:8]:
        return MONEY
    for w in words[:3]:  # "what pre-tax profit did it make"
        if w in _VALUE_NOUNS:
            return _VALUE_NOUNS[w]
        if re.fullmatch(_AUX, w):
            break
    kind = _named(words[:2])
    if kind:
        return kind
    if words[:1] in (["happened"], ["happens"], ["caused"], ["led"]) or not words:
        return DESCRIPTION
    return ""


_RACE_WORDS = frozenset("winning finishing race record fastest personal".split())


_BEYOND_THE_NOUN = frozenset("of for in at on by with about to from after over".split())


def _what_is(words: list[str]) -> str:
    """After "what is/was/will ...": the value its noun names ("the new cost estimate", "the
    crowd"), a name ("the name of"), or a description ("what did inspectors find")."""
    if words[-1:] == ["worth"]:
        return MONEY  # "what are the stolen candlesticks worth"
    # A value noun among the first words, before any verb or preposition, names the value:
    # "what was Brimwick's profit", and as chat types it, "what was voltaras net loss".
    for before, w in zip(["", *words], words[:5], strict=False):
        if w in ("time", "times") and before in _RACE_WORDS:
            return DURATION  # "the winning time": how long the race took, not a clock time
        if w in _VALUE_NOUNS:
            return _VALUE_NOUNS[w]
        if w == "name":  # "the name of the engineer who found it": a person
            return _named(words[words.index("name") + 1 :][:4]) or NAME
        if w in _BEYOND_THE_NOUN or re.fullmatch(_AUX, w) or (not before and w.endswith("ing")):
            break  # "whats happening with the bus fare cap": past the thing asked
    if "cost" in words or "costs" in words:
        return MONEY
    return DESCRIPTION


def _who(words: list[str]) -> str:
    """Who asks for a person, or an organisation when its words name one and no person ("who
    runs the bus company"), never a place: "who manages Saltmarsh Town" and "who is the
    council leader" ask for people."""
    if any(_named([w]) == PERSON for w in words) or words[:1] and words[0] in ROLE_VERBS:
        return PERSON  # "who leads the union": its leader
    kind = _named(words)
    return kind if kind in (ORGANISATION, NAME) else PERSON


def _named(words: list[str]) -> str:
    for w in words:
        w = w.rstrip("s") if w not in _PERSON_NOUNS | _ORGANISATION_NOUNS else w
        if w in _PERSON_NOUNS or f"{w}s" in _PERSON_NOUNS:
            return PERSON
        if w in _ORGANISATION_NOUNS or f"{w}s" in _ORGANISATION_NOUNS:
            return ORGANISATION
        if w in _PLACE_NOUNS:
            return PLACE
        if w == "name":
            return NAME
    return ""


def _noun_phrase(words: list[str]) -> list[str]:
    """The words right after "how many"/"how much", up to the verb ("runners", "new stops")."""
    out = []
    for w in words:
        if re.fullmatch(_AUX, w) or w in ("of", "in", "on", "at", "for", "to", "from", "that"):
            break
        out.append(w)
        if len(out) == 3:
            break
    return out


# NLTK lists "won" (of "won't"), but in "who won the race" it is the thing asked.
_ASKED_VERBS = frozenset({"won"})


def _content(text: str) -> tuple[str, ...]:
    stop = stopwords() - _ASKED_VERBS
    words = [w.lower() for w in _WORD.findall(text)]
    return tuple(
        dict.fromkeys(w for w in words if w not in stop and w not in CALENDAR_WORDS and len(w) > 1)
    )
