"""How long one keyword search takes on a large store, with and without skipping common terms
(issue 31): the keyword file alone, in one process, as a serving bot's search meets it.

    python benchmarks/keyword_search.py <data dir>/bm25/<collection> [--score-whole N] \\
        [--questions 60] [--warm 20] [--k 300]

MultiHop-RAG dev questions (shuffled with the seed benchmarks/scale.py uses), `--warm` of them
first to fill the postings cache as earlier questions would, then `--questions` timed. With
`--score-whole` larger than any term's postings, nothing is skipped: every posting of every
query term is scored, as before skipping existed. Prints one JSON line: p50, p95 and mean ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scale import MULTIHOP  # noqa: E402
from bot.evaluation.multihop import load_questions  # noqa: E402
from index.store import bm25_top  # noqa: E402
from index.store.keyword_index import KeywordIndex  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder holding keyword.sqlite3")
    parser.add_argument("--score-whole", type=int, default=bm25_top.SCORE_WHOLE)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--k", type=int, default=300)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    bm25_top.SCORE_WHOLE = args.score_whole

    keyword = KeywordIndex(args.folder)
    asked = [q["query"] for q in load_questions(MULTIHOP, "dev")]
    random.Random(args.seed).shuffle(asked)
    for question in asked[: args.warm]:
        keyword.search(question, args.k)
    took = []
    for question in asked[args.warm : args.warm + args.questions]:
        started = time.perf_counter()
        keyword.search(question, args.k)
        took.append((time.perf_counter() - started) * 1000)
    keyword.close()
    print(
        json.dumps(
            {
                "score_whole": args.score_whole,
                "p50_ms": round(float(np.percentile(took, 50)), 1),
                "p95_ms": round(float(np.percentile(took, 95)), 1),
                "mean_ms": round(float(np.mean(took)), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
