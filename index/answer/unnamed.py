"""A question asking which things when the articles only count them: "which charities got the
grants" against "17 grants to three charities", "which airlines did it turn away" against "we
turned away two airlines". The sentences are on topic and state the number, never the names:
a near miss, refused by what it asks. So with the names asked in other words: "who are
Tallis's two biggest customers" against "two customers accounted for 31 per cent"."""

from __future__ import annotations

import re

from index.answer.asks import Asks
from index.text import stem

_WHICH = re.compile(
    r"(?i)^\s*which\s+((?:\w+\s+){0,3}?)(\w+)\s+"
    r"(?:is|are|was|were|did|do|does|has|have|had|got|get|made|make|will|would)\b"
)
_COUNTED = re.compile(
    r"(?i)(?:two|three|four|five|six|seven|eight|nine|ten|several|some|a|an|\d[\d,]*)"
)
# A name right after the noun: "two charities, Hope House and ...", "including Ryanair".
_NAMED_AFTER = re.compile(r"[\s,:(]*(?:including\s+|such\s+as\s+|named\s+|called\s+)?[A-Z]")
_NOT_NAMED = frozenset("two three four five six seven eight nine ten both other".split())


# "who are Tallis's two biggest customers", "what are the names of the two walkers", "whats
# the name of the engineer who ...": the names of things the question counts or describes.
_NAMES_OF = re.compile(
    r"(?i)^\s*(?:who\s+(?:are|were)\s+(?:the\s+|[\w'’]+'s\s+|[\w'’]+’s\s+)"
    r"|what(?:'s|’s|s|\s+is|\s+are|\s+were|\s+was)\s+the\s+names?\s+of\s+the\s+)"
    r"((?:\w+\s+){0,2}?)(\w+)\b(?=\s+(?:who|that|which|did|does|do|is|are|was|were|in|at|of|on|\w+ed|\w+ing)\b|\s*\??\s*$)"
)


def which_noun(question: str) -> str:
    """The noun a "which" question asks the names of ("charities", "schools"), or ""."""
    m = _WHICH.search(question)
    return m.group(2).lower() if m else ""


# "what was the firefighter who got burned called"
_CALLED = re.compile(
    r"(?i)^\s*what\s+(?:is|was|are|were)\s+the\s+((?:\w+\s+){0,2}?)(\w+)\s+"
    r"(?:who|that)\b.*\b(?:called|named)\s*\??\s*$"
)


def names_noun(question: str) -> str:
    """The noun a question asks the names of in other words than "which", or ""."""
    m = _NAMES_OF.search(question) or _CALLED.search(question)
    return m.group(2).lower() if m else ""


def only_counted(question: str, asks: Asks, texts: list[str]) -> str | None:
    """The thing asked ("the names of the charities") when a question asking names ("which"
    things of no known kind, or "who are the ...", "what are the names of the ...") finds its
    noun in the quoted sentences only after a number or "a", with no name beside it; else
    None. A typed "which" question's kind is the slot ranker's to find ("which airline",
    "SkyBrio, a low-cost airline": a name before its noun)."""
    if not asks.short:
        return None
    named = names_noun(question)
    noun = named or ("" if asks.typed else which_noun(question))
    if not noun or noun in _NOT_NAMED:
        return None
    # A person described, not named: "a 29-year-old woman" (things are counted right before).
    reach = 4 if named else 2
    mention = re.compile(rf"(?i)\b({re.escape(noun)}|{re.escape(stem(noun))}\w*)\b")
    seen = False
    for text in texts:
        for m in mention.finditer(text):
            seen = True
            before = re.findall(r"[\w,]+", text[: m.start()].replace("-", " "))[-reach:]
            counted = any(_COUNTED.fullmatch(w) for w in before)
            if not counted or _NAMED_AFTER.match(text[m.end() :]):
                return None
    return f"the names of the {noun}" if seen else None
