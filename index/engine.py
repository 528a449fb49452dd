"""The one door into the engine: index, forget, ask, sources, stats.

Front ends (CLI, Discord bot, evaluator) talk to `Engine` only, with the shapes of
`index.results`, the errors of `index.errors` and the `index.settings`. Its methods are
synchronous and CPU-bound; the bot runs them in worker threads. What needs the settings alone
(feeds, fetching pages, the LLM check) it inherits from `BeforeOpening`; llama-index's nouns over
its parts from `LlamaIndexParts`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from index.answer.compose import compose_answer, stored_extractive_answerer
from index.before_opening import BeforeOpening
from index.embedding import OnnxEmbedding
from index.errors import (
    ArticleNotFound,
    InvalidQuestion,
    NewsbotError,
    StoreWriteError,
    write_failure,
)
from index.ingest.sources import source_path
from index.llama_parts import LlamaIndexParts
from index.results import Answer, ArticleSlice, IndexProgress, IndexReport, Passage, Stats
from index.retrieval.hybrid import HybridRetriever, SearchResult
from index.retrieval.learned_ranker import load_ranker
from index.retrieval.slices import (
    EmptySlice,
    admits,
    relative_slice,
    sliced_retriever,
    undated_left_out,
    undated_note,
)
from index.settings import Settings
from index.store.byte_cache import MB
from index.store.chroma import Store
from index.store.chroma_server import folder_prefix
from index.store.keyword_index import KeywordIndex
from index.store.records import ArticleRecord, passage_from_node

if TYPE_CHECKING:
    # The facet `feeds_for` hands out, named here for the front ends' type hints (imported
    # only when a command needs it: its file lock costs every question 20 ms).
    from index.ingest.following import Feeds as Feeds
    from index.store.consistency import ConsistencyReport

log = logging.getLogger(__name__)

Progress = Callable[[IndexProgress], None]


def keyword_folder(settings: Settings) -> Path:
    """Where the keyword index of the configured collection is saved (one per store)."""
    where = folder_prefix(settings) if settings.server_mode else ""
    return settings.data_dir / "bm25" / f"{where}{settings.collection}"


class Engine(BeforeOpening, LlamaIndexParts):
    def __init__(self, settings: Settings, embedder: OnnxEmbedding | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or OnnxEmbedding(
            settings.embedding_model,
            settings.embedding_tokenizer,
            batch_size=settings.embedding_batch_size,
            threads=settings.embedding_threads,
        )
        self.store = Store(settings, self.embedder.fingerprint)
        self.keyword = KeywordIndex(
            keyword_folder(settings),
            cache_bytes=settings.keyword_cache_mb * MB,
            node_cache_bytes=settings.node_cache_mb * MB,
        )
        self.store.read_nodes_also_from(self.keyword)
        self.retriever = HybridRetriever(
            self.store,
            self.keyword,
            self.embedder,
            settings.top_k,
            ranker=load_ranker() if settings.ranker == "learned" else None,
            passage_tokens=settings.passage_tokens,
        )
        self.answerer = stored_extractive_answerer(self.store, self.embedder.embed, settings)
        self.generator = self._generator(settings) if settings.llm != "none" else None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._catch_up_keywords()
        log.info(
            "opened %s, collection %r (embedding model %s, answers %s)",
            self.store.location,
            settings.collection,
            self.embedder.fingerprint,
            settings.llm if settings.llm != "none" else "extractive",
        )

    def request_stop(self) -> None:
        """Ask a running (or later) index run to stop at its next batch; for shutting down."""
        self._stop.set()

    def close(self) -> None:
        """Release the Chroma client; call once no engine call is running any more."""
        self.store.close()
        self.keyword.close()
        gc.unfreeze()  # what warm_up kept from the collector can be collected again

    def _generator(self, settings: Settings):  # noqa: ANN202 - lazy import of the LLM side
        from index.llama_loader import keep_llama_index_local

        keep_llama_index_local(self.embedder)  # first: it imports llama-index, one thread at a time
        if settings.llm == "llama-cpp":
            from index.llama_cpp_logs import route_llama_cpp_logs

            route_llama_cpp_logs()
        from index.answer.generated import GeneratedAnswerer
        from index.answer.generated_checks import REPLY_CHARS_PER_TOKEN
        from index.answer.llm_backends import build_llm, model_name
        from index.answer.llm_reply import ReplyLimits
        from index.answer.prompts import Prompts

        return GeneratedAnswerer(
            build_llm(settings),
            Prompts(settings.prompts_dir),
            self.answerer,
            self.store.article_body,
            backend=settings.llm,
            model=model_name(settings),
            min_support=settings.llm_min_support,
            limits=ReplyLimits(
                settings.llm_timeout, settings.llm_max_tokens * REPLY_CHARS_PER_TOKEN
            ),
        )

    def check_llm(self) -> str:
        """One line on the LLM backend ("extractive" when none); LLMUnavailable when unusable."""
        return self.check_llm_setup(self.settings, self.generator.llm if self.generator else None)

    # --- writing --------------------------------------------------------------------------

    def index(
        self,
        paths: list[Path] | None = None,
        progress: Progress | None = None,
        prune: bool = True,
    ) -> IndexReport:
        """Index files and folders (default: the configured sources); one run at a time."""
        from index.llama_loader import keep_llama_index_local

        keep_llama_index_local(self.embedder)  # first: it imports llama-index, one thread at a time
        from index.ingest.run import Indexer, StoppableEmbedder

        paths = list(paths or self.settings.sources)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise NewsbotError(f"no such file or directory: {', '.join(missing)}")
        with self._write_lock, self.store.writing():
            started = time.perf_counter()
            embedder = StoppableEmbedder(self.embedder, self._stop)
            embedder.check()

            def tick(update: IndexProgress) -> None:
                embedder.check()
                if progress is not None:
                    progress(update)

            indexer = Indexer(self.store, embedder, self.settings, tick)  # type: ignore[arg-type]
            try:
                report = indexer.run(paths, prune=prune)
            except Exception as exc:
                self.store.catch_up_later()  # what it committed: at the next refresh or start
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
        vectors, the registered versions' hashes, the models' first run), for a process that
        answers many: the bot, the eval.

        What is alive by then (modules, models, caches) is frozen out of Python's cycle
        collector until `close`: its full collections walked ~250,000 such objects in
        ~150 ms, inside whichever question they fell on (a third of the slowest at 100,000
        chunks)."""
        started = time.perf_counter()
        read = self.store.preload_sentence_vectors()
        self.store.preload_hashes()
        self.retriever.search("warm-up question", self.settings.top_k)
        gc.collect()
        gc.freeze()
        seconds = time.perf_counter() - started
        log.info("warmed up in %.1f s (sentence vectors of %d chunks)", seconds, read)

    def ensure_indexed(
        self, progress: Progress | None = None, starting: Callable[[], None] | None = None
    ) -> IndexReport | None:
        """Index the configured sources when the store is empty (calling `starting` first, to
        say so); None when it was not empty. The one "index if empty" path of every front end."""
        if self.store.count()[0]:
            return None
        if starting is not None:
            starting()
        return self.index(progress=progress)

    def check_consistency(self, vectors: int) -> ConsistencyReport:
        """What `newsbot doctor` checks: the store, its registry and the keyword index agree
        (`vectors` chunks' stored vectors compared with a fresh embedding). A keyword index
        file SQLite finds damaged is rebuilt from the store first (it is a cache of it)."""
        from index.store.consistency import check_consistency

        rebuilt = self.keyword.rebuild_if_damaged()
        report = check_consistency(self.store, self.keyword, vectors=vectors, keyword_file=False)
        report.keyword_rebuilt = rebuilt or ""
        return report

    def forget(self, id_or_path: str) -> str:
        """Remove an article by id, url, file path or (when one article has it) title; returns
        its title."""
        candidates = [id_or_path]
        if Path(id_or_path).exists() or Path(id_or_path).is_symlink():
            candidates += [source_path(Path(id_or_path)), str(Path(id_or_path).resolve())]
        records = self.store.articles_matching(candidates, origins=candidates)
        found = next((records[c] for c in candidates if c in records), None)
        if found is None:
            by_origin = [r for r in records.values() if r.origin in candidates]
            found = by_origin[0] if len(by_origin) == 1 else None
        found = found or self._titled(id_or_path)
        if found is None:
            raise ArticleNotFound(f"no indexed article has the id, path or title {id_or_path!r}")
        with self._write_lock, self.store.writing():
            try:
                self.store.delete_article(found.id)
                self.sync_keyword_index()
            except Exception as exc:
                self.store.catch_up_later()
                self._raise_write_error(exc)
                raise
        return found.title

    def _titled(self, title: str) -> ArticleRecord | None:
        """The one article with this title (case aside); None when none has it."""
        records = self.store.articles().values()
        titled = [r for r in records if r.title.casefold() == title.casefold()]
        if len(titled) > 1:
            raise ArticleNotFound(
                f"{len(titled)} articles are titled {title!r}: give one's id "
                "(newsbot list shows them)"
            )
        return titled[0] if titled else None

    def refresh(self) -> bool:
        """Catch up with what other processes wrote to the store (a serving process calls this
        every few seconds): re-open an embedded store, refresh the keyword index. False when
        there was nothing new, or it must wait (a write is running here or elsewhere)."""
        if not self.store.changed_elsewhere() or not self._write_lock.acquire(blocking=False):
            return False  # a write running here re-opens the store itself first
        try:
            if not self.store.reopen():
                return False
            self._catch_up_keywords()
        finally:
            self._write_lock.release()
        log.debug("caught up with the index as another process changed it")
        return True

    def sync_keyword_index(self) -> None:
        """Bring the BM25 side in step with the registry: apply the articles added, replaced or
        removed since it was last synced (by this process or any other)."""
        self.store.sync_keywords(self.keyword)

    def _catch_up_keywords(self) -> None:
        """`sync_keyword_index` before answering: a keyword file that cannot be written (a full
        disk) is one sentence, as Chroma's failures to write while answering are."""
        try:
            self.sync_keyword_index()
        except (sqlite3.Error, OSError) as exc:
            reason = write_failure(exc)
            if reason is None:
                raise
            raise StoreWriteError(
                f"cannot use the index in {self.settings.data_dir.resolve()}: {reason} (its "
                "keyword index must catch up with what was indexed). Nothing indexed was lost; "
                "free some space, then try again"
            ) from exc

    # --- reading --------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise InvalidQuestion("the question is empty: ask something, e.g. 'Who won?'")
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:  # bytes a terminal passed through undecoded (surrogates)
            raise InvalidQuestion(
                "the question has bytes that are not UTF-8 text: set the terminal to UTF-8"
            ) from None
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
        return self.find(question, k or self.settings.top_k, within)[0]

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
        passages, found = self.find(question, k or self.settings.answer_passages, within)
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
        undated = undated_left_out(within, self.store.articles().values()) if within else 0
        if undated:  # else "no article is close" hides why the articles asked about were not read
            answer.note = " ".join(x for x in (answer.note, undated_note(undated)) if x)
        log.info(
            "retrieved %d passages in %.0f ms%s; %s in %.0f ms",
            len(passages),
            timings["retrieve_ms"],
            f" ({within.describe()})" if within else "",
            f"refused ({answer.refusal_reason})"
            if answer.refused
            else f"answered with {len(answer.citations)} citations",
            timings["answer_ms"],
        )
        return answer

    def find(
        self, question: str, k: int, within: ArticleSlice | None = None
    ) -> tuple[list[Passage], SearchResult]:
        """The top `k` passages for `question` (among the articles `within` a slice, when given),
        with what retrieval computed on the way (the evaluator scores both; `answer_found`
        answers from them)."""
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

    def answer_found(self, question: str, found: SearchResult, passages: list[Passage]) -> Answer:
        """The extractive answer from passages `find` returned, as `ask` composes it."""
        return compose_answer(question, found, passages, self.answerer)

    def count_tokens(self, text: str) -> int:
        return self.embedder.count_tokens(text)

    def article_body(self, doc_id: str) -> str | None:
        return self.store.article_body(doc_id)

    def article(self, doc_id: str) -> ArticleRecord | None:
        """What the registry holds about one article (its origin file, hash, chunks)."""
        return self.store.articles().get(doc_id)

    def articles(self, within: ArticleSlice | None = None) -> list[ArticleRecord]:
        """The indexed articles (those `within` a slice, when given), newest first."""
        records = [
            r
            for r in self.store.articles().values()
            if within is None or admits(within, r.source, r.published_at)
        ]
        return sorted(records, key=lambda r: (r.published_at, r.indexed_at), reverse=True)

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
