"""Engine benchmark on the MultiHop-RAG corpus: indexing speed against the raw embedding ceiling,
peak memory, the unchanged re-run, and `ask` latency.

    python benchmarks/engine.py [--data ../shared/eval/multihop-rag] [--questions 100]

Uses a fresh data directory (a temporary one unless --data-dir is given) so it always measures a
cold index. Prints a markdown table; --json prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.multihop import load_corpus, load_questions  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.settings import load_settings  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def raw_ceiling(engine: Engine, sample: int = 512) -> float:
    """Chunks per second of the bare embedding model on the engine's own chunk texts."""
    texts = [n.get_content("embed") for n in list(engine.store.live_nodes())[:sample]]
    started = time.perf_counter()
    engine.embedder.embed(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/eval/multihop-rag")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    engine = Engine(load_settings(data_dir=data_dir, collection="bench-multihop"))
    corpus_file = args.data / "corpus.json"

    started = time.perf_counter()
    report = engine.index([corpus_file])
    index_s = time.perf_counter() - started
    chunks = report.chunks_embedded

    started = time.perf_counter()
    rerun = engine.index([corpus_file])
    rerun_s = time.perf_counter() - started

    ceiling = raw_ceiling(engine)
    questions = [q["query"] for q in load_questions(args.data, "all")[: args.questions]]
    engine.ask(questions[0])  # warm
    latencies = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q)
        latencies.append((time.perf_counter() - t) * 1000)

    figures = {
        "articles": len(load_corpus(args.data)),
        "indexed": len(report.added),
        "chunks": chunks,
        "index_seconds": round(index_s, 1),
        "chunks_per_second": round(chunks / index_s, 1),
        "raw_embedding_chunks_per_second": round(ceiling, 1),
        "rerun_unchanged_seconds": round(rerun_s, 2),
        "rerun_embedded": rerun.chunks_embedded,
        "ask_p50_ms": round(statistics.median(latencies), 1),
        "ask_p95_ms": round(percentile(latencies, 0.95), 1),
        "questions": len(latencies),
        "peak_memory_mb": round(peak_mb()),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print("| figure | value |\n|---|---|")
    for key, value in figures.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
