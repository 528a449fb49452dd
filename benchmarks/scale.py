"""How writes, questions, memory and disk grow with the corpus (issue 18).

    python benchmarks/scale.py --source /work/eval-data --sizes 10000 100000 \\
        --work /tmp/scale --json scale.json

For each size, a store of about that many chunks is built from synthetic articles, then a fresh
process measures it the way a serving bot meets it: open, warm up, answer questions, then add,
replace and forget one short article. Printed as a Markdown table (and JSON with --json).

The synthetic corpus: real MultiHop-RAG chunk texts (read from an indexed eval store, --source,
never written to) drawn at random and recombined into new articles of 8-24 chunks, each under a
new id, title suffix, date and content hash; each chunk's vector is its source chunk's vector
plus Gaussian noise (sigma 0.01 per dimension, renormalised: cosine to the source about 0.98),
its sentence vectors its source's. Chunk texts therefore repeat (each real chunk about N / 9,106
times), which only makes BM25's postings and Chroma's HNSW denser than a real archive's.

Questions are MultiHop-RAG dev questions (even positions), answered with the shipped settings.
Timings on a busy machine are noisy: the table gives the load average beside the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.chunks import text_node  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store.chroma import Store  # noqa: E402

log = logging.getLogger("scale")
COLLECTION = "scale"
MULTIHOP = Path(os.environ.get("NEWSBOT_MULTIHOP_DIR", "/work/shared/eval/multihop-rag"))
NOISE = 0.01
_BATCH_ARTICLES = 100
SHORT_ARTICLE = (
    "---\ntitle: Harbour bridge reopens\nsource: Scale Wire\npublished_at: 2024-03-0{n}\n---\n"
    "The harbour bridge reopened on Monday after {n} months of repairs. Engineers replaced "
    "the cables and the deck. Ferry traffic will return to its winter timetable."
)


# --- building a store ---------------------------------------------------------------------------


def _read_source(source: Path, collection: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every chunk of the source store (text, metadata, vector) and its sentence vectors."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(source / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    chunks, sentences = [], {}
    col = client.get_collection(collection)
    for offset in range(0, col.count(), 2000):
        got = col.get(include=["documents", "metadatas", "embeddings"], limit=2000, offset=offset)
        for i, text, meta, vec in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
        ):
            chunks.append({"id": i, "text": text, "meta": meta, "vector": np.asarray(vec)})
    col = client.get_collection(f"{collection}-sentences")
    for offset in range(0, col.count(), 2000):
        got = col.get(include=["metadatas"], limit=2000, offset=offset)
        for i, meta in zip(got["ids"], got["metadatas"], strict=True):
            sentences[i] = meta["vectors"]
    return [c for c in chunks if c["id"] in sentences], sentences


def _article(j: int, picked: list[dict[str, Any]], rng: np.random.Generator) -> tuple:
    """One synthetic article (registry record, nodes) from the picked source chunks."""
    first = picked[0]["meta"]
    body, spans = "", []
    for chunk in picked:
        if body:
            body += "\n\n"
        spans.append((len(body), len(body) + len(chunk["text"])))
        body += chunk["text"]
    doc_id = f"synthetic://{j}"
    content_hash = hashlib.sha256(f"{doc_id}\n{body}".encode()).hexdigest()
    prefix = f"{hashlib.sha1(doc_id.encode()).hexdigest()[:16]}-{content_hash[:12]}"
    date = f"2023-{1 + j % 12:02d}-{1 + j % 28:02d}"
    fields = {
        "doc_id": doc_id,
        "title": f"{first.get('title', '')} ({j})",
        "source": first.get("source", ""),
        "url": doc_id,
        "published_at": f"{date}T08:00:00+00:00",
        "date": date,
        "content_hash": content_hash,
        "chunk_prefix": prefix,
    }
    nodes = []
    for number, (chunk, (start, end)) in enumerate(zip(picked, spans, strict=True)):
        node = text_node(chunk["id"], chunk["text"], chunk["meta"])
        node.id_ = f"{prefix}-{number:04d}"
        node.relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)}
        node.metadata.update(fields, chunk=number, start=start, end=end)
        vector = chunk["vector"] + rng.normal(0, NOISE, chunk["vector"].shape)
        node.embedding = (vector / np.linalg.norm(vector)).astype(np.float32).tolist()
        nodes.append((node, chunk["id"]))
    record = {
        "title": fields["title"],
        "source": fields["source"],
        "url": doc_id,
        "published_at": fields["published_at"],
        "origin": doc_id,
        "content_hash": content_hash,
        "body_hash": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "chunks": len(nodes),
        "indexed_at": "2024-01-01T00:00:00+00:00",
    }
    return doc_id, body, record, nodes


def build(source: Path, source_collection: str, data: Path, chunks: int, seed: int) -> dict:
    """A store of about `chunks` chunks under `data` (Chroma only: the keyword side is built
    by the measuring process, and timed there)."""
    from index.embedding import OnnxEmbedding

    shutil.rmtree(data, ignore_errors=True)
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    real, sentences = _read_source(source, source_collection)
    settings = Settings(data_dir=data, collection=COLLECTION)
    embedder = OnnxEmbedding(settings.embedding_model, settings.embedding_tokenizer)
    store = Store(settings, embedder.fingerprint)
    started, made, j = time.perf_counter(), 0, 0
    while made < chunks:
        batch = []
        for _ in range(_BATCH_ARTICLES):
            size = min(pick.randint(8, 24), chunks - made)
            if size <= 0:
                break
            batch.append(_article(j, pick.sample(real, size), rng))
            made, j = made + size, j + 1
        _write_batch(store, batch, sentences)
        log.info("built %d/%d chunks", made, chunks)
    store.chroma.run(
        store.chroma.registry_as_stored().modify,
        metadata={"generation": uuid.uuid4().hex, "tidy": "1"},
    )
    store.close()
    return {"chunks": made, "articles": j, "build_seconds": round(time.perf_counter() - started)}


def _write_batch(store: Store, batch: list[tuple], sentences: dict[str, str]) -> None:
    nodes = [n for _, _, _, ns in batch for n, _ in ns]
    store.chroma.chunk_writer.add(nodes)
    rows = [(n, src) for _, _, _, ns in batch for n, src in ns]
    for start in range(0, len(rows), 2000):
        page = rows[start : start + 2000]
        store.chroma.sentences.upsert(
            ids=[n.node_id for n, _ in page],
            embeddings=[[1.0]] * len(page),
            metadatas=[
                {
                    "doc_id": n.metadata["doc_id"],
                    "content_hash": n.metadata["content_hash"],
                    "dimensions": 384,
                    "vectors": sentences[src],
                }
                for n, src in page
            ],
        )
    store.chroma.registry.upsert(
        ids=[doc_id for doc_id, _, _, _ in batch],
        documents=[body for _, body, _, _ in batch],
        metadatas=[record for _, _, record, _ in batch],
        embeddings=[[1.0]] * len(batch),
    )


# --- measuring a store (in a fresh process) -----------------------------------------------------


def _hwm_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _percentiles(ms: list[float]) -> dict[str, float]:
    return {
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
    }


def measure(data: Path, questions: int, warm: int, seed: int) -> dict[str, Any]:
    from bot.evaluation.multihop import load_questions
    from index.engine import Engine

    settings = Settings(data_dir=data, collection=COLLECTION)
    out: dict[str, Any] = {}
    started = time.perf_counter()
    engine = Engine(settings)
    out["open_s"] = round(time.perf_counter() - started, 2)
    out["chunks"] = engine.stats().chunks
    out["articles"] = engine.stats().articles
    started = time.perf_counter()
    engine.warm_up()
    out["warm_up_s"] = round(time.perf_counter() - started, 2)

    asked = [q["query"] for q in load_questions(MULTIHOP, "dev")]
    random.Random(seed).shuffle(asked)
    for question in asked[:warm]:  # a bot that has answered a few questions already
        engine.ask(question)
    retrieval, answers = [], []
    for question in asked[warm : warm + questions]:
        t = time.perf_counter()
        engine.sources(question)
        retrieval.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        engine.ask(question)
        answers.append((time.perf_counter() - t) * 1000)
    out["retrieval_ms"] = _percentiles(retrieval)
    out["ask_ms"] = _percentiles(answers)
    out["serving_peak_rss_mb"] = _hwm_mb()
    out.update(_writes(engine, data))
    out["disk"] = _disk(data, out["chunks"])
    engine.close()
    return out


def measure_build(data: Path) -> dict[str, Any]:
    """Open the engine on a store whose keyword index is gone: it is built from Chroma (its
    own process, so that the serving process's peak memory is not the build's)."""
    from index.engine import Engine, keyword_folder

    settings = Settings(data_dir=data, collection=COLLECTION)
    shutil.rmtree(keyword_folder(settings), ignore_errors=True)
    started = time.perf_counter()
    engine = Engine(settings)
    seconds = round(time.perf_counter() - started, 1)
    engine.close()
    return {"open_with_keyword_build_s": seconds, "keyword_build_peak_rss_mb": _hwm_mb()}


def _writes(engine: Any, data: Path) -> dict[str, Any]:
    """Add, replace and forget one short article, three times; median seconds of each, and of
    the add's own embedding."""
    embedded = {"s": 0.0}
    model = type(engine.embedder)  # a pydantic model: its methods are patched on the class
    real_embed = model.embed

    def timed_embed(self: Any, texts: list[str], **kwargs: Any) -> np.ndarray:
        t = time.perf_counter()
        try:
            return real_embed(self, texts, **kwargs)
        finally:
            embedded["s"] += time.perf_counter() - t

    model.embed = timed_embed  # type: ignore[method-assign]
    folder = data.parent / f"{data.name}-articles"
    folder.mkdir(exist_ok=True)
    times: dict[str, list[float]] = {"add": [], "add_embedding": [], "replace": [], "forget": []}
    for n in range(1, 4):
        path = folder / f"bridge-{n}.md"
        path.write_text(SHORT_ARTICLE.format(n=n))
        for kind, text in (("add", None), ("replace", SHORT_ARTICLE.format(n=n + 4))):
            if text is not None:
                path.write_text(text)
            embedded["s"] = 0.0
            t = time.perf_counter()
            engine.index([path], prune=False)
            times[kind].append(time.perf_counter() - t)
            if kind == "add":
                times["add_embedding"].append(embedded["s"])
        t = time.perf_counter()
        engine.forget(str(path))
        times["forget"].append(time.perf_counter() - t)
    model.embed = real_embed  # type: ignore[method-assign]
    return {f"{k}_s": round(float(np.median(v)), 2) for k, v in times.items()}


def _disk(data: Path, chunks: int) -> dict[str, float]:
    def size(path: Path) -> int:
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

    chroma, keyword = size(data / "chroma"), size(data / "bm25")
    return {
        "chroma_bytes_per_chunk": round(chroma / max(1, chunks)),
        "keyword_bytes_per_chunk": round(keyword / max(1, chunks)),
        "total_mb": round((chroma + keyword) / 2**20),
    }


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path("/work/eval-data"))
    parser.add_argument("--source-collection", default="multihop-full-c200o1")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbot-scale"))
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--reuse", action="store_true", help="measure stores built by an earlier run again"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the children's side
    parser.add_argument("--measure-build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    if args.measure_build:
        print(json.dumps(measure_build(args.measure_build)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.questions, args.warm, args.seed)))
        return
    rows = []
    for size in args.sizes:
        data = args.work / f"store-{size}"
        if args.reuse and (data / "built.json").exists():
            built = json.loads((data / "built.json").read_text())
        else:
            built = build(args.source, args.source_collection, data, size, args.seed)
            (data / "built.json").write_text(json.dumps(built))
        log.info("built %s", built)
        row = {"size": size, **built}
        for flag, extra in (("--measure-build", []), ("--measure", [])):
            row.update(_child(flag, data, args, extra))
        row["load_average"] = round(os.getloadavg()[0], 1)
        log.info("measured %s", row)
        rows.append(row)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    print(table(rows))


def _child(flag: str, data: Path, args: argparse.Namespace, extra: list[str]) -> dict:
    command = [sys.executable, __file__, flag, str(data), "--questions", str(args.questions)]
    command += ["--warm", str(args.warm), "--seed", str(args.seed), *extra]
    env = {**os.environ, "NEWSBOT_LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| chunks | add s (embedding) | replace s | forget s | retrieval p50/p95 ms | "
        "ask p50/p95 ms | serving peak RSS MB | disk B/chunk (Chroma + keyword) | "
        "keyword build s (peak MB) | open s | load |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        d = r["disk"]
        lines.append(
            f"| {r['chunks']:,} | {r['add_s']} ({r['add_embedding_s']}) | {r['replace_s']} | "
            f"{r['forget_s']} | {r['retrieval_ms']['p50']}/{r['retrieval_ms']['p95']} | "
            f"{r['ask_ms']['p50']}/{r['ask_ms']['p95']} | {r['serving_peak_rss_mb']} | "
            f"{d['chroma_bytes_per_chunk']:,} + {d['keyword_bytes_per_chunk']:,} | "
            f"{r['open_with_keyword_build_s']} ({r['keyword_build_peak_rss_mb']}) | "
            f"{r['open_s']} | {r['load_average']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
