"""Scores of a run (upstream's metrics and ours) and the table that shows them side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.evaluation.answers import summarise_answers
from bot.evaluation.metrics import (
    METRIC_NAMES,
    mean_article_recall,
    mean_evidence_recall,
    score_retrievals,
)
from bot.evaluation.multihop import gold_article_ids, is_null
from bot.evaluation.runner import Retrieved, SystemRun, upstream_items

QUALITY = (*METRIC_NAMES, "evidence_recall@10", "article_recall@10")


def quality(results: Sequence[Retrieved]) -> dict[str, float]:
    """Upstream's four metrics plus evidence and article recall@10, over non-null questions."""
    answerable = [r for r in results if not is_null(r.question)]
    if not answerable:
        return {}
    items = upstream_items(answerable)
    scores = score_retrievals(items)
    scores["evidence_recall@10"] = mean_evidence_recall(items)
    scores["article_recall@10"] = mean_article_recall(
        (gold_article_ids(r.question), r.article_ids) for r in answerable
    )
    return {name: round(scores[name], 4) for name in QUALITY}


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def summarise(run: SystemRun) -> dict[str, Any]:
    """The JSON-ready summary of one system's run."""
    by_type: dict[str, list[Retrieved]] = {}
    for r in run.results:
        if not is_null(r.question):
            by_type.setdefault(r.question["question_type"], []).append(r)
    latencies = np.array([r.latency_ms for r in run.results] or [0.0])
    tokens = [t for r in run.results for t in r.passage_tokens]
    refusals: dict[str, Any] = {"null_refused": None, "answerable_refused": None}
    if any(r.refused is not None for r in run.results):
        refusals = {
            "null_refused": _share([bool(r.refused) for r in run.results if is_null(r.question)]),
            "answerable_refused": _share(
                [bool(r.refused) for r in run.results if not is_null(r.question)]
            ),
        }
    rows = [r.answer for r in run.results if r.answer is not None]
    answers = (
        summarise_answers(rows, [r.ask_ms for r in run.results if r.ask_ms is not None])
        if rows
        else None
    )
    return {
        "questions": len(run.results),
        "answers": answers,
        "answerable": sum(not is_null(r.question) for r in run.results),
        "metrics": quality(run.results),
        "by_question_type": {
            qtype: {"questions": len(group), **quality(group)}
            for qtype, group in sorted(by_type.items())
        },
        "mean_passage_tokens": round(float(np.mean(tokens)), 1) if tokens else 0.0,
        "max_passage_tokens": max(tokens, default=0),
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1),
            "p95": round(float(np.percentile(latencies, 95)), 1),
        },
        "index_seconds": run.index_seconds,
        "index_seconds_this_run": run.index_seconds_this_run,
        "chunks": run.chunks,
        "peak_rss_mb": run.peak_rss_mb,
        **refusals,
        **run.details,
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:,.1f}"
    return str(value)


def render(report: dict[str, Any]) -> str:
    """A plain-text table: one column per system, then per question type."""
    systems = {name: report[name] for name in ("ours", "baseline") if report.get(name)}
    names = list(systems)
    rows: list[tuple[str, list[Any]]] = []
    for metric in QUALITY:
        rows.append((metric, [s["metrics"].get(metric) for s in systems.values()]))
    rows += [
        ("mean passage tokens", [s["mean_passage_tokens"] for s in systems.values()]),
        ("retrieval p50 ms", [s["latency_ms"]["p50"] for s in systems.values()]),
        ("retrieval p95 ms", [s["latency_ms"]["p95"] for s in systems.values()]),
        ("indexing s (cold)", [s["index_seconds"] for s in systems.values()]),
        ("chunks", [s["chunks"] for s in systems.values()]),
        ("peak RSS MB", [s["peak_rss_mb"] for s in systems.values()]),
        ("null refused", [s["null_refused"] for s in systems.values()]),
        ("answerable refused", [s["answerable_refused"] for s in systems.values()]),
    ]
    head = (
        f"MultiHop-RAG, split {report['split']}: {report['questions']} questions "
        f"({report['answerable']} answerable), {report['articles']} articles"
    )
    lines = [head, "", table(["", *names], [[label, *vals] for label, vals in rows])]
    types = sorted({t for s in systems.values() for t in s["by_question_type"]})
    if types:
        header = ["question type", "n"]
        for name in names:
            header += [f"{name} H@10", f"{name} MRR", f"{name} evid", f"{name} art"]
        body = []
        for qtype in types:
            first = next(s for s in systems.values() if qtype in s["by_question_type"])
            row: list[Any] = [qtype, first["by_question_type"][qtype]["questions"]]
            for s in systems.values():
                m = s["by_question_type"].get(qtype, {})
                row += [
                    m.get("Hits@10"),
                    m.get("MRR@10"),
                    m.get("evidence_recall@10"),
                    m.get("article_recall@10"),
                ]
            body.append(row)
        lines += ["", table(header, body)]
    answers = (report.get("ours") or {}).get("answers")
    if answers:
        lines += ["", answer_table(answers), "", yes_no_table(answers)]
    return "\n".join(lines)


ANSWER_ROWS = (
    ("named answer in the answer text", "named_found", "named_ceiling"),
    ("gold facts in the answer's quotes", "fact_recall", "fact_ceiling"),
    ("null questions refused", "null_refused", None),
    ("answerable questions refused", "answerable_refused", None),
    ("untrue citations", "untrue_citations", None),
    ("mean answer words", "mean_words", None),
    ("answers led by a name or number", "led_with_answer", None),
)


def answer_table(answers: dict[str, Any]) -> str:
    """What a reader gets: our answers beside what the top 5 passages already held."""
    rows: list[list[Any]] = [
        [
            label,
            answers[key],
            answers[f"{ceiling}_top5"] if ceiling else None,
            answers[f"{ceiling}_answered"] if ceiling else None,
        ]
        for label, key, ceiling in ANSWER_ROWS
    ]
    rows.append(["ask p50 ms (warm)", answers["ask_ms"]["p50"], None, None])
    rows.append(["ask p95 ms (warm)", answers["ask_ms"]["p95"], None, None])
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(answers["refusal_reasons"].items()))
    head = f"Answers ({answers['named_questions']} named-answer questions)"
    grid = table(["answer", "ours", "top 5 passages", "passages answered from"], rows)
    return f"{head}\n\n{grid}\nrefusals: {reasons or 'none'}"


def yes_no_table(answers: dict[str, Any]) -> str:
    """Verdicts on the yes/no questions by type, and the paper's lenient accuracy."""
    rows = [
        [kind, v["questions"], v["precision_yes"], v["verdicts_yes"], v["precision_no"],
         v["verdicts_no"], v["coverage"], v["strict_accuracy"]]
        for kind, v in answers["yes_no"].items()
    ]  # fmt: skip
    head = ["yes/no", "n", "prec. yes", "yes", "prec. no", "no", "coverage", "strict acc."]
    lenient = ", ".join(f"{t} {_fmt(v)}" for t, v in answers["lenient_by_type"].items())
    return (
        f"{table(head, rows)}\nlenient accuracy (the paper's scorer, all questions): "
        f"{_fmt(answers['lenient_accuracy'])} ({lenient})"
    )


def table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header, *[[_fmt(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = []
    for n, row in enumerate(cells):
        pairs = enumerate(zip(row, widths, strict=True))
        padded = [c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs]
        out.append("  ".join(padded))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
