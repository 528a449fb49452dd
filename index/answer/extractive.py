"""The extractive answerer: the retrieved sentences that answer a question, each cited.

No LLM: every sentence of the answer is a sentence of a retrieved passage, so its `[n]` is true
by construction and its quote is a slice of the stored article body. Nothing is embedded at
question time: the sentences' vectors are the ones indexing stored, and the passages' are their
chunks'. When the evidence is not there, the answer says so, and why, and lists the closest
passages instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.answer.asks import VERDICT
from index.answer.causes import asks_cause, weigh_causes
from index.answer.features import sentence_features
from index.answer.lead import Lead, best_slot_score, choose_lead
from index.answer.outcomes import asks_outcome, weigh_outcomes
from index.answer.question import AskedQuestion
from index.answer.refusal import (
    Thresholds,
    missing_focus,
    missing_slot,
    off_topic,
    refusal,
    unknown_thing,
)
from index.answer.render import render
from index.answer.selector import SentenceSelector
from index.answer.sentences import Sentence, answer_sentences, attach_vectors
from index.answer.slot_ranker import SlotRanker
from index.answer.slots import SlotPool
from index.answer.unnamed import only_counted
from index.answer.verdicts import decide
from index.answer.yes_no import parse
from index.results import Answer, Passage, Verdict, VerdictPart

Embed = Callable[[list[str]], np.ndarray]


class StoredVectors:
    """What the store already holds for retrieved passages: their sentences' vectors (by
    article span), their chunks' vectors and their articles' bodies."""

    def __init__(
        self,
        sentences: Callable[[Sequence[Passage]], dict[tuple[str, int, int], np.ndarray]],
        chunks: Callable[[list[str]], dict[str, np.ndarray]],
        body: Callable[[Passage], str | None],
    ) -> None:
        self.sentences, self.chunks, self.body = sentences, chunks, body


@dataclass
class Scored:
    """The candidate sentences of one question and the selector's score of each."""

    sentences: list[Sentence]
    x: np.ndarray
    scores: np.ndarray
    embedded: int  # sentences that had no stored vector and were embedded now
    pool: SlotPool  # their spans of the kind the question asks for


class ExtractiveAnswerer:
    def __init__(
        self,
        stored: StoredVectors,
        embed: Embed,
        selector: SentenceSelector,
        thresholds: Thresholds,
        slots: SlotRanker | None = None,
    ) -> None:
        self.stored, self.embed = stored, embed
        self.selector, self.thresholds, self.slots = selector, thresholds, slots

    def answer(self, question: AskedQuestion, passages: list[Passage]) -> Answer:
        scored = self.score(question, passages)
        best = float(scored.scores.max()) if len(scored.scores) else 0.0
        asks = question.asks
        cosine = self._passage_cosine(question, passages)
        reason = refusal(best, cosine, self.thresholds, asks.short)
        if reason == "weak_best_sentence" and self._sure_of_slot(question, scored):
            reason = None  # its sentence states the thing asked, whatever else it is about
        elif reason == "no_close_passage" and self._sure_of_slot(
            question, scored, self.thresholds.sure_slot_far
        ):
            reason = None  # a passage states the thing asked in other words than the question
        if reason is None and unknown_thing(
            question.text, asks, [f"{p.title}\n{p.text}" for p in passages], list(question.sources)
        ):
            reason = "no_close_passage"
        if reason == "no_close_passage" and asks.expects == VERDICT:
            # Two reports set side by side share few words with any one passage ("is the
            # Touchline's crowd figure consistent with the Post's?"): a verdict the two
            # reports' own sentences decide answers it all the same.
            answer = self._verdict(question, scored, best)
            if answer.verdict is not None and _two_reports_decided(answer.verdict):
                return answer
        if reason is not None:
            return refused(question.text, reason, passages, best)
        if asks.expects == VERDICT:
            return self._verdict(question, scored, best)
        picks, lead = quoted(question, scored, self.selector, self.slots)
        if not picks:  # nothing but headings and embeds, and the refusal bars set to 0
            return refused(question.text, "weak_best_sentence", passages, best)
        texts = [scored.sentences[i].text for i in picks]
        around = [
            f"{s.passage.title} {s.passage.text}" for s in (scored.sentences[i] for i in picks)
        ]
        if off_topic(question.text, asks, around, list(question.sources)):
            return refused(question.text, "no_close_passage", passages, best)
        focus = (
            missing_slot(asks, lead)
            or missing_focus(question.text, asks, texts)
            or only_counted(question.text, asks, texts)
        )
        if focus is not None and self.thresholds.focus:
            return refused(question.text, "focus_not_found", passages, best, focus=focus)
        chosen = [scored.sentences[i] for i in picks]
        text, citations = render(chosen, lambda s: self.stored.body(s.passage))
        return Answer(
            question=question.text,
            answer=text,
            refused=False,
            citations=citations,
            confidence=round(best, 4),
            short_answer=lead.text if lead else "",
        )

    def _sure_of_slot(
        self, question: AskedQuestion, scored: Scored, bar: float | None = None
    ) -> bool:
        """Whether a short question's span of the kind asked is stated surely enough to answer
        although no sentence scores well as a whole (see `Thresholds.sure_slot`), or no passage
        is near (`bar`: `Thresholds.sure_slot_far`)."""
        asks = question.asks
        if not (asks.typed and asks.short):
            return False
        sure = self.thresholds.sure_slot if bar is None else bar
        return best_slot_score(scored.pool, scored.scores, self.slots) >= sure

    def _verdict(self, question: AskedQuestion, scored: Scored, best: float) -> Answer:
        """Yes or No with the sentence deciding each part, or the evidence side by side with
        one plain sentence saying the articles don't settle it."""
        retrieved = dict.fromkeys(s.passage.source for s in scored.sentences)
        parsed = parse(question.text, question.sources, tuple(retrieved))
        decision = decide(parsed, scored.sentences, scored.scores)
        # The deciding sentences first, then what the selector would quote anyway.
        chosen_anyway = self.selector.choose(scored.sentences, scored.scores, question.asks.short)
        picks = list(dict.fromkeys([*decision.sentences, *chosen_anyway]))
        picks = picks[: max(len(decision.sentences), self.selector.policy.max_sentences)]
        chosen = [scored.sentences[i] for i in picks]
        text, citations = render(chosen, lambda s: self.stored.body(s.passage))
        if decision.outcome == "undecided":
            text = f"{UNDECIDED}\n{text}" if text else UNDECIDED  # a line of its own: not a quote
        numbers = {c.doc_id: c.n for c in citations}
        verdict = Verdict(
            kind=parsed.kind,  # type: ignore[arg-type]
            outcome=decision.outcome,  # type: ignore[arg-type]
            parts=[
                VerdictPart(
                    claim=p.part.text,
                    sources=list(p.part.sources),
                    outcome=p.outcome,  # type: ignore[arg-type]
                    why=p.why,
                    citations=sorted(
                        {numbers[scored.sentences[i].passage.doc_id] for i in p.sentences}
                    ),
                )
                for p in decision.parts
            ],
        )
        return Answer(
            question=question.text,
            answer=text,
            refused=False,
            citations=citations,
            confidence=round(best, 4),
            short_answer={"yes": "Yes", "no": "No"}.get(decision.outcome, ""),
            verdict=verdict,
        )

    def score(self, question: AskedQuestion, passages: list[Passage]) -> Scored:
        """Every answerable sentence of the passages with its selector score."""
        sentences = answer_sentences(passages)
        embedded = attach_vectors(sentences, self.stored.sentences(passages), self.embed)
        pool = SlotPool(question.asks, question.text, sentences, question.sources)
        x = sentence_features(question, sentences, pool.columns())
        scores = self.selector.score(x)
        if question.asks.short and asks_cause(question.text):
            scores = weigh_causes(sentences, scores)
        elif question.asks.short and asks_outcome(question.text):
            scores = weigh_outcomes(sentences, scores)
        return Scored(sentences, x, scores, embedded, pool)

    def _passage_cosine(self, question: AskedQuestion, passages: list[Passage]) -> float:
        """The best cosine of a passage's chunk (title, source and date included, as indexed)
        with the question."""
        vectors = self.stored.chunks([p.chunk_id for p in passages])
        if not vectors:
            return 0.0
        q = np.asarray(question.vector, dtype=np.float32)
        return max(float(np.asarray(v, dtype=np.float32) @ q) for v in vectors.values())


def quoted(
    question: AskedQuestion,
    scored: Scored,
    selector: SentenceSelector,
    slots: SlotRanker | None,
) -> tuple[list[int], Lead | None]:
    """The positions of the sentences an answer quotes, the sentence stating its lead first,
    and the lead (None when the sentences support none). `benchmarks/train_answerer.py` scores
    its policies through this too."""
    asks = question.asks
    picks = selector.choose(scored.sentences, scored.scores, asks.short)
    if not picks:
        return picks, None
    lead = choose_lead(
        asks,
        question.text,
        scored.sentences,
        scored.scores,
        picks,
        scored.pool,
        slots,
        selector.names,
        selector.name_min_score,
        question.sources,
    )
    if lead is not None:
        picks = [lead.sentence, *(i for i in picks if i != lead.sentence)]
    return picks, lead


REFUSAL = "The indexed articles don't cover this question, so I won't guess."
UNDECIDED = "The articles don't settle this either way; here is what they say."
REASONS = {
    "publication_not_indexed": "The index holds no articles from {names}, so I won't guess.",
    "no_close_passage": "No indexed article is close to this question, so I won't guess.",
    "weak_best_sentence": "The closest articles touch on this question but no sentence in "
    "them answers it, so I won't guess.",
    "focus_not_found": "The closest articles don't say {focus}, so I won't guess.",
    "nothing_indexed": "Nothing is indexed yet, so there is nothing to answer from.",
    "model_refused": "The model found no answer in the closest articles, so I won't guess.",
    "nothing_verified": "No sentence of the model's answer could be checked against the "
    "articles, so I won't post it.",
}
CLOSEST = "Closest matches:"


def refused(
    question: str, reason: str, passages: list[Passage], best: float = 0.0, **fill: str
) -> Answer:
    """The refusal for `reason` (a RefusalReason), with the closest passages."""
    text = REASONS.get(reason, REFUSAL).format(**fill)
    if passages:
        text = f"{text} {CLOSEST}"
    return Answer(
        question=question,
        answer=text,
        refused=True,
        closest=passages[:3],
        confidence=round(best, 4),
        refusal_reason=reason,  # type: ignore[arg-type]
    )


def unknown_sources_answer(question: str, names: Sequence[str], passages: list[Passage]) -> Answer:
    """The refusal for a question that cites publications the index does not hold: whatever
    the passages say, they are not what that publication reported."""
    listed = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    return refused(question, "publication_not_indexed", passages, names=listed)


def _two_reports_decided(verdict: Verdict) -> bool:
    """Whether a verdict sets two reports side by side and their sentences decide it."""
    sides = {source for part in verdict.parts for source in part.sources}
    return verdict.kind != "single" and verdict.outcome != "undecided" and len(sides) >= 2
