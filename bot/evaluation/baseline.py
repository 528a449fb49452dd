"""The baseline: what a llama-index user gets by default on the same corpus and embedding model.

`VectorStoreIndex` over a Chroma collection, documents split by llama-index's default
`SentenceSplitter` (1024 tokens, 200 overlap), every article field as document metadata, top k
by vector similarity. Its collection is rebuilt only when the corpus, splitter or model changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from llama_index.core import Document, StorageContext, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode
from llama_index.vector_stores.chroma import ChromaVectorStore

from bot.evaluation.runner import CUTOFF, Retrieved, SystemRun, Workload, peak_rss_mb
from index.embedding import OnnxEmbedding
from index.fileio import write_text_atomic
from index.llama_embedding import LlamaIndexEmbedding
from index.settings import Settings
from index.store.connection import connect

log = logging.getLogger(__name__)

CHUNK_SIZE, CHUNK_OVERLAP = 1024, 200  # llama-index's defaults (Settings.chunk_size/overlap)
_FIELDS = ("title", "author", "source", "published_at", "category", "url")


def documents(corpus: list[Mapping[str, Any]]) -> list[Document]:
    """One llama-index Document per article, its other fields as metadata."""
    return [
        Document(
            id_=a["url"],
            text=a["body"],
            metadata={f: a.get(f) or "" for f in _FIELDS},
        )
        for a in corpus
    ]


def run_baseline(
    work: Workload,
    settings: Settings,
    embedder: OnnxEmbedding,
    k: int = CUTOFF,
    progress: Callable[[str], None] | None = None,
) -> SystemRun:
    say = progress or (lambda _: None)
    name = f"multihop-{work.tag}-baseline"
    started = time.perf_counter()
    index, collection, index_seconds, embedded = _index(work, settings, embedder, name, say)
    this_run = round(time.perf_counter() - started, 2)
    retriever = index.as_retriever(similarity_top_k=k)
    retriever.retrieve("warm-up question")
    return SystemRun(
        name="baseline",
        results=[_retrieve(retriever, question, embedder) for question in work.questions],
        index_seconds=index_seconds,
        index_seconds_this_run=this_run,
        chunks=collection.count(),
        peak_rss_mb=peak_rss_mb(),
        details={
            "collection": name,
            "splitter": f"SentenceSplitter({CHUNK_SIZE}, {CHUNK_OVERLAP})",
            "chunks_embedded_this_run": embedded,
        },
    )


def _index(
    work: Workload,
    settings: Settings,
    embedder: OnnxEmbedding,
    name: str,
    say: Callable[[str], None],
) -> tuple[VectorStoreIndex, Any, float, int]:
    """llama-index's default index of the corpus in its own collection (kept between runs of
    the same corpus and model); the index, its collection, its indexing seconds and how many
    chunks this run embedded."""
    key = _cache_key(work.corpus_path, embedder.fingerprint)
    marker = settings.data_dir / "multihop" / f"{name}.index.json"
    client = connect(settings)
    cached = _cached(marker, key)
    existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    if cached is not None and name in existing and client.get_collection(name).count():
        collection = client.get_collection(name)
        index = VectorStoreIndex.from_vector_store(
            ChromaVectorStore(chroma_collection=collection),
            embed_model=LlamaIndexEmbedding(embedder),
        )
        say(f"baseline: reusing {name} ({collection.count()} chunks)")
        return index, collection, cached, 0
    if name in existing:
        client.delete_collection(name)
    collection = client.create_collection(name, embedding_function=None)
    corpus = json.loads(work.corpus_path.read_text(encoding="utf-8"))
    say(f"baseline: embedding {len(corpus)} articles into {name}")
    started = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        documents(corpus),
        storage_context=StorageContext.from_defaults(
            vector_store=ChromaVectorStore(chroma_collection=collection)
        ),
        embed_model=LlamaIndexEmbedding(embedder),
        transformations=[SentenceSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)],
    )
    seconds = round(time.perf_counter() - started, 2)
    write_text_atomic(marker, json.dumps({"key": key, "seconds": seconds}))
    return index, collection, seconds, collection.count()


def _retrieve(retriever: Any, question: dict[str, Any], embedder: OnnxEmbedding) -> Retrieved:
    started = time.perf_counter()
    hits = retriever.retrieve(question["query"])
    latency = (time.perf_counter() - started) * 1000
    return Retrieved(
        question=question,
        texts=[h.node.get_content(metadata_mode=MetadataMode.EMBED) for h in hits],
        scores=[round(float(h.score or 0.0), 6) for h in hits],
        article_ids=[h.node.metadata["url"] for h in hits],
        passage_tokens=[embedder.count_tokens(h.node.get_content()) for h in hits],
        latency_ms=latency,
    )


def _cache_key(corpus_path: Path, fingerprint: str) -> str:
    digest = hashlib.sha256(corpus_path.read_bytes()).hexdigest()[:16]
    return f"{digest}|{fingerprint}|SentenceSplitter({CHUNK_SIZE},{CHUNK_OVERLAP})|{_FIELDS}"


def _cached(marker: Path, key: str) -> float | None:
    """The recorded indexing time when the collection was built from this very input."""
    if not marker.is_file():
        return None
    try:
        saved = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    return float(saved["seconds"]) if saved.get("key") == key else None
