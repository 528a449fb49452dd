"""One MultiHop-RAG run: index the corpus (or a slice), retrieve the top k for every question.

Our side goes through the `Engine` like any front end: its own collection per corpus slice and
chunking (so a changed chunk size never reuses stale chunks), indexed incrementally, so a
second run on the unchanged corpus embeds nothing. Each question is answered with the engine's
retriever and, for the refusal figures, its answerer.
"""

from __future__ import annotations

import json
import logging
import resource
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llama_index.core.schema import MetadataMode

from bot.evaluation.answers import answer_row, untrue_citations
from bot.evaluation.files import write_text_atomic
from bot.evaluation.metrics import CUTOFF
from bot.evaluation.multihop import (
    CORPUS_FILE,
    Split,
    load_corpus,
    load_questions,
    slice_corpus,
)
from bot.progress import progress_lines
from index.settings import Settings, load_settings

if TYPE_CHECKING:
    from index.engine import Engine

log = logging.getLogger(__name__)


@dataclass
class Retrieved:
    """One question's top k, as the scorer needs it."""

    question: Mapping[str, Any]
    texts: list[str]  # with the metadata header, as llama-index embeds it (upstream's "text")
    scores: list[float]
    article_ids: list[str]
    passage_tokens: list[int]  # article text only, the header aside
    latency_ms: float
    refused: bool | None = None  # None when the system has no answerer
    answer: dict[str, Any] | None = None  # the answer's figures (evaluation.answers.answer_row)
    ask_ms: float | None = None  # retrieval and answer, as `Engine.ask` spends them


@dataclass
class SystemRun:
    """Everything one system (ours or the baseline) produced on the questions."""

    name: str
    results: list[Retrieved]
    index_seconds: float  # the run that embedded the corpus (cached runs keep that figure)
    index_seconds_this_run: float
    chunks: int
    peak_rss_mb: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Workload:
    """The corpus file to index and the questions to run."""

    corpus_path: Path
    articles: int
    questions: list[Mapping[str, Any]]
    tag: str  # names the collections: "full" or "a<N>"


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def prepare(
    data: Path,
    work_dir: Path,
    split: Split,
    limit: int | None = None,
    articles: int | None = None,
) -> Workload:
    """The questions of `split` (first `limit`), over the whole corpus or its first N articles."""
    questions = load_questions(data, split)
    if articles is None:
        corpus_path = data / CORPUS_FILE
        n_articles = len(load_corpus(data))
        tag = "full"
    else:
        corpus, questions = slice_corpus(load_corpus(data), questions, articles)
        tag = f"a{articles}"
        corpus_path = work_dir / f"corpus-{tag}.json"
        _write_if_changed(corpus_path, json.dumps(list(corpus), ensure_ascii=False))
        n_articles = len(corpus)
    if limit is not None:
        questions = questions[:limit]
    return Workload(corpus_path, n_articles, list(questions), tag)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_text_atomic(path, text)


def ours_settings(tag: str, **overrides: Any) -> Settings:
    """The engine's settings for the benchmark collection of `tag` (one per chunking), in the
    data folder as given (`newsbot eval multihop` gives it the eval's own folder: suite.py;
    a benchmark script, the store NEWSBOT_DATA_DIR names)."""
    base = load_settings(**overrides)
    name = f"multihop-{tag}-c{base.chunk_size}o{base.chunk_overlap}"
    return load_settings(**{**overrides, "collection": name})


def run_ours(
    work: Workload,
    engine: Engine,
    k: int = CUTOFF,
    progress: Callable[[str], None] | None = None,
) -> SystemRun:
    """Index `work`'s corpus into the engine's collection, then retrieve and answer every
    question."""
    say = progress or (lambda _: None)
    settings = engine.settings
    held = engine.stats().articles
    if held >= work.articles:
        say(f"ours: {settings.collection} in {settings.data_dir} holds the corpus already")
    else:
        say(
            f"ours: indexing {work.articles - held:,} of {work.articles:,} articles of "
            f"{work.corpus_path.name} into {settings.collection} in {settings.data_dir} (the "
            "whole corpus takes minutes on 2 cores, once; --articles N indexes only N)"
        )
    report = engine.index([work.corpus_path], progress=progress_lines(say))
    timing_file = settings.data_dir / "multihop" / f"{settings.collection}.index.json"
    index_seconds = _remember_index_time(timing_file, report.seconds, report.chunks_embedded)
    engine.warm_up()
    results: list[Retrieved] = []
    say(f"ours: {len(work.questions)} questions")
    for question in work.questions:
        started = time.perf_counter()
        listed, found = engine.find(question["query"], max(k, settings.answer_passages))
        latency = (time.perf_counter() - started) * 1000
        nodes = [h.node for h in found.hits[:k]]
        passages = listed[: settings.answer_passages]
        answer = engine.answer_found(question["query"], found, passages)
        ask_ms = (time.perf_counter() - started) * 1000
        untrue = untrue_citations(answer, engine.article_body)
        row = answer_row(question, answer, [p.text for p in passages], untrue)
        results.append(
            Retrieved(
                question=question,
                texts=[n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes],
                scores=[round(float(h.score), 6) for h in found.hits],
                article_ids=[n.metadata["doc_id"] for n in nodes],
                passage_tokens=[engine.count_tokens(n.get_content()) for n in nodes],
                latency_ms=latency,
                refused=answer.refused,
                answer=row,
                ask_ms=ask_ms,
            )
        )
    return SystemRun(
        name="ours",
        results=results,
        index_seconds=index_seconds,
        index_seconds_this_run=report.seconds,
        chunks=engine.stats().chunks,
        peak_rss_mb=peak_rss_mb(),
        details={
            "collection": settings.collection,
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "chunks_embedded_this_run": report.chunks_embedded,
            "refusal_threshold": settings.refusal_threshold,
            "refusal_passage_threshold": settings.refusal_passage_threshold,
            "answer_passages": settings.answer_passages,
        },
    )


def _remember_index_time(path: Path, seconds: float, embedded: int) -> float:
    """The cold indexing time: this run's when it embedded, else the one recorded before."""
    if embedded or not path.is_file():
        write_text_atomic(path, json.dumps({"seconds": seconds, "chunks_embedded": embedded}))
        return seconds
    return float(json.loads(path.read_text())["seconds"])


def upstream_items(results: Sequence[Retrieved]) -> list[dict[str, Any]]:
    """Results in upstream's retrieval-file shape (`llm-embedder_retrieval_test.json`)."""
    return [
        {
            "query": r.question["query"],
            "answer": r.question["answer"],
            "question_type": r.question["question_type"],
            "gold_list": list(r.question["evidence_list"]),
            "retrieval_list": [
                {"text": t, "score": s} for t, s in zip(r.texts, r.scores, strict=True)
            ],
        }
        for r in results
    ]
