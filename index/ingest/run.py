"""One indexing run: load files, decide what changed, embed only that, replace, prune.

Unchanged articles (same id, same content hash) cost no embedding; a changed article is replaced
through the store's registry flip (its chunks are embedded whole and sentence by sentence); an
article whose file is gone is removed (prune); text already indexed under another id is
reported as a duplicate and stored once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core import Document
from llama_index.core.schema import MetadataMode, TextNode

from index.chunks import ArticleMeta, chunk_prefix
from index.embedding import OnnxEmbedding
from index.errors import IndexStopped
from index.ingest.chunking import SentenceChunker
from index.ingest.embedding_progress import GroupProgress
from index.ingest.loaders import SUPPORTED_SUFFIXES
from index.ingest.reader_process import ReadLimits, read_files
from index.ingest.sources import discover, source_path
from index.results import Article, IndexProgress, IndexReport, SkippedFile
from index.settings import Settings
from index.store.chroma import Store
from index.store.records import ArticleRecord
from index.store.sentence_vectors import embed_sentences

log = logging.getLogger(__name__)

_EMBED_GROUP = 256  # chunks embedded per round, across articles, so batches stay full


class Indexer:
    def __init__(
        self,
        store: Store,
        embedder: OnnxEmbedding,
        settings: Settings,
        progress: Callable[[IndexProgress], None] | None = None,
    ) -> None:
        self.store, self.embedder, self.settings = store, embedder, settings
        self.progress = progress or (lambda _: None)
        self.chunker = SentenceChunker(
            chunk_size=settings.chunk_size,
            overlap=settings.chunk_overlap,
            count_tokens=embedder.count_tokens,
        )

    def run(self, paths: list[Path], prune: bool) -> IndexReport:
        report = IndexReport()
        # Only a run after one that did not finish can find chunks to sweep: the others skip
        # reading the whole collection.
        tidy = self.store.tidy()
        swept = 0 if tidy else self.store.sweep_orphans()
        if swept:
            log.info("removed %d chunks left by an interrupted run", swept)
        # Every finished write stores sentence vectors with its chunks: chunks without them are
        # left by an unfinished one, an older release, or a damaged sentence file set aside.
        if not tidy or self.store.sentences_incomplete():
            self._fill_sentences()
        found = discover(paths, SUPPORTED_SUFFIXES)
        total = len(found.files)
        self.progress(IndexProgress(stage="reading", done=0, total=total))
        limits = ReadLimits(
            max_bytes=self.settings.max_file_bytes,
            seconds=self.settings.max_file_seconds,
            memory_mb=self.settings.max_file_memory_mb,
        )
        loaded = read_files(  # its ticks are also where a stopping run stops
            found.files,
            limits,
            lambda done: self.progress(IndexProgress(stage="reading", done=done, total=total)),
        )
        loaded.failures.update(found.refused)
        report.skipped = [SkippedFile(path=p, reason=r) for p, r in loaded.failures.items()]
        report.skipped += [SkippedFile(path=p, reason=r) for p, r in loaded.item_failures]

        # Pruning looks at every article; a run that does not needs only the records of the
        # loaded ids and texts (a write costs the article, not the corpus).
        registry = (
            self.store.articles()
            if prune
            else self.store.articles_matching(
                [a.id for a in loaded.articles], [a.body_hash for a in loaded.articles]
            )
        )
        gone = self._gone(registry, loaded.articles, paths, set(loaded.failures)) if prune else []
        todo = self._plan(loaded.articles, registry, set(gone), report)
        log.info(
            "indexing: %d articles to embed, %d unchanged, %d to remove",
            len(todo),
            len(report.unchanged),
            len(gone),
        )
        self._write(todo, registry, report)
        for doc_id in gone:
            self.store.delete_article(doc_id)
            report.removed.append(doc_id)
            log.debug("pruned %s (its file is gone)", doc_id)
        self.progress(IndexProgress(stage="done", done=1, total=1))
        return report

    def _gone(
        self,
        registry: dict[str, ArticleRecord],
        articles: list[Article],
        paths: list[Path],
        failed: set[str],
    ) -> list[str]:
        """Indexed articles from the scanned paths that are no longer there."""
        seen = {a.id for a in articles}
        failed_origins = {source_path(Path(p)) for p in failed}
        dirs = [p.resolve() for p in paths if p.is_dir()]
        files = {source_path(p) for p in paths if p.is_file()}

        def in_scope(origin: str) -> bool:
            return origin in files or any(Path(origin).is_relative_to(d) for d in dirs)

        return [
            r.id
            for r in registry.values()
            if r.id not in seen and in_scope(r.origin) and r.origin not in failed_origins
        ]

    def _plan(
        self,
        articles: list[Article],
        registry: dict[str, ArticleRecord],
        gone: set[str],
        report: IndexReport,
    ) -> list[Article]:
        """The articles that need embedding; fills in unchanged and duplicates."""
        by_body = {r.body_hash: r.id for r in registry.values() if r.id not in gone}
        todo: list[Article] = []
        taken: set[str] = set()
        for article in articles:
            same_text_as = by_body.get(article.body_hash)
            if article.id in taken or (same_text_as and same_text_as != article.id):
                first = article.id if article.id in taken else same_text_as
                report.duplicates.append(
                    SkippedFile(path=article.origin, reason=f"same text as {first}")
                )
                continue
            taken.add(article.id)
            by_body[article.body_hash] = article.id
            old = registry.get(article.id)
            if old and old.content_hash == article.content_hash:
                report.unchanged.append(article.id)
            else:
                todo.append(article)
        return todo

    def _write(
        self, todo: list[Article], registry: dict[str, ArticleRecord], report: IndexReport
    ) -> None:
        chunked = [(a, self._nodes(a)) for a in todo]
        total = sum(len(nodes) for _, nodes in chunked)
        log.info("chunked %d articles into %d chunks", len(chunked), total)
        done = 0
        self.progress(IndexProgress(stage="embedding", done=0, total=total))
        for group in _groups(chunked, _EMBED_GROUP):
            nodes = [n for _, ns in group for n in ns]
            # One line per step, so a log shows where an interrupted run stopped.
            log.debug("embedding %d chunks of %d articles", len(nodes), len(group))
            embed = self._ticking(nodes, done, total)
            vectors = embed([n.get_content(MetadataMode.EMBED) for n in nodes])
            for node, vector in zip(nodes, vectors, strict=True):
                node.embedding = vector.tolist()
            sentences = embed_sentences(nodes, embed)
            for article, article_nodes in group:
                old = registry.get(article.id)
                old_hash = old.content_hash if old else None
                self.store.write_article(article, article_nodes, old_hash, sentences)
                (report.updated if old else report.added).append(article.id)
                log.debug("stored %s (%d chunks)", article.id, len(article_nodes))
            done += len(nodes)
            report.chunks_embedded += len(nodes)
            log.info("embedded and stored %d/%d chunks", done, total)
            self.progress(IndexProgress(stage="embedding", done=done, total=total))

    def _ticking(self, nodes: list[TextNode], done: int, total: int) -> Callable[..., Any]:
        """The embedder's `embed`, reporting progress after each of its batches."""

        def tick(now: int) -> None:
            self.progress(IndexProgress(stage="embedding", done=now, total=total))

        batch = getattr(self.embedder, "embed_batch_size", 32)
        return GroupProgress(nodes, done, batch, tick).embedding(self.embedder.embed)

    def _fill_sentences(self) -> None:
        """Embed the sentences of chunks stored without them (a collection indexed by an
        older newsbot), so every candidate gets the ranker's sentence features."""
        nodes = self.store.nodes_without_sentences()
        if not nodes:
            return
        log.info("embedding the sentences of %d chunks indexed without them", len(nodes))
        self.progress(IndexProgress(stage="sentences", done=0, total=len(nodes)))
        for start in range(0, len(nodes), _EMBED_GROUP):
            group = nodes[start : start + _EMBED_GROUP]
            self.store.add_sentences(group, embed_sentences(group, self.embedder.embed))
            done = start + len(group)
            log.info("embedded the sentences of %d/%d chunks", done, len(nodes))
            self.progress(IndexProgress(stage="sentences", done=done, total=len(nodes)))

    def _nodes(self, article: Article) -> list[TextNode]:
        metadata: ArticleMeta = {
            "doc_id": article.id,
            "title": article.title,
            "source": article.source,
            "url": article.url,
            "published_at": article.published_at,
            "date": article.published_at[:10],
            "author": article.author,
            "category": article.category,
            "content_hash": article.content_hash,
            "chunk_prefix": chunk_prefix(article.id, article.content_hash),
        }
        doc = Document(id_=article.id, text=article.body, metadata=metadata)
        return self.chunker.get_nodes_from_documents([doc])


def _groups(
    chunked: list[tuple[Article, list[TextNode]]], size: int
) -> list[list[tuple[Article, list[TextNode]]]]:
    """Whole articles per group, about `size` chunks each."""
    groups: list[list[tuple[Article, list[TextNode]]]] = [[]]
    count = 0
    for item in chunked:
        if count >= size:
            groups.append([])
            count = 0
        groups[-1].append(item)
        count += len(item[1])
    return [g for g in groups if g]


class StoppableEmbedder:
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

    def embed(self, texts: list[str], before_batch: Callable[[], None] | None = None) -> np.ndarray:
        def before() -> None:
            self.check()
            if before_batch is not None:
                before_batch()

        return self._embedder.embed(texts, before_batch=before)
