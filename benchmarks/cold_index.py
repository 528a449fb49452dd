"""Cold indexing against the bare model: how close a whole index run comes to the model's speed.

    python benchmarks/cold_index.py [--articles 609] [--threads 0] [--rounds 1] [--json]

One run measures, each in a child process of its own (so each peak RSS is its own):
- `bare`: the embedder alone (index/embedding.py) embedding exactly the texts an index run
  embeds (every chunk, then the distinct sentences of each group of chunks, in the same calls);
- `index`: `Engine.index` of the same articles into a fresh embedded store (chunking, both
  embeddings, the Chroma writes, the keyword index).

The phases alternate (bare, index, bare, ... `--rounds` times, then a last bare), and the ratio
is the index's throughput over the mean of the bare runs around it: on a busy machine, compare
ratios measured in one run, not seconds across runs. Texts are MultiHop-RAG's corpus
(../shared/eval/multihop-rag/corpus.json, the first `--articles` articles).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "eval" / "multihop-rag" / "corpus.json"


def corpus_slice(articles: int, folder: Path) -> Path:
    """The first `articles` articles of the corpus, as one JSON file newsbot indexes."""
    records = json.loads(CORPUS.read_text())[:articles]
    path = folder / "corpus.json"
    path.write_text(json.dumps(records))
    return path


def settings_for(data_dir: Path, threads: int) -> Any:
    from index.settings import load_settings

    return load_settings(data_dir=data_dir, embedding_threads=threads, collection="cold")


def texts_of_a_run(path: Path, settings: Any, embedder: Any) -> list[list[str]]:
    """The texts an index run of `path` embeds, call by call (index/indexing.py's grouping)."""
    from llama_index.core.schema import MetadataMode

    from index.ingest.loaders import load_file
    from index.ingest.run import _EMBED_GROUP, Indexer, _groups
    from index.store.sentence_vectors import sentences_of

    indexer = Indexer(None, embedder, settings)  # type: ignore[arg-type]  # chunks only
    articles, _ = load_file(path, settings.max_file_bytes)
    calls: list[list[str]] = []
    for group in _groups([(a, indexer._nodes(a)) for a in articles], _EMBED_GROUP):
        nodes = [n for _, ns in group for n in ns]
        calls.append([n.get_content(MetadataMode.EMBED) for n in nodes])
        calls.append(list(dict.fromkeys(s for n in nodes for s in sentences_of(n.get_content()))))
    return calls


def phase_bare(path: Path, threads: int) -> dict[str, Any]:
    from index.embedding import OnnxEmbedding

    embedder = OnnxEmbedding(threads=threads)
    with tempfile.TemporaryDirectory() as tmp:
        calls = texts_of_a_run(path, settings_for(Path(tmp), threads), embedder)
    started = time.perf_counter()
    for texts in calls:
        embedder.embed(texts)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "texts": sum(len(c) for c in calls)}


def phase_index(path: Path, threads: int) -> dict[str, Any]:
    from index.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(settings_for(Path(tmp), threads))
        started = time.perf_counter()
        report = engine.index([path])
        seconds = time.perf_counter() - started
        engine.close()
    return {"seconds": seconds, "chunks": report.chunks_embedded}


def child(phase: str, path: Path, threads: int) -> None:
    result = (phase_bare if phase == "bare" else phase_index)(path, threads)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_phase(phase: str, path: Path, threads: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", phase, "--path", str(path)]
    out = subprocess.run(
        [*cmd, "--threads", str(threads)], capture_output=True, text=True, check=True
    )
    return {"phase": phase, **json.loads(out.stdout.strip().splitlines()[-1])}


def measure(articles: int, threads: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = corpus_slice(articles, Path(tmp))
        runs = []
        for _ in range(rounds):
            runs.append(run_phase("bare", path, threads))
            runs.append(run_phase("index", path, threads))
        runs.append(run_phase("bare", path, threads))
    bare = [r for r in runs if r["phase"] == "bare"]
    index = [r for r in runs if r["phase"] == "index"]
    texts = bare[0]["texts"]
    ratios = [
        (bare[i]["seconds"] + bare[i + 1]["seconds"]) / 2 / run["seconds"]
        for i, run in enumerate(index)
    ]
    return {
        "articles": articles,
        "texts": texts,
        "chunks": index[0]["chunks"],
        "runs": runs,
        "bare_texts_per_s": [round(texts / r["seconds"], 1) for r in bare],
        "index_texts_per_s": [round(texts / r["seconds"], 1) for r in index],
        "ratio": [round(r, 3) for r in ratios],
        "index_peak_rss_mb": max(r["peak_rss_mb"] for r in index),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=609)
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime threads; 0 = all")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["bare", "index"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.path, args.threads)
        return
    result = measure(args.articles, args.threads, args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['articles']} articles, {result['chunks']} chunks, {result['texts']} texts "
        f"(chunks + distinct sentences)"
    )
    for run in result["runs"]:
        print(f"  {run['phase']:5} {run['seconds']:8.1f} s  peak RSS {run['peak_rss_mb']:6.0f} MB")
    print(f"index / bare throughput: {', '.join(f'{r:.1%}' for r in result['ratio'])}")


if __name__ == "__main__":
    main()
