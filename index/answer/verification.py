"""The checks a generated answer passes before it is posted.

The model's text is split into sentences; for each one:
- every `[n]` outside the numbered passages is removed (counted);
- a sentence left with no valid `[n]` is dropped (uncited);
- text in quotation marks must stand verbatim in a cited passage, or the sentence is dropped;
- a sentence whose content words are too little found in the passages it cites (share of its
  stemmed content words below `min_support`), or which states a number, a name or nothing but
  names those passages don't hold, is dropped (unsupported; index.answer.claims);
- a sentence that negates, swaps the roles in, or puts another value or name into the passage
  sentence it rests on is dropped (contradicted; index.answer.claims).
What is left, with its citation numbers, is the answer; nothing left means the refusal.
Text in a passage that addresses the model (a prompt injection: index.answer.instructions) is
no evidence: claims are checked against the rest of the passage.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from index.answer.claims import Finding, Source, check_claim
from index.answer.instructions import instruction_spans, reporting_text
from index.results import Passage, Verification
from index.text import cached_terms, content_terms, sentence_spans

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_ONLY_MARKERS = re.compile(r"^[\s.,;:!?]*(?:\[\d+(?:\s*,\s*\d+)*\][\s.,;:!?]*)+$")
_LEADING_MARKERS = re.compile(r"^(?:\[\d+(?:\s*,\s*\d+)*\][\s.,;:]*)+")
_QUOTED = re.compile(r"[\"“]([^\"“”]{8,}?)[\"”]")
MIN_QUOTE_WORDS = 3
log = logging.getLogger(__name__)


@dataclass
class CheckedSentence:
    text: str  # markers removed, white space folded
    refs: list[int] = field(default_factory=list)  # valid passage numbers, 1-based, in order


def _fold(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).casefold()


def split_sentences(text: str) -> list[str]:
    """Sentences of the model's text; a run of bare `[n]` markers joins the sentence before."""
    out: list[str] = []
    for line in text.splitlines():
        for s, e in sentence_spans(line) if line.strip() else []:
            piece = line[s:e].strip()
            lead = _LEADING_MARKERS.match(piece)
            if out and lead:  # "Nine died. [1] Four ..." -> the [1] belongs to "Nine died."
                out[-1] = f"{out[-1]} {lead.group(0).strip()}"
                piece = piece[lead.end() :].strip()
            if out and _ONLY_MARKERS.match(piece):
                out[-1] = f"{out[-1]} {piece}"
            elif piece:
                out.append(piece)
    return out


def is_refusal(text: str, refusal: str) -> bool:
    def norm(t: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", _fold(t)).strip()

    return bool(norm(refusal)) and norm(text).startswith(norm(refusal))


def support(sentence: str, passages: list[Passage]) -> float:
    """Share of the sentence's content words (stemmed) found in the passages."""
    terms = content_terms(sentence)
    if not terms:
        return 1.0
    held = set().union(*(cached_terms(f"{p.title}\n{p.text}") for p in passages))
    return len(terms & held) / len(terms)


def quotes_found(sentence: str, passages: list[Passage]) -> bool:
    haystack = [_fold(p.text) for p in passages]
    for quote in _QUOTED.findall(sentence):
        if len(quote.split()) < MIN_QUOTE_WORDS:
            continue
        needle = _fold(quote).strip(" .,;:")
        if not any(needle in h for h in haystack):
            return False
    return True


def verify(
    text: str,
    passages: list[Passage],
    *,
    refusal: str,
    min_support: float,
    backend: str = "",
    model: str = "",
) -> tuple[list[CheckedSentence], Verification]:
    """The sentences that pass every check, and the counts of what was removed."""
    started = time.perf_counter()
    v = Verification(backend=backend, model=model, passages=len(passages), min_support=min_support)
    kept: list[CheckedSentence] = []
    evidence = [reporting_passage(p) for p in passages]
    if is_refusal(text, refusal):
        v.model_refused = True
    else:
        for sentence in split_sentences(text):
            v.sentences += 1
            checked = _check(sentence, evidence, min_support, v)
            if checked is not None:
                kept.append(checked)
    v.kept = len(kept)
    v.replaced_by_refusal = not kept
    v.verify_ms = round((time.perf_counter() - started) * 1000, 2)
    return kept, v


def reporting_passage(passage: Passage) -> Passage:
    """`passage` as evidence: without the text in it (or its title) that addresses a model."""
    if not instruction_spans(passage.text) and not instruction_spans(passage.title):
        return passage
    update = {"text": reporting_text(passage.text), "title": reporting_text(passage.title)}
    return passage.model_copy(update=update)


def _check(
    sentence: str, passages: list[Passage], min_support: float, v: Verification
) -> CheckedSentence | None:
    refs: list[int] = []
    for match in MARKER.finditer(sentence):
        for number in (int(x) for x in match.group(1).split(",")):
            if 1 <= number <= len(passages):
                if number not in refs:
                    refs.append(number)
            else:
                v.out_of_range_removed += 1
    claim = " ".join(MARKER.sub("", sentence).split())
    claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
    if not refs:
        v.uncited_dropped += 1
        return None
    cited = [passages[n - 1] for n in refs]
    finding = check(claim, cited, min_support)
    if finding is None:
        return CheckedSentence(claim, refs)
    log.debug("dropped %r: %s", claim, finding.reason)
    if finding.kind == "quote":
        v.quotes_rejected += 1
    elif finding.kind == "contradicted":
        v.contradicted_dropped += 1
    else:
        v.unsupported_dropped += 1
    return None


def check(claim: str, cited: list[Passage], min_support: float) -> Finding | None:
    """Why `claim` (markers removed) may not cite `cited`, or None when it may."""
    if not quotes_found(claim, cited):
        return Finding("quote", "quoted text not verbatim in the passage")
    if support(claim, cited) < min_support:
        return Finding("unsupported", "too few of its words in the passage")
    return check_claim(claim, Source.of(f"{p.title}\n{p.published_at}\n{p.text}" for p in cited))
