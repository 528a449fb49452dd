"""The baseline: what a llama-index user gets by default on the same corpus and embedding model.

`VectorStoreIndex` over a Chroma collection, documents split by llama-index's default
`SentenceSplitter` (1024 tokens, 200 overlap), every article field as document metadata, top k
by vector similarity. Its collection is rebuilt only when the corpus, splitter or model changed.

It is built from the parts the engine lends in llama-index's own nouns (`llama_embedding`, a
`BaseEmbedding` over the same ONNX model; `llama_vector_store`, a `ChromaVectorStore` of a
collection of its own in the same store), exactly as a llama-index user would build it: the
comparison is llama-index's default against ours on the same model and store, and the evaluator
never touches Chroma or the model itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llama_index.core import Document, StorageContext, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode

from bot.evaluation.files import write_text_atomic
from bot.evaluation.runner import CUTOFF, Retrieved, SystemRun, Workload, peak_rss_mb

if TYPE_CHECKING:
    from index.engine import Engine

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
    engine: Engine,
    k: int = CUTOFF,
    progress: Callable[[str], None] | None = None,
) -> SystemRun:
    say = progress or (lambda _: None)
    name = f"multihop-{work.tag}-baseline"
    started = time.perf_counter()
    index, chunks, index_seconds, embedded = _index(work, engine, name, say)
    this_run = round(time.perf_counter() - started, 2)
    retriever = index.as_retriever(similarity_top_k=k)
    retriever.retrieve("warm-up question")
    return SystemRun(
        name="baseline",
        results=[_retrieve(retriever, question, engine) for question in work.questions],
        index_seconds=index_seconds,
        index_seconds_this_run=this_run,
        chunks=chunks,
        peak_rss_mb=peak_rss_mb(),
        details={
            "collection": name,
            "splitter": f"SentenceSplitter({CHUNK_SIZE}, {CHUNK_OVERLAP})",
            "chunks_embedded_this_run": embedded,
        },
    )


def _index(
    work: Workload, engine: Engine, name: str, say: Callable[[str], None]
) -> tuple[VectorStoreIndex, int, float, int]:
    """llama-index's default index of the corpus in its own collection (kept between runs of
    the same corpus and model); the index, its chunks, its indexing seconds and how many
    chunks this run embedded."""
    key = _cache_key(work.corpus_path, engine.stats().embedding_model)
    marker = engine.settings.data_dir / "multihop" / f"{name}.index.json"
    embed_model = engine.llama_embedding()
    cached = _cached(marker, key)
    store = engine.llama_vector_store(name)
    if cached is not None and store.client.count():
        index = VectorStoreIndex.from_vector_store(store, embed_model=embed_model)
        say(f"baseline: reusing {name} ({store.client.count()} chunks)")
        return index, store.client.count(), cached, 0
    store = engine.llama_vector_store(name, fresh=True)
    corpus = json.loads(work.corpus_path.read_text(encoding="utf-8"))
    say(f"baseline: embedding {len(corpus)} articles into {name}")
    started = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        documents(corpus),
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=embed_model,
        transformations=[SentenceSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)],
    )
    seconds = round(time.perf_counter() - started, 2)
    write_text_atomic(marker, json.dumps({"key": key, "seconds": seconds}))
    return index, store.client.count(), seconds, store.client.count()


def _retrieve(retriever: Any, question: dict[str, Any], engine: Engine) -> Retrieved:
    started = time.perf_counter()
    hits = retriever.retrieve(question["query"])
    latency = (time.perf_counter() - started) * 1000
    return Retrieved(
        question=question,
        texts=[h.node.get_content(metadata_mode=MetadataMode.EMBED) for h in hits],
        scores=[round(float(h.score or 0.0), 6) for h in hits],
        article_ids=[h.node.metadata["url"] for h in hits],
        passage_tokens=[engine.count_tokens(h.node.get_content()) for h in hits],
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
