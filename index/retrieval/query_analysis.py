"""Query analysis: the publications and publication dates a question names, and its clauses.

News questions often say where and when something was reported ("according to The Verge",
"TechCrunch's article of October 7, 2023"). Recognising those names and dates lets retrieval
search each named publication and date on its own, so every article a multi-hop question
points at gets candidates. Publication names come from the index itself (the articles'
`source` field), so this works for any news corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.dates import MONTHS, WEEKDAYS, find_dates
from index.text import content_terms

# A publication's name often has a tagline after a separator: "The Roar | Sports Writers Blog".
_TAGLINE = re.compile(r"\s+[|:–—-]\s+|:\s+")
_SPACE = re.compile(r"\s+")
# A name as questions write a publication: capitalised words, maybe "of" or "&" between them.
_NAME = r"((?:[A-Z0-9][\w&.'’-]*)(?:\s+(?:of\s+|&\s+)?[A-Z0-9][\w&.'’-]*)*)"
_WORK = r"(?:article|report|piece|story|coverage|editorial|column|review)s?"
# Phrases that say where something was published: "an article by X", "reported by X",
# "a X report". A name there that matches no publication of the index is one we cannot answer
# from.
_CITING = (
    re.compile(rf"\b{_WORK}\s+(?:by|from|in)\s+(?:the\s+)?{_NAME}"),
    re.compile(rf"\b(?:reported|published|written)\s+(?:by|in)\s+(?:the\s+)?{_NAME}"),
    re.compile(rf"\b(?:a|an|the|another|one)\s+(?:[a-z]+\s+)?{_NAME}\s+{_WORK}\b"),
    re.compile(rf"{_NAME}(?:'s|’s|'|’)\s+{_WORK}\b"),
)
# Capitalised words that start a question or clause rather than a name.
_NOT_NAMES = frozenset((
    "a", "an", "the", "this", "that", "these", "those", "which", "what", "who", "whom", "whose",
    "when", "where", "why", "how", "does", "do", "did", "is", "are", "was", "were", "has", "have",
    "had", "can", "could", "would", "should", "will", "between", "considering", "based", "given",
    "according", "in", "on", "from", "after", "before", "both", "if", "while", "following",
    "during", "since", "as", "and", "or", "but", "each", "either", "neither", "its", "their",
    *WEEKDAYS, *MONTHS,
))  # fmt: skip
# Quoted text is a title or a topic ("the 'NBA Rookie of the Year Odds' article"), not a name.
_QUOTED = re.compile(r"(?<!\w)(['‘\"“])[^'’\"”]+['’\"”](?!\w)")
_KNOWN = "\x00"  # stands in for a publication of the index while looking for unknown ones


@dataclass(frozen=True)
class QueryAnalysis:
    sources: tuple[str, ...] = ()  # source values of the index the question names
    dates: tuple[str, ...] = ()  # YYYY-MM-DD publication dates it names
    unknown_sources: tuple[str, ...] = ()  # publications it cites that the index does not hold


# The last word of a paper's name that people use alone: "the Herald", "the Post".
PAPER_WORDS = frozenset(
    "herald post times ledger gazette courier journal tribune chronicle mail telegraph guardian "
    "observer express standard independent review mirror record advertiser examiner globe "
    "inquirer bulletin dispatch wire echo argus sentinel beacon citizen messenger enquirer "
    "register recorder courant clarion".split()
)


def full_names(source: str) -> set[str]:
    """The ways a question names `source` in full: its name, the name before a tagline, and
    without a leading "The" or a ".com"."""
    names = {_SPACE.sub(" ", source).strip()}
    head = _TAGLINE.split(source, maxsplit=1)[0].strip()
    if head:
        names.add(head)
    for name in list(names):
        if name.lower().endswith(".com"):
            names.add(name[:-4])
        if name.lower().startswith("the "):
            names.add(name[4:])
    return {n for n in names if len(n) >= 3}


def aliases(source: str) -> set[str]:
    """Ways a question may name `source`, as people shorten it: its full names, its initials
    ("MPS" for Meridian Press Service), a leading acronym ("WBN" of WBN Westfold News), and
    the last words of a paper's name ("the Evening Post", "the Herald")."""
    names = full_names(source)
    head = _TAGLINE.split(source, maxsplit=1)[0].strip() or source
    words = [w for w in head.split() if w.lower() != "the"]
    if len(words) >= 2 and all(w[:1].isupper() for w in words):
        names.add("".join(w[0] for w in words))
        if words[-1].lower() in PAPER_WORDS:
            names.update({" ".join(words[-2:]), words[-1]})
    if words and words[0].isupper() and len(words[0]) >= 2:
        names.add(words[0])
    return {n for n in names if len(n) >= 3}


class SourceMatcher:
    """Finds the index's publication names in questions (capitalised, whole words)."""

    def __init__(self, sources: Iterable[str], titles: Iterable[str] = ()) -> None:
        sources = sorted({s for s in sources if s})
        # "the Kessing Street Bridge story" names a story, not a publication: a name that
        # headlines an indexed article is a topic. (On MultiHop-RAG no publication a null
        # question cites is in a headline; 221 of 270 are in some article's body.)
        self._headlines = "\n".join(sorted({" ".join(_words(t)) for t in titles if t}))
        by_alias: dict[str, set[str]] = {}
        self.full = {n.lower() for s in sources for n in full_names(s)}
        for source in sources:
            for alias in aliases(source):
                by_alias.setdefault(alias.lower(), set()).add(source)
        self.by_alias = by_alias
        # Longest first, so "The Independent - Sports" wins over "The Independent".
        names = sorted(by_alias, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.I)
            if names
            else None
        )

        # Only full names say a cited publication is one of ours: "the Miami Herald" is not
        # "the Herald" of the index.
        self._alias_words = [_words(a) for a in self.full]

    def _spans(self, text: str) -> list[re.Match[str]]:
        if self.pattern is None:
            return []
        # "fortune" the word is not Fortune the magazine, and "Herald" in "the Miami Herald"
        # is not "the Herald" of the index: a short name stands alone.
        return [
            m
            for m in self.pattern.finditer(text)
            if m.group(1) != m.group(1).lower()
            and (m.group(1).lower() in self.full or _alone(text, m.start(), m.end()))
        ]

    def find(self, text: str) -> list[str]:
        out: list[str] = []
        for m in self._spans(text):
            out.extend(sorted(self.by_alias[m.group(1).lower()]))
        return list(dict.fromkeys(out))

    def unknown(self, text: str) -> list[str]:
        """Publications `text` cites ("a Bloomberg article", "reported by Reuters") that are
        not the index's, even by a shorter name ("BBC" for "BBC News", "New York Times")."""
        masked = _QUOTED.sub(_KNOWN, text)
        for m in reversed(self._spans(masked)):
            masked = masked[: m.start()] + _KNOWN + masked[m.end() :]
        out: list[str] = []
        for pattern in _CITING:
            for m in pattern.finditer(masked):
                words = m.group(1).split()
                while words and words[0].lower().strip("'’") in _NOT_NAMES:
                    words = words[1:]
                # A possessive ends the publication's name: "the Ledger's Swiftline piece".
                name = _POSSESSIVE.split(" ".join(words))[0].strip("'’.")
                if name and not self._known(name) and not self._topic(name):
                    out.append(name)
        return list(dict.fromkeys(out))

    def _topic(self, name: str) -> bool:
        """Whether `name` is a number ("the October 28 article") or words of a headline."""
        words = _words(name)
        if all(w.isdigit() for w in words):
            return True
        return _has_phrase(self._headlines, " ".join(words))

    def _known(self, name: str) -> bool:
        """Whether `name` is a run of whole words of some publication's name (or contains one)."""
        words = _words(name)
        return any(_within(words, a) or _within(a, words) for a in self._alias_words if a)


_POSSESSIVE = re.compile(r"['’]s\b")


def _has_phrase(lines: str, phrase: str) -> bool:
    """Whether `phrase` is a run of whole words in `lines` (lower-case words, spaces, newlines)."""
    # str.find, not a pattern with a look-behind, which Python's regex engine tries at every
    # place: over a million chunks' 62,000 headlines that took 50-100 ms a name.
    start = lines.find(phrase)
    while start != -1:
        end = start + len(phrase)
        if (start == 0 or not lines[start - 1].isalnum()) and (
            end == len(lines) or not lines[end].isalnum()
        ):
            return True
        start = lines.find(phrase, start + 1)
    return False


def _alone(text: str, start: int, end: int) -> bool:
    """No capitalised word (but "The") right before or after text[start:end]."""
    before = re.search(r"([A-Za-z][\w'’.&-]*)\s+$", text[:start])
    after = re.match(r"\s+([A-Za-z][\w'’.&-]*)", text[end:])
    capital = [w.group(1) for w in (before, after) if w]
    return not any(w[0].isupper() and w.lower() not in _NOT_NAMES for w in capital)


def _words(name: str) -> tuple[str, ...]:
    words = re.findall(r"[a-z0-9]+", name.lower())
    return tuple(words[1:] if words[:1] == ["the"] else words)


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    n = len(part)
    return n > 0 and any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def analyse(question: str, matcher: SourceMatcher) -> QueryAnalysis:
    return QueryAnalysis(
        sources=tuple(matcher.find(question)),
        dates=tuple(find_dates(question)),
        unknown_sources=tuple(matcher.unknown(question)),
    )


# Where a question's clauses meet: punctuation, or a conjunction that starts a new claim.
_CLAUSE = re.compile(
    r"[,;:?]\s*|\s+(?=(?:while|whereas|but|and (?:did|does|do|is|was|has|had|the|a|an)"
    r"|before|after|compared to)\b)",
    re.IGNORECASE,
)


def clause_texts(query: str) -> list[str]:
    """The question's clauses (one with fewer than two content terms joins the one before). A
    multi-hop question asks about one article per clause, so a passage that answers one
    clause well matters even when it covers little of the whole question."""
    out: list[str] = []
    for part in _CLAUSE.split(query):
        terms = content_terms(part)
        if len(terms) < 2 and out:
            out[-1] += " " + part
        elif terms:
            out.append(part)
    return out


def clauses(query: str) -> list[frozenset[str]]:
    """The content terms of each of the question's clauses."""
    return [frozenset(content_terms(part)) for part in clause_texts(query)]


def query_texts(query: str) -> list[str]:
    """What the ranker embeds of a question: the question, then each clause (the question
    again when it has none)."""
    return [query, *(clause_texts(query) or [query])]
