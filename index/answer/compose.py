"""From what retrieval found to the answer a user reads: the extractive answer, the LLM's, or a
refusal by name. `Engine.ask` and `newsbot eval` both go through `compose_answer`, so the eval
measures the answers that ship."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from index.answer.extractive import (
    ExtractiveAnswerer,
    StoredVectors,
    refused,
    unknown_sources_answer,
)
from index.answer.question import AskedQuestion
from index.answer.refusal import Thresholds
from index.answer.selector import SentenceSelector
from index.answer.sentences import StoredSentenceVectors
from index.answer.slots import SlotRanker
from index.results import Answer, Passage
from index.retrieval.hybrid import SearchResult
from index.retrieval.query_analysis import clause_texts

if TYPE_CHECKING:
    from index.answer.generated import GeneratedAnswerer
    from index.settings import Settings
    from index.store.chroma import Store


def asked_question(question: str, found: SearchResult) -> AskedQuestion:
    """The question as the answerer needs it, from what retrieval already computed."""
    if found.vectors is not None:
        vectors = found.vectors
    else:
        vectors = np.asarray([found.query_vector], dtype=np.float32)
    a = found.analysis
    return AskedQuestion(
        question, vectors, clause_texts(question), a.sources, a.dates, a.unknown_sources
    )


def compose_answer(
    question: str,
    found: SearchResult,
    passages: list[Passage],
    answerer: ExtractiveAnswerer,
    generator: GeneratedAnswerer | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """The answer to `question` from what retrieval `found`: a refusal by name when the question
    cites publications the index does not hold, else the LLM's (when there is a
    `generator`) or the extractive one. `newsbot eval` calls this too, so it
    measures the answers that ship."""
    unknown = found.analysis.unknown_sources
    if unknown:
        return unknown_sources_answer(question, unknown, passages)
    if not passages:
        return refused(question, "nothing_indexed", passages)
    asked = asked_question(question, found)
    if generator is not None:
        return generator.answer(asked, passages, on_text=on_text)
    return answerer.answer(asked, passages)


def stored_extractive_answerer(
    store: Store, embed: Callable[[list[str]], np.ndarray], settings: Settings
) -> ExtractiveAnswerer:
    """The extractive answerer reading what `store` holds for retrieved passages (their
    sentence vectors, chunk vectors and article bodies), with the settings' thresholds."""
    sentences = StoredSentenceVectors(store.nodes_of, store.sentence_vectors_of)
    stored = StoredVectors(
        sentences=sentences.by_span,
        chunks=store.vectors_of,
        body=lambda passage: store.body_of(passage.chunk_id),
    )
    selector = SentenceSelector.load()
    thresholds = Thresholds(
        settings.refusal_threshold, settings.refusal_passage_threshold, **selector.short_refusal
    )
    selector.policy = replace(selector.policy, max_sentences=settings.max_answer_sentences)
    return ExtractiveAnswerer(stored, embed, selector, thresholds, SlotRanker.load())
