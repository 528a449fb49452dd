"""Query analysis: the publications and publication dates a question names.

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

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b", re.I)
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# A publication's name often has a tagline after a separator: "The Roar | Sports Writers Blog".
_TAGLINE = re.compile(r"\s+[|:–—-]\s+|:\s+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class QueryAnalysis:
    sources: tuple[str, ...] = ()  # source values of the index the question names
    dates: tuple[str, ...] = ()  # YYYY-MM-DD publication dates it names


def _month_number(name: str) -> int:
    prefix = name.lower().rstrip(".")[:3]
    return next(i for i, m in enumerate(MONTHS, 1) if m.startswith(prefix))


def find_dates(text: str) -> list[str]:
    """Full dates written in `text`, as YYYY-MM-DD, in order of appearance."""
    found: list[tuple[int, str]] = []
    for m in _MONTH_FIRST.finditer(text):
        found.append((m.start(), _iso(m.group(3), _month_number(m.group(1)), m.group(2))))
    for m in _DAY_FIRST.finditer(text):
        found.append((m.start(), _iso(m.group(3), _month_number(m.group(2)), m.group(1))))
    for m in _ISO.finditer(text):
        found.append((m.start(), _iso(m.group(1), int(m.group(2)), m.group(3))))
    return list(dict.fromkeys(d for _, d in sorted(found) if d))


def _iso(year: str, month: int, day: str) -> str:
    d = int(day)
    return f"{int(year):04d}-{month:02d}-{d:02d}" if 1 <= d <= 31 and 1 <= month <= 12 else ""


def aliases(source: str) -> set[str]:
    """Ways a question may name `source`: the full name and the name before a tagline."""
    names = {_SPACE.sub(" ", source).strip()}
    head = _TAGLINE.split(source, maxsplit=1)[0].strip()
    if head:
        names.add(head)
    for name in list(names):
        if name.lower().endswith(".com"):
            names.add(name[:-4])
    return {n for n in names if len(n) >= 3}


class SourceMatcher:
    """Finds the index's publication names in questions (capitalised, whole words)."""

    def __init__(self, sources: Iterable[str]) -> None:
        by_alias: dict[str, set[str]] = {}
        for source in {s for s in sources if s}:
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

    def find(self, text: str) -> list[str]:
        if self.pattern is None:
            return []
        out: list[str] = []
        for m in self.pattern.finditer(text):
            span = m.group(1)
            if span == span.lower():  # "fortune" the word, not Fortune the magazine
                continue
            out.extend(sorted(self.by_alias[span.lower()]))
        return list(dict.fromkeys(out))


def analyse(question: str, matcher: SourceMatcher) -> QueryAnalysis:
    return QueryAnalysis(
        sources=tuple(matcher.find(question)),
        dates=tuple(find_dates(question)),
    )
