"""`newsbot eval multihop` without the command line: prepare, run ours and the baseline, score."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.evaluation.baseline import run_baseline
from bot.evaluation.folder import eval_data_dir
from bot.evaluation.multihop import Split
from bot.evaluation.report import summarise
from bot.evaluation.runner import CUTOFF, ours_settings, prepare, run_ours, upstream_items
from index.settings import load_settings

log = logging.getLogger(__name__)


def evaluate(
    data: Path,
    split: Split = "dev",
    limit: int | None = None,
    articles: int | None = None,
    k: int = CUTOFF,
    baseline: bool = True,
    retrievals: Path | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Run the benchmark and return its JSON-ready report.

    `overrides` are engine settings (e.g. `chunk_size=256`); `retrievals` receives our top k
    per question in upstream's file shape.
    """
    from index.embedding import OnnxEmbedding

    # The eval's own folder, beside the user's index (bot/evaluation/folder.py).
    folder = eval_data_dir(load_settings(**overrides), overrides)
    tag = "full" if articles is None else f"a{articles}"
    settings = ours_settings(tag, **{**overrides, "data_dir": folder})
    work = prepare(data, settings.data_dir / "multihop", split, limit, articles)
    embedder = OnnxEmbedding(
        settings.embedding_model,
        settings.embedding_tokenizer,
        batch_size=settings.embedding_batch_size,
        threads=settings.embedding_threads,
    )
    ours = run_ours(work, settings, embedder, k, progress)
    report: dict[str, Any] = {
        "benchmark": "MultiHop-RAG",
        "data": str(data),
        "split": split,
        "k": k,
        "articles": work.articles,
        "questions": len(work.questions),
        "answerable": sum(q["question_type"] != "null_query" for q in work.questions),
        "ours": summarise(ours),
        "baseline": None,
    }
    if retrievals is not None:
        retrievals.parent.mkdir(parents=True, exist_ok=True)
        retrievals.write_text(
            json.dumps(upstream_items(ours.results), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    if baseline:
        report["baseline"] = summarise(run_baseline(work, settings, embedder, k, progress))
    return report
