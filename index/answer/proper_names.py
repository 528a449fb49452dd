"""Names and words in a text as the claim checks see them: tokens folded for comparison, and
names as runs of capitalised words.

Names come from capitalisation, not a tagger: no NER model ships inside a PyPI package we can
use offline (spaCy's models are separate downloads), and a name must only be *found*, not typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from index.text import stopwords as _stopwords

_TOKEN = re.compile(r"[A-Za-z0-9][\w&]*(?:[.'’-][\w&]+)*\.?")
_POSSESSIVE = re.compile(r"['’]s?$")
OPENERS = frozenset(
    [
        "however",
        "meanwhile",
        "officials",
        "authorities",
        "police",
        "critics",
        "experts",
        "analysts",
        "researchers",
        "scientists",
        "investors",
        "according",
        "several",
        "many",
        "most",
        "also",
        "still",
        "yet",
        "today",
        "yesterday",
        "tomorrow",
        "earlier",
        "later",
        "last",
        "next",
        "despite",
        "although",
        "though",
        "overall",
        "instead",
        "together",
        "currently",
        "previously",
        "additionally",
        "furthermore",
        "moreover",
        "separately",
        "similarly",
        "spokesman",
        "spokeswoman",
        "indeed",
        "officials'",
        "it's",
        "in",
        "on",
        "at",
        "as",
        "by",
        "for",
        "with",
        "from",
        "after",
        "before",
        "during",
        "while",
        "since",
    ]
)
# Demonyms that are not a prefix of their country (those that are, like Iranian, need none).
DEMONYMS = {
    "chinese": "china",
    "french": "france",
    "british": "britain",
    "dutch": "netherlands",
    "spanish": "spain",
    "swiss": "switzerland",
    "greek": "greece",
    "turkish": "turkey",
    "polish": "poland",
    "danish": "denmark",
    "swedish": "sweden",
    "finnish": "finland",
    "irish": "ireland",
    "welsh": "wales",
    "scottish": "scotland",
    "english": "england",
    "filipino": "philippines",
    "thai": "thailand",
    "saudi": "arabia",
    "emirati": "emirates",
    "yemeni": "yemen",
    "iraqi": "iraq",
    "kuwaiti": "kuwait",
    "qatari": "qatar",
    "omani": "oman",
    "israeli": "israel",
    "peruvian": "peru",
}
NAME_LINKS = frozenset({"of", "de", "the", "and", "&", "for"})  # inside names: Bank of America


class Token(NamedTuple):
    word: str  # folded, possessive and final dot removed: "Iran's" -> "iran"
    capital: bool
    start: int  # offset in the text
    end: int


def _fold(word: str) -> str:
    word = word.lower()
    if "'" in word or "’" in word:
        word = _POSSESSIVE.sub("", word.replace("’", "'"))
    if "." in word:
        word = word.rstrip(".") if word.count(".") <= 1 else word.replace(".", "")
    return word


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[Token, ...]:
    return tuple(
        Token(_fold(m.group()), m.group()[0].isupper(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    )


def _is_opener(text: str, token: Token) -> bool:
    """Whether `token` opens the text or a clause after a colon or a quotation mark."""
    before = text[: token.start].rstrip(" \"“'‘(")
    return not before or before[-1] in ".:;!?"


@lru_cache(maxsize=8192)
def names(text: str) -> tuple[tuple[int, ...], ...]:
    """Token indexes of each name: runs of capitalised words (linked by of/de/and...), not
    counting a lone capitalised common word that opens the sentence."""
    toks = tokens(text)
    spans: list[list[int]] = []
    run: list[int] = []

    def close() -> None:
        while run and toks[run[-1]].word in NAME_LINKS:
            run.pop()
        if run:
            spans.append(list(run))
        run.clear()

    for i, t in enumerate(toks):
        if run and text[toks[i - 1].end : t.start].strip():
            close()  # punctuation between: "Google, Android" are two names
        name_like = t.capital and not t.word.isdigit() and t.word not in _stopwords()
        if name_like:
            run.append(i)
            if text[t.start : t.end].endswith(("'s", "’s")):
                close()  # "Pakistan's Foreign Ministry": two names
        elif run and t.word in NAME_LINKS and toks[run[-1]].capital:
            run.append(i)
        else:
            close()
    close()
    return tuple(tuple(s) for s in spans if not _lone_opener(text, toks, s))


def _lone_opener(text: str, toks: Sequence[Token], span: list[int]) -> bool:
    first = toks[span[0]]
    if len(span) > 1 or not _is_opener(text, first):
        return False
    # An adverb opening the sentence ("Indeed,", "Additionally,") is no name either.
    adverb = first.word.endswith("ly") or text[first.end : first.end + 1] == ","
    return first.word in OPENERS or first.word in _stopwords() or adverb
