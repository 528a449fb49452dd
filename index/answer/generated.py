"""The cited-generation answerer (LLM mode): numbered passages in, a checked answer out.

The retrieved passages are numbered and dated in the prompt (with today's date); the model is
asked to answer only from them, citing `[n]` after each claim, or to reply with the refusal
phrase. Its text then goes through `index.answer.verification`; what survives is posted with
citations whose quotes are verbatim slices of the stored articles. When the model fails or
times out, or what survives does not answer the question (`index.answer.generated_checks`), the
extractive answer is posted instead, with a one-line note. A reply cut at the token limit loses
its unfinished last sentence before verification, and so does one cut at the reply limits (a
deadline for the whole reply, and caps on its characters and sentences: llm_reply.py,
generated_checks.py), which a server cannot talk its way past.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from index.answer import AskedQuestion, ExtractiveAnswerer, refused
from index.answer.generated_checks import (
    REPLY_CHARS_PER_TOKEN,
    cut_unfinished,
    first_sentences,
    off_question,
)
from index.answer.instructions import reporting_text, within_instructions
from index.answer.llm_reply import ReplyLimits, read_reply
from index.answer.prompts import Prompts
from index.answer.verification import CheckedSentence, verify
from index.results import Answer, Citation, Passage, Verification
from index.text import cite, content_terms, sentence_spans

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

OnText = Callable[[str], None]
History = list[tuple[str, str]]  # (role: "user" | "assistant", text), oldest first
HISTORY_TURNS = 6  # previous turns a follow-up is condensed with (the bot reads as many)
HISTORY_CHARS = 600  # per turn, in the condensing prompt
# Where a passage's text addressed to the model (a prompt injection) was, in the prompt.
LEFT_OUT = " (text addressed to AI models left out) "
DEFAULT_LIMITS = ReplyLimits(seconds=60.0, max_chars=512 * REPLY_CHARS_PER_TOKEN)


class GeneratedAnswerer:
    def __init__(
        self,
        llm: LLM,
        prompts: Prompts,
        extractive: ExtractiveAnswerer,
        article_body: Callable[[str], str | None],
        *,
        backend: str,
        model: str,
        min_support: float,
        limits: ReplyLimits = DEFAULT_LIMITS,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.llm = llm
        self.prompts = prompts
        self.extractive = extractive
        self.article_body = article_body
        self.backend = backend
        self.model = model
        self.min_support = min_support
        self.limits = limits
        self.today = today

    @property
    def refusal_phrase(self) -> str:
        return self.prompts.get("refusal").strip()

    def messages(self, question: str, passages: list[Passage]) -> list:
        from llama_index.core.llms import ChatMessage, MessageRole

        today = self.today().isoformat()
        system = self.prompts.render("system", today=today, refusal=self.refusal_phrase)
        user = self.prompts.render(
            "cited_answer",
            today=today,
            passages=number_passages(passages),
            question=question,
            refusal=self.refusal_phrase,
        )
        return [
            ChatMessage(role=MessageRole.SYSTEM, content=system),
            ChatMessage(role=MessageRole.USER, content=user),
        ]

    def generate(
        self, question: str, passages: list[Passage], on_text: OnText | None
    ) -> tuple[str, bool]:
        """The model's reply, within the reply limits, and whether it ended at the token limit
        or was cut at those limits."""
        reply = read_reply(self.llm, self.messages(question, passages), self.limits, on_text)
        text, too_many = first_sentences(reply.text)
        if too_many:
            log.info("the model wrote more sentences than an answer holds: the rest is cut")
        return text, reply.at_limit or too_many

    def answer(
        self,
        asked: AskedQuestion,
        passages: list[Passage],
        on_text: OnText | None = None,
    ) -> Answer:
        question = asked.text
        if not passages:
            return self.extractive.answer(asked, passages)
        started = time.perf_counter()
        try:
            text, at_limit = self.generate(question, passages, on_text)
        except Exception as exc:  # noqa: BLE001 - any backend failure falls back to extractive
            return self._fallback(asked, passages, exc)
        generated = time.perf_counter()
        if at_limit:
            log.info("the model ran to its token limit: its unfinished last sentence is cut")
            text = cut_unfinished(text)
        kept, v = verify(
            text,
            passages,
            refusal=self.refusal_phrase,
            min_support=self.min_support,
            backend=self.backend,
            model=self.model,
        )
        log.info(
            "verification: %d passages, %d sentences, %d kept, %d out-of-range [n] removed, "
            "%d uncited, %d unsupported, %d contradicted, %d bad quotes dropped, model refused: %s",
            v.passages,
            v.sentences,
            v.kept,
            v.out_of_range_removed,
            v.uncited_dropped,
            v.unsupported_dropped,
            v.contradicted_dropped,
            v.quotes_rejected,
            v.model_refused,
        )
        v.hit_token_limit = at_limit
        timings = {"generate_ms": round((generated - started) * 1000, 1), "verify_ms": v.verify_ms}
        if not kept and v.model_refused:
            answer = refused(question, "model_refused", passages)
            answer.verification, answer.timings = v, timings
            return answer
        why = off_question(question, [s.text for s in kept], v.sentences, asked.asks)
        if why:
            return self._replaced(asked, passages, v, timings, why)
        answer_text, citations = self._render(kept, passages)
        return Answer(
            question=question,
            answer=answer_text,
            refused=False,
            citations=citations,
            confidence=round(v.kept / max(v.sentences, 1), 4),
            verification=v,
            timings=timings,
        )

    def _fallback(self, asked: AskedQuestion, passages: list[Passage], exc: Exception) -> Answer:
        reason = f"{type(exc).__name__}"
        log.warning("LLM %s failed (%s): posting the extractive answer", self.backend, reason)
        answer = self.extractive.answer(asked, passages)
        answer.note = (
            f"The language model did not answer ({reason}); this is the extractive answer."
        )
        answer.verification = Verification(
            backend=self.backend,
            model=self.model,
            passages=len(passages),
            fallback=reason,
            min_support=self.min_support,
        )
        return answer

    def _replaced(
        self,
        asked: AskedQuestion,
        passages: list[Passage],
        v: Verification,
        timings: dict[str, float],
        why: str,
    ) -> Answer:
        """The extractive answer in place of verified text that does not answer the question."""
        log.info("the generated answer does not answer the question: posting the extractive one")
        answer = self.extractive.answer(asked, passages)
        answer.note = (
            f"The language model's answer was set aside ({why}); this is the extractive answer."
        )
        v.fallback = "off_question"
        answer.verification = v
        answer.timings = {**answer.timings, **timings}
        return answer

    def _render(
        self, kept: list[CheckedSentence], passages: list[Passage]
    ) -> tuple[str, list[Citation]]:
        """Renumber the cited passages in order of first use; one citation per passage."""
        order: list[int] = []
        for sentence in kept:
            order.extend(n for n in sentence.refs if n not in order)
        new_number = {old: i + 1 for i, old in enumerate(order)}
        parts = [cite(s.text, [new_number[n] for n in s.refs]) for s in kept]
        citations = []
        for old in order:
            claims = " ".join(s.text for s in kept if old in s.refs)
            citations.append(self._citation(new_number[old], passages[old - 1], claims))
        return " ".join(parts), citations

    def _citation(self, n: int, passage: Passage, claims: str) -> Citation:
        """The passage's sentence closest to the claims citing it, as a verbatim body slice."""
        body = self.article_body(passage.doc_id) or ""
        start, end = passage.start, passage.end
        terms = content_terms(claims)
        spans = [
            (s, e)
            for s, e in sentence_spans(passage.text)
            if not within_instructions(passage.text, s, e)
        ]
        if spans and terms:
            s, e = max(
                spans, key=lambda sp: len(terms & content_terms(passage.text[sp[0] : sp[1]]))
            )
            if body[passage.start + s : passage.start + e] == passage.text[s:e]:
                start, end = passage.start + s, passage.start + e
        citation = Citation.from_passage(n, passage, body, start, end)
        # The article was removed since retrieval: quote the passage as it was retrieved.
        return citation if body else citation.model_copy(update={"quote": passage.text})

    def condense(self, question: str, history: History) -> str:
        """A follow-up question rewritten with the previous turns into a stand-alone one."""
        from llama_index.core.llms import ChatMessage, MessageRole

        if not history:
            return question
        lines = []
        for role, text in history[-HISTORY_TURNS:]:
            who = "User" if role == "user" else "Assistant"
            lines.append(f"{who}: {' '.join(text.split())[:HISTORY_CHARS]}")
        prompt = self.prompts.render("condense", history="\n".join(lines), question=question)
        try:
            reply = read_reply(
                self.llm, [ChatMessage(role=MessageRole.USER, content=prompt)], self.limits
            )
        except Exception as exc:  # noqa: BLE001 - the follow-up as asked is still a question
            log.warning("condensing failed (%s): using the question as asked", type(exc).__name__)
            return question
        condensed = " ".join(reply.text.split())
        condensed = condensed.removeprefix("Stand-alone question:").strip()
        log.info("condensed a follow-up question with %d previous turns", len(history))
        return condensed or question


def number_passages(passages: list[Passage]) -> str:
    """The passages as the prompt shows them: numbered, dated, and without what in them
    addresses the model (index.answer.instructions)."""
    blocks = []
    for i, p in enumerate(passages, 1):
        title = " ".join(reporting_text(p.title, LEFT_OUT).split())
        byline = " — ".join(x for x in (title, p.source) if x)
        published = p.published_at[:10] or "unknown"
        text = " ".join(reporting_text(p.text, LEFT_OUT).split())
        blocks.append(f"[{i}] {byline} (published {published})\n{text}")
    return "\n\n".join(blocks)
