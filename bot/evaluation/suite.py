"""`newsbot eval multihop` without the command line: prepare, run ours and the baseline, score."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.evaluation.baseline import run_baseline
from bot.evaluation.folder import eval_data_dir
from bot.evaluation.multihop import Split
from bot.evaluation.report import summarise
from bot.evaluation.runner import (
    CUTOFF,
    Workload,
    ours_settings,
    prepare,
    run_ours,
    upstream_items,
)
from index.settings import load_settings

if TYPE_CHECKING:
    from index.engine import Engine

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
    per question in upstream's file shape. One engine serves both systems: ours through its
    door, the baseline through the llama-index parts it lends (the same model, the same store).
    """
    from index.engine import Engine

    # The eval's own folder, beside the user's index (bot/evaluation/folder.py).
    folder = eval_data_dir(load_settings(**overrides), overrides)
    tag = "full" if articles is None else f"a{articles}"
    settings = ours_settings(tag, **{**overrides, "data_dir": folder})
    work = prepare(data, settings.data_dir / "multihop", split, limit, articles)
    engine = Engine(settings)
    try:
        return _evaluate(work, engine, data, split, k, baseline, retrievals, progress)
    finally:
        engine.close()


def _evaluate(
    work: Workload,
    engine: Engine,
    data: Path,
    split: Split,
    k: int,
    baseline: bool,
    retrievals: Path | None,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    ours = run_ours(work, engine, k, progress)
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
        report["baseline"] = summarise(run_baseline(work, engine, k, progress))
    return report
