"""The answers one release of newsbot gives to the news set's questions, as JSON lines that
`newsbot eval news --answers FILE` scores: the way to put an older release beside today's in
one run, scored by the same code.

Imports only `index.engine.Engine` and `index.settings.load_settings` (every release has both),
from whatever tree comes first on PYTHONPATH:

    git worktree add /tmp/old 99d3b54
    PYTHONPATH=/tmp/old NEWSBOT_DATA_DIR=/tmp/old-data \
        python benchmarks/release_answers.py --out old.jsonl
    newsbot eval news --split test --answers old.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from index.engine import Engine
from index.settings import load_settings

NEWS_SET = Path(__file__).resolve().parent / "news-set"
_MARK = re.compile(r"\[(\d+)\]")


def untrue(answer: dict, body_of) -> int:  # noqa: ANN001 - any release's article_body
    """Marks with no citation, plus quotes that are not their article's `body[start:end]`."""
    numbers = {c["n"] for c in answer.get("citations", [])}
    bad = sum(int(n) not in numbers for n in _MARK.findall(answer.get("answer", "")))
    for c in answer.get("citations", []):
        body = body_of(c["doc_id"]) or ""
        spans = [(e["start"], e["end"], e["text"]) for e in c.get("excerpts") or []]
        spans = spans or [(c["start"], c["end"], c["quote"])]
        bad += sum(body[s:e] != t or not t for s, e, t in spans)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=NEWS_SET)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    lines = (args.data / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    questions = [q for q in questions if args.split == "all" or q["split"] == args.split]
    engine = Engine(load_settings(collection="news-set-release"))
    engine.index([args.data / "articles"])
    out = []
    for q in questions:
        started = time.perf_counter()
        answer = engine.ask(q["question"]).model_dump(mode="json")
        answer["ask_ms"] = round((time.perf_counter() - started) * 1000, 1)
        answer.update(id=q["id"], untrue=untrue(answer, engine.article_body))
        out.append(json.dumps(answer, ensure_ascii=False))
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
