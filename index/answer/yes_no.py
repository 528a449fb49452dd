"""A yes/no question read into the parts that decide it.

- single: one claim ("Did the council approve the budget?");
- two_sources: a claim for each of two publications ("Do both the Courier and the Wire report
  that the ferry was cancelled?", "Did the Courier report X while the Wire reported Y?");
- consistency: whether two reports give the same thing for one slot ("Is the Courier's report
  consistent with the Wire's regarding the number injured?", "Do both outlets give the same
  death toll?");
- temporal: the order of two reports or events ("Was the Courier article about X published
  before the Wire article about Y?", "Did X happen after Y?").

Each part keeps its own words, so the verdict can look for the sentence that decides it in the
articles of the publication it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.dates import date_phrases
from index.retrieval.query_analysis import PAPER_WORDS, aliases

_AUX = (
    r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|"
    r"isn't|aren't|wasn't|weren't|doesn't|didn't|hasn't|haven't)"
)
_LEAD_AUX = re.compile(rf"^\s*{_AUX}\s+", re.I)
_ORDER = re.compile(
    r"\s+(before|after|earlier than|later than|prior to|following|ahead of)\s+", re.I
)
_CONSISTENT = re.compile(
    r"\b(consistent|inconsistent|consistency|inconsistency|agree|agreement|disagree|"
    r"the same|differ|different|contradict|(?<!the\s)(?<!a\s)match|align)\w*\b",
    re.I,
)
_SLOT = re.compile(
    r"\b(?:regarding|about|on|over|concerning|in terms of|as to|when it comes to|for)\s+"
    r"(?:the\s+)?(.+?)\s*\??$",
    re.I,
)
_SAME_SLOT = re.compile(r"\bthe same\s+(.+?)(?:\s+(?:as|for)\b.*)?\s*\??$", re.I)
# "Is WBN's number of new stops consistent with …": the slot is what the first report gives.
_OWN_SLOT = re.compile(r"['’]s\s+(.+?)\s+(?:consistent|inconsistent|agree|match|differ)", re.I)
_WHILE = re.compile(r",?\s+(?:while|whereas|but)\s+|,\s+and\s+(?=(?:the\s+)?[A-Z])", re.I)
_BOTH = re.compile(r"\bboth\b", re.I)
# A question putting two reports in order: "was the wire's story out before the post's".
_REPORTS = re.compile(r"\b(?:story|stories|report|reports|article|articles|piece|pieces)\b", re.I)
_REPORT_VERBS = re.compile(
    r"\b(?:report|reported|reports|say|says|said|suggest|suggests|suggested|indicate|"
    r"indicates|indicated|state|states|stated|claim|claims|describe|describes|note|notes)"
    r"\s+(?:that\s+)?",
    re.I,
)


@dataclass(frozen=True)
class Part:
    """One claim or report a yes/no question rests on, with the publication it names."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class YesNo:
    kind: str  # single, two_sources, consistency, temporal
    parts: tuple[Part, ...]
    relation: str = ""  # temporal: "before" or "after" (the first part to the second)
    slot: str = ""  # consistency: what the two reports must agree on ("the number injured")
    negated: bool = False  # "Did ... fail to", "Was there no ...": the verdict flips
    claim: str = ""  # the whole question as a claim, its auxiliary and "?" left out


@dataclass(frozen=True)
class Mention:
    """Where a question names a publication, and which of the index's it may be ("the
    Herald" may be two)."""

    start: int
    end: int
    sources: tuple[str, ...]


def mentions(text: str, sources: Sequence[str], typed: bool = False) -> list[Mention]:
    """The publications `text` names, in order, each place once (its longest name wins);
    `typed`: also by the first word of a name, as people shorten it ("meridian" for the
    Meridian Press Wire)."""
    found: list[Mention] = []
    named = ((a, s) for s in sources for a in (typed_aliases(s) if typed else aliases(s)))
    names = sorted(named, key=lambda x: -len(x[0]))
    for alias, source in names:
        for m in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", text, re.I):
            same = [f for f in found if f.start == m.start() and f.end == m.end()]
            if same:
                i = found.index(same[0])
                found[i] = Mention(
                    m.start(), m.end(), tuple(dict.fromkeys((*same[0].sources, source)))
                )
            elif not any(f.start < m.end() and m.start() < f.end for f in found):
                found.append(Mention(m.start(), m.end(), (source,)))
    return [_with_paper_word(text, f) for f in sorted(found, key=lambda f: f.start)]


_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)\b")
# Paper words that are no verb a claim may start with ("the Echo post a correction").
_NAME_ENDS = PAPER_WORDS - frozenset("post review record mail express standard register".split())


def _with_paper_word(text: str, mention: Mention) -> Mention:
    """A mention with the paper word typed after it: "the Meridian wire" is one name."""
    m = _NEXT_WORD.match(text, mention.end)
    if m and m.group(1).lower() in _NAME_ENDS:
        return Mention(mention.start, m.end(), mention.sources)
    return mention


def typed_aliases(source: str) -> set[str]:
    """`aliases` and the first word of a name of two words or more ("Meridian", "Ledger")."""
    words = [w for w in source.split() if w.lower() != "the"]
    first = words[0].strip(",.:|-") if len(words) >= 2 else ""
    return aliases(source) | ({first} if len(first) >= 4 and first[:1].isupper() else set())


def parse(question: str, sources: Sequence[str] = (), retrieved: Sequence[str] = ()) -> YesNo:
    """The parts of a yes/no question. `sources` are the index's publications it names;
    `retrieved` those of the passages retrieved for it, which a question setting two reports
    side by side may name as people type them ("do the daily post and bpa both say ...")."""
    text = " ".join(question.split()).rstrip("?").strip()
    body = _LEAD_AUX.sub("", _lead_in(text))
    negated = bool(re.search(r"\b(?:fail(?:ed)? to|not|no|never)\b", body, re.I))
    named = mentions(body, sources)
    order = _ORDER.search(body)
    reports = _two_reports(body) or bool(order and _REPORTS.search(body))
    if len(named) < 2 and reports:
        typed = mentions(body, retrieved, typed=True)
        named = typed if len(typed) > len(named) else named
    if order and not _CONSISTENT.search(body):
        left, right = body[: order.start()], body[order.end() :]
        as_typed = reports and len(named) >= 2  # "meridian's story", "the post's"
        known = [*sources, *retrieved] if as_typed else sources
        parts = (_part(left, known, as_typed), _part(right, known, as_typed))
        relation = _relation(order.group(1))
        return YesNo("temporal", parts, relation=relation, negated=negated, claim=body)
    if _CONSISTENT.search(body):
        sides = tuple(Part(body, m.sources) for m in named[:2]) or (Part(body),)
        return YesNo("consistency", sides, slot=_slot(body), negated=negated)
    if len(named) >= 2 or _BOTH.search(body) or _WHILE.search(body):
        return YesNo("two_sources", _claims(body, named), negated=negated)
    return YesNo("single", (_part(body, sources),), negated=negated)


def _two_reports(body: str) -> bool:
    """Whether a question sets two reports side by side: only then is a lowercase word that
    is also a publication's short name ("the post", "the wire") taken for the publication.
    "did the echo say 212 homes flooded and meridian say 186" does, with a verb of saying
    for each."""
    return bool(
        _BOTH.search(body)
        or _WHILE.search(body)
        or _CONSISTENT.search(body)
        or _SAYS_AND_SAYS.search(body)
    )


_SAYS_AND_SAYS = re.compile(
    rf"{_REPORT_VERBS.pattern}.+?\band\s+(?:the\s+)?[\w&'’]+(?:\s+[\w&'’]+)?\s+"
    rf"{_REPORT_VERBS.pattern}",
    re.I,
)


def _lead_in(text: str) -> str:
    """The question without a lead-in clause ("After X reported Y, did Z ...?" keeps both as
    one sentence: "Z ... after X reported Y")."""
    m = re.match(rf"^(after|before|following)\s+(.+?),\s*({_AUX}\s+.+)$", text, re.I)
    if m:
        return f"{m.group(3)} {m.group(1).lower()} {m.group(2)}"
    return text


def _relation(word: str) -> str:
    word = word.lower()
    return "after" if word in ("after", "later than", "following") else "before"


def _part(text: str, sources: Sequence[str], typed: bool = False) -> Part:
    named = tuple(dict.fromkeys(s for m in mentions(text, sources, typed) for s in m.sources))
    return Part(text.strip(" ,"), named)


def _slot(body: str) -> str:
    for pattern in (_SAME_SLOT, _SLOT, _OWN_SLOT):
        m = pattern.search(body)
        if m:
            return m.group(1).strip()
    return ""


def _claims(body: str, named: Sequence[Mention]) -> tuple[Part, ...]:
    """Two claims: "both A and B report that X" is X for each; "A says X while (or and) B
    says Y" is X for A and Y for B."""
    if len(named) >= 2:
        first, second = named[0], named[1]
        between = body[first.end : second.start]
        if _REPORT_VERBS.search(between):  # "A says X and B says Y"
            cut = re.search(r",?\s+(?:and|while|whereas|but)\s+(?:the\s+)?$", between)
            split = first.end + (cut.start() if cut else len(between))
            claim = _said(body[first.end : split])
            return (
                Part(claim, first.sources),
                Part(_elided(claim, _said(body[second.end :])), second.sources),
            )
        claim = _REPORT_VERBS.split(body[second.end :], maxsplit=1)[-1]
        return (Part(claim.strip(" ,"), first.sources), Part(claim.strip(" ,"), second.sources))
    pieces = [p for p in _WHILE.split(body) if p.strip()]
    return tuple(Part(_REPORT_VERBS.split(p, maxsplit=1)[-1].strip(" ,")) for p in pieces[:2])


def _elided(claim: str, other: str) -> str:
    """The second report's claim in full when it gives only another date for the first's:
    "the Courier said work starts in January while Meridian said March" is "work starts in
    March" for Meridian (a month alone is stated by many sentences). A figure alone ("while
    the Wire reported 380") is specific enough as it is. A pronoun is the first claim's
    subject: "corvane shares rose while kestrel said they fell" is "corvane shares fell"."""
    pronoun = _PRONOUN.match(other)
    subject = _subject(claim)
    if pronoun and subject:
        return f"{subject} {other[pronoun.end() :]}"
    mine = [p for p in date_phrases(claim) if p.kind != "time"]
    theirs = [p for p in date_phrases(other) if p.kind != "time"]
    if mine and len(theirs) == 1 and (theirs[0].start, theirs[0].end) == (0, len(other)):
        return f"{claim[: mine[-1].start]}{other}{claim[mine[-1].end :]}"
    return other


_PRONOUN = re.compile(r"(?:they|it|he|she)\s+(?=\w)", re.I)
# A verb that ends a claim's subject: "corvane shares | rose".
_VERB = re.compile(
    r"^(?:\w+ed|rose|fell|rise|rises|fall|falls|was|were|is|are|has|have|had|won|lost|cut|"
    r"cuts|grew|made|got|gave|took|will|would|could|did|does|do)$",
    re.I,
)


def _subject(claim: str) -> str:
    """A claim's words before its first verb ("corvane shares" of "corvane shares rose")."""
    words = claim.split()
    at = next((k for k, w in enumerate(words) if _VERB.match(w)), 0)
    return " ".join(words[:at])


def _said(after: str) -> str:
    """What a publication is said to report, from the words after its name ("say 19 of them
    derailed" -> "19 of them derailed")."""
    words = _REPORT_VERBS.split(after, maxsplit=1)
    return (words[-1] if len(words) > 1 else after).strip(" ,")
