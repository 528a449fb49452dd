"""The one door into the engine: index, forget, ask, sources, stats.

Front ends (CLI, Discord bot, evaluator) talk to `Engine` only. Its methods are synchronous and
CPU-bound; the bot runs them in worker threads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core import Settings as LlamaSettings
from llama_index.core.llms import MockLLM

from index.answer import (
    AskedQuestion,
    ExtractiveAnswerer,
    StoredVectors,
    Thresholds,
    refused,
    unknown_sources_answer,
)
from index.answer.selector import SentenceSelector
from index.answer.sentences import StoredSentenceVectors
from index.embedding import OnnxEmbedding
from index.errors import (
    ArticleNotFound,
    IndexStopped,
    InvalidQuestion,
    NewsbotError,
    StoreWriteError,
    write_failure,
)
from index.indexing import Indexer
from index.keyword import KeywordIndex, versions_stamp
from index.models import Answer, IndexProgress, IndexReport, Passage, Stats
from index.ranking import TreeRanker, clause_texts
from index.reranking import OnnxCrossEncoder, Reranker
from index.retrieval import HybridRetriever, SearchResult
from index.settings import Settings
from index.slices import ArticleSlice, EmptySlice, relative_slice, sliced_retriever
from index.store import Store, passage_from_node

if TYPE_CHECKING:
    from index.generation import GeneratedAnswerer

log = logging.getLogger(__name__)

Progress = Callable[[IndexProgress], None]


def keyword_folder(settings: Settings) -> Path:
    """Where the keyword index of the configured collection is saved (one per store)."""
    where = f"{settings.chroma_host}_{settings.chroma_port}_" if settings.server_mode else ""
    return settings.data_dir / "bm25" / f"{where}{settings.collection}"


def _reranker(settings: Settings) -> Reranker | None:
    """The cross-encoder of the reranker slot, when the settings name one."""
    if settings.reranker_model is None or settings.reranker_tokenizer is None:
        return None
    return OnnxCrossEncoder(
        settings.reranker_model, settings.reranker_tokenizer, threads=settings.embedding_threads
    )


class _StoppableEmbedder:
    """The embedder as one indexing run sees it: embeds a batch at a time and stops between
    batches once the engine is asked to stop, so a shutdown never waits out a whole run.

    Stopping there is safe: an article becomes visible only when its registry record is written,
    after all its chunks; the next run embeds whatever was not committed.
    """

    def __init__(self, embedder: OnnxEmbedding, stop: threading.Event) -> None:
        self._embedder, self._stop = embedder, stop

    def __getattr__(self, name: str) -> Any:  # count_tokens, fingerprint, ...: the real one's
        return getattr(self._embedder, name)

    def check(self) -> None:
        if self._stop.is_set():
            raise IndexStopped(
                "indexing stopped because newsbot is shutting down; the articles indexed so far "
                "are kept, and the next run indexes the rest"
            )

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed(texts, before_batch=self.check)


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


def extractive_answerer(
    store: Store, embedder: OnnxEmbedding, settings: Settings
) -> ExtractiveAnswerer:
    """The extractive answerer reading what `store` holds for retrieved passages."""
    sentences = StoredSentenceVectors(store.nodes_of, store.sentence_vectors_of)
    stored = StoredVectors(
        sentences=sentences.by_span,
        chunks=store.vectors_of,
        body=lambda passage: store.body_of(passage.chunk_id),
    )
    thresholds = Thresholds(settings.refusal_threshold, settings.refusal_passage_threshold)
    selector = SentenceSelector.load()
    selector.policy = replace(selector.policy, max_sentences=settings.max_answer_sentences)
    return ExtractiveAnswerer(stored, embedder.embed, selector, thresholds)


class Engine:
    def __init__(self, settings: Settings, embedder: OnnxEmbedding | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or OnnxEmbedding(
            settings.embedding_model,
            settings.embedding_tokenizer,
            batch_size=settings.embedding_batch_size,
            threads=settings.embedding_threads,
        )
        # llama-index would otherwise reach for OpenAI the first time anything asks for a model.
        LlamaSettings.embed_model = self.embedder
        LlamaSettings.llm = MockLLM()
        self.store = Store(settings, self.embedder.fingerprint)
        self.keyword = KeywordIndex(keyword_folder(settings))
        self.retriever = HybridRetriever(
            self.store,
            self.keyword,
            self.embedder,
            settings.top_k,
            reranker=_reranker(settings),
            rerank_candidates=settings.rerank_candidates,
            ranker=TreeRanker.load() if settings.ranker == "learned" else None,
            passage_tokens=settings.passage_tokens,
        )
        self.answerer = extractive_answerer(self.store, self.embedder, settings)
        self.generator = self._generator(settings) if settings.llm != "none" else None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self.sync_keyword_index()

    def request_stop(self) -> None:
        """Ask a running (or later) index run to stop at its next batch; for shutting down."""
        self._stop.set()

    def close(self) -> None:
        """Release the Chroma client; call once no engine call is running any more."""
        self.store.close()

    def _generator(self, settings: Settings):  # noqa: ANN202 - lazy import of the LLM side
        from index.generation import GeneratedAnswerer
        from index.llm import build_llm, model_name
        from index.prompts import Prompts

        return GeneratedAnswerer(
            build_llm(settings),
            Prompts(settings.prompts_dir),
            self.answerer,
            self.store.article_body,
            backend=settings.llm,
            model=model_name(settings),
            min_support=settings.llm_min_support,
        )

    def check_llm(self) -> str:
        """One line on the LLM backend ("extractive" when none); LLMUnavailable when unusable."""
        if self.settings.llm == "none":
            return "none (extractive answers)"
        from index.llm import check_llm

        return check_llm(self.settings)

    # --- writing --------------------------------------------------------------------------

    def index(
        self,
        paths: list[Path] | None = None,
        progress: Progress | None = None,
        prune: bool = True,
    ) -> IndexReport:
        """Index files and folders (default: the configured sources); one run at a time."""
        paths = list(paths or self.settings.sources)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise NewsbotError(f"no such file or directory: {', '.join(missing)}")
        with self._write_lock, self.store.writing():
            started = time.perf_counter()
            embedder = _StoppableEmbedder(self.embedder, self._stop)
            embedder.check()

            def tick(update: IndexProgress) -> None:
                embedder.check()
                if progress is not None:
                    progress(update)

            indexer = Indexer(self.store, embedder, self.settings, tick)  # type: ignore[arg-type]
            try:
                report = indexer.run(paths, prune=prune)
            except Exception as exc:
                self._sync_after_failure()
                self._raise_write_error(exc)
                raise
            try:
                self.sync_keyword_index()
            except Exception as exc:
                self._raise_write_error(exc)
                raise
            report.seconds = round(time.perf_counter() - started, 2)
        log.info("indexed: %s", report.summary())
        return report

    def _sync_after_failure(self) -> None:
        # Articles committed before the failure should be searchable by keyword too; if that
        # fails as well (the disk is still full), the keyword index stays as it was: its files
        # are replaced whole or not at all.
        try:
            self.sync_keyword_index()
        except Exception as exc:  # noqa: BLE001 - the run's own error is the one to report
            log.warning("keyword index not updated after a failed run: %s", type(exc).__name__)

    def _raise_write_error(self, exc: Exception) -> None:
        """Raise a failed write under the data directory as one clear StoreWriteError."""
        if isinstance(exc, NewsbotError):
            return
        reason = write_failure(exc)
        name = getattr(exc, "filename", None)
        if reason is None or (
            name and not Path(name).resolve().is_relative_to(self.settings.data_dir.resolve())
        ):
            return  # not a write failure, or not on the index's disk (an unreadable source)
        where = f"in {self.settings.data_dir.resolve()}" if name else None  # e.g. keyword files
        raise StoreWriteError(self.store.write_error_text(reason, exc, where)) from exc

    def warm_up(self) -> None:
        """Load what questions would otherwise load one at a time (the chunks' sentence
        vectors, the models' first run), for a process that answers many: the bot, the eval."""
        started = time.perf_counter()
        read = self.store.preload_sentence_vectors()
        self.retriever.search("warm-up question", self.settings.top_k)
        seconds = time.perf_counter() - started
        log.info("warmed up in %.1f s (sentence vectors of %d chunks)", seconds, read)

    def ensure_indexed(self, progress: Progress | None = None) -> IndexReport | None:
        """Index the configured sources when the store is empty; None when it was not."""
        if self.store.count()[0]:
            return None
        return self.index(progress=progress)

    def forget(self, id_or_path: str) -> str:
        """Remove an article by id, url, file path or (when one article has it) title; returns
        its title."""
        records = self.store.articles()
        candidates = [id_or_path]
        if Path(id_or_path).exists():
            candidates.append(str(Path(id_or_path).resolve()))
        found = next((records[c] for c in candidates if c in records), None)
        if found is None:
            by_origin = [r for r in records.values() if r.origin in candidates]
            found = by_origin[0] if len(by_origin) == 1 else None
        if found is None:
            titled = [r for r in records.values() if r.title.casefold() == id_or_path.casefold()]
            if len(titled) > 1:
                raise ArticleNotFound(
                    f"{len(titled)} articles are titled {id_or_path!r}: give one's id "
                    "(newsbot list shows them)"
                )
            found = titled[0] if titled else None
        if found is None:
            raise ArticleNotFound(f"no indexed article has the id, path or title {id_or_path!r}")
        with self._write_lock, self.store.writing():
            try:
                self.store.delete_article(found.id)
                self.sync_keyword_index()
            except Exception as exc:
                self._raise_write_error(exc)
                raise
        return found.title

    def refresh(self) -> bool:
        """Catch up with what other processes wrote to the store (a serving process calls this
        every few seconds): re-open an embedded store, refresh the keyword index. False when
        there was nothing new, or it must wait (a write is running here or elsewhere)."""
        stored = self.store.changed_elsewhere()
        if stored is None or not self._write_lock.acquire(blocking=False):
            return False  # a write running here re-opens the store itself first
        try:
            if not self.store.reopen(stored):
                return False
            self.sync_keyword_index()
        finally:
            self._write_lock.release()
        log.debug("caught up with the index as another process changed it")
        return True

    def sync_keyword_index(self) -> None:
        """Bring the BM25 side in step with the registry (load it, or rebuild it from Chroma)."""
        versions = {r.id: r.content_hash for r in self.store.articles().values()}
        stamp = versions_stamp(versions)
        if self.keyword.stamp == stamp or self.keyword.load(stamp):
            return
        log.debug("keyword index out of date: rebuilding it from Chroma")
        self.keyword.rebuild(self.store.live_nodes(), stamp)

    # --- reading --------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise InvalidQuestion("the question is empty: ask something, e.g. 'Who won?'")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InvalidQuestion(
                f"the question is too long ({len(question):,} characters; the limit is {limit:,})"
            )
        return question

    def sources(
        self, question: str, k: int | None = None, within: ArticleSlice | None = None
    ) -> list[Passage]:
        question = self.check_question(question)
        return self._find(question, k or self.settings.top_k, within)[0]

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: list[tuple[str, str]] | None = None,
        on_text: Callable[[str], None] | None = None,
        within: ArticleSlice | None = None,
    ) -> Answer:
        """Answer `question`; in LLM mode a follow-up is first condensed with `history` (previous
        (role, text) turns, oldest first) and `on_text` receives the text as it is generated.
        `within` restricts retrieval to a publication and/or date range (index/slices.py)."""
        question = self.check_question(question)
        started = time.perf_counter()
        asked = question
        if self.generator is not None and history:
            question = self.check_question(self.generator.condense(question, history))
        condensed = time.perf_counter()
        passages, found = self._find(question, k or self.settings.answer_passages, within)
        retrieved = time.perf_counter()
        answer = compose_answer(
            question, found, passages, self.answerer, self.generator, on_text=on_text
        )
        timings = {
            "retrieve_ms": round((retrieved - condensed) * 1000, 1),
            "answer_ms": round((time.perf_counter() - retrieved) * 1000, 1),
        }
        if question != asked:
            timings["condense_ms"] = round((condensed - started) * 1000, 1)
        answer.timings = {**timings, **answer.timings}
        return answer

    def _find(
        self, question: str, k: int, within: ArticleSlice | None = None
    ) -> tuple[list[Passage], SearchResult]:
        result = self._retriever_for(question, within).search(question, k)
        passages = [passage_from_node(h.node, h.score, i + 1) for i, h in enumerate(result.hits)]
        return passages, result

    def _retriever_for(self, question: str, within: ArticleSlice | None) -> HybridRetriever:
        """The retriever restricted to `within`, else to the dates the question names relative
        to today ("yesterday", "this week") when the index holds articles of those dates."""
        if within:
            return sliced_retriever(self.retriever, self.store, self.keyword, within)
        relative = relative_slice(question, date.today())
        if relative:
            with contextlib.suppress(EmptySlice):
                return sliced_retriever(self.retriever, self.store, self.keyword, relative)
        return self.retriever

    def article_body(self, doc_id: str) -> str | None:
        return self.store.article_body(doc_id)

    def list_articles(self) -> list[tuple[str, str]]:
        """(id, title) of every indexed article, by title: for pickers such as autocomplete."""
        records = self.store.articles().values()
        return sorted(((r.id, r.title) for r in records), key=lambda x: (x[1].casefold(), x[0]))

    def stats(self) -> Stats:
        records = self.store.articles()
        last = max((r.indexed_at for r in records.values()), default=None)
        return Stats(
            articles=len(records),
            chunks=sum(r.chunks for r in records.values()),
            store=self.store.location,
            collection=self.settings.collection,
            last_indexed=last,
            embedding_model=self.embedder.fingerprint,
        )
