"""Generated answers against extractive ones on MultiHop-RAG: the answer metrics of `newsbot eval`
(`bot.evaluation.answers`) for the configured LLM backend beside the extractive answerer, on
the same retrieved passages, with the time each answer took.

    NEWSBOT_LLM=llama-cpp NEWSBOT_LLM_MODEL_PATH=model.gguf \\
    NEWSBOT_DATA_DIR=<data folder>/eval (where `newsbot eval multihop` keeps its store) \\
        python benchmarks/generated_answers.py --split test --limit 30

The backend is whatever NEWSBOT_LLM and its settings name (a local GGUF file, an OpenAI-
compatible server, Ollama, OpenAI). The corpus must already be indexed in NEWSBOT_DATA_DIR by
`newsbot eval multihop` (the same collection; indexed again here only if it is not). Each
question is retrieved once; both answerers get the same passages. Prints a markdown table, or
JSON with --json; --rows writes each question's figures (JSON lines) for a closer look.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.answers import answer_row, summarise_answers, untrue_citations  # noqa: E402
from bot.evaluation.runner import ours_settings, prepare  # noqa: E402
from index.answer.compose import compose_answer  # noqa: E402
from index.engine import Engine  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "multihop-rag"


def answer_both(engine: Engine, question: Mapping[str, Any]) -> dict[str, Any]:
    """One question: retrieved once, answered extractively and by the model."""
    n = engine.settings.answer_passages
    listed, found = engine.find(question["query"], max(10, n))
    passages = listed[:n]
    texts = [p.text for p in passages]
    out: dict[str, Any] = {"index": question["index"], "type": question["question_type"]}
    for name, generator in (("extractive", None), ("generated", engine.generator)):
        started = time.perf_counter()
        answer = compose_answer(question["query"], found, passages, engine.answerer, generator)
        seconds = time.perf_counter() - started
        untrue = untrue_citations(answer, engine.article_body)
        v = answer.verification
        out[name] = {
            **answer_row(question, answer, texts, untrue),
            "seconds": round(seconds, 3),
            "fallback": v.fallback if v else None,
            "hit_token_limit": bool(v and v.hit_token_limit),
            "sentences": v.sentences if v else None,
            "kept": v.kept if v else None,
        }
    return out


def summarise(rows: Sequence[Mapping[str, Any]], name: str) -> dict[str, Any]:
    mine = [r[name] for r in rows]
    seconds = [r["seconds"] for r in mine]
    figures = summarise_answers(mine, [s * 1000 for s in seconds])
    figures.pop("ask_ms")
    fallbacks: dict[str, int] = {}
    for r in mine:
        if r["fallback"]:
            fallbacks[r["fallback"]] = fallbacks.get(r["fallback"], 0) + 1
    figures.update(
        {
            "seconds_mean": round(statistics.fmean(seconds), 3),
            "seconds_p50": round(statistics.median(seconds), 3),
            "seconds_max": round(max(seconds), 3),
            "hit_token_limit": sum(r["hit_token_limit"] for r in mine),
            "fallbacks": fallbacks,
        }
    )
    return figures


ROWS = [
    ("named answer found", "named_found"),
    ("answer fact recall", "fact_recall"),
    ("null questions refused", "null_refused"),
    ("answerable refused", "answerable_refused"),
    ("untrue citations", "untrue_citations"),
    ("mean words", "mean_words"),
    ("seconds per answer, mean", "seconds_mean"),
    ("seconds per answer, p50", "seconds_p50"),
    ("seconds per answer, max", "seconds_max"),
    ("replies at the token limit", "hit_token_limit"),
    ("extractive answer in place (why: count)", "fallbacks"),
]


def render(report: Mapping[str, Any]) -> str:
    head = (
        f"{report['questions']} {report['split']} questions, backend {report['backend']} "
        f"(model {report['model']}), max tokens {report['max_tokens']}\n\n"
    )
    lines = ["| metric | extractive | generated |", "|---|---|---|"]
    for label, key in ROWS:
        lines.append(f"| {label} | {report['extractive'][key]} | {report['generated'][key]} |")
    return head + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MultiHop-RAG folder")
    parser.add_argument("--split", choices=["dev", "test", "all"], default="test")
    parser.add_argument("--limit", type=int, default=30, help="First N questions of the split")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON")
    parser.add_argument("--rows", type=Path, default=None, help="Write per-question JSON lines")
    args = parser.parse_args(argv)

    settings = ours_settings("full")
    if settings.llm == "none":
        print("set NEWSBOT_LLM (and its settings) to the backend to measure", file=sys.stderr)
        return 2
    work = prepare(args.data, settings.data_dir / "multihop", args.split, args.limit)
    engine = Engine(settings)
    engine.index([work.corpus_path])
    engine.warm_up()
    rows = []
    for i, question in enumerate(work.questions, 1):
        rows.append(answer_both(engine, question))
        print(f"{i}/{len(work.questions)}", file=sys.stderr, flush=True)
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert engine.generator is not None
    report = {
        "split": args.split,
        "questions": len(rows),
        "backend": settings.llm,
        "model": engine.generator.model,
        "max_tokens": settings.llm_max_tokens,
        "extractive": summarise(rows, "extractive"),
        "generated": summarise(rows, "generated"),
    }
    print(json.dumps(report, indent=2) if args.json else render(report))
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
