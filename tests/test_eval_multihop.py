"""CI smoke test of `newsbot eval multihop` on a 40-article slice of MultiHop-RAG.

Runs the real command (our engine and the llama-index baseline, both embedding the slice) on a
temporary data directory, then re-scores the `--retrievals` file with the metrics module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.evaluation.metrics import mean_evidence_recall, score_retrievals
from tests.conftest import MULTIHOP

DATA_DIR = MULTIHOP
needs_data = pytest.mark.skipif(not DATA_DIR.is_dir(), reason="MultiHop-RAG data not present")

QUALITY = ("Hits@10", "Hits@4", "MAP@10", "MRR@10", "evidence_recall@10", "article_recall@10")


SAID: dict[str, str] = {}  # what each run wrote on stderr, by its extra arguments


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict], Path]:
    data_dir = tmp_path_factory.mktemp("eval-data")
    retrievals = data_dir / "retrievals.json"
    report = _run(data_dir, "--retrievals", str(retrievals))
    return report, json.loads(retrievals.read_text(encoding="utf-8")), data_dir


def _run(data_dir: Path, *extra: str) -> dict:
    args = ["eval", "multihop", "--data", str(DATA_DIR), "--articles", "40", "--split", "dev"]
    result = CliRunner().invoke(
        cli, [*args, "--json", *extra], env={"NEWSBOT_DATA_DIR": str(data_dir)}
    )
    assert result.exit_code == 0, result.output
    SAID[" ".join(extra)] = result.stderr
    return json.loads(result.stdout)


@needs_data
def test_the_eval_keeps_its_own_folder_and_shows_progress(smoke_run: tuple) -> None:
    """The user's index is left as it was (the eval's store is <data_dir>/eval), and indexing
    says how far it got without a terminal (CliRunner's stderr is none)."""
    from index.engine import Engine
    from index.settings import load_settings

    _, _, data_dir = smoke_run
    assert (data_dir / "eval" / "chroma").is_dir()
    users = Engine(load_settings(data_dir=data_dir))
    try:
        assert users.stats().articles == 0
    finally:
        users.close()
    said = next(v for k, v in SAID.items() if k.startswith("--retrievals"))
    assert "indexing 40 of 40 articles" in said and f"{data_dir / 'eval'}" in said
    assert "Embedding: " in said and "(100 %)" in said


@needs_data
def test_report_has_ours_and_baseline_with_metrics_in_range(smoke_run: tuple) -> None:
    report, _, _ = smoke_run
    assert report["split"] == "dev" and report["articles"] == 40
    assert report["questions"] > report["answerable"] > 0
    for name in ("ours", "baseline"):
        system = report[name]
        assert set(QUALITY) <= set(system["metrics"])
        assert all(0.0 <= system["metrics"][m] <= 1.0 for m in QUALITY)
        assert system["by_question_type"]
        assert system["latency_ms"]["p95"] >= system["latency_ms"]["p50"] > 0
        assert system["mean_passage_tokens"] > 0 and system["chunks"] > 0
    ours = report["ours"]
    assert 0.0 <= ours["null_refused"] <= 1.0 and 0.0 <= ours["answerable_refused"] <= 1.0
    # Fairness: a passage holds at most about 256 tokens of article text.
    assert ours["max_passage_tokens"] <= 256


@needs_data
def test_report_has_the_answer_table(smoke_run: tuple) -> None:
    """What the reader gets: every citation true, and the answers hold what the passages hold
    (floors well below the full test figures, to catch a broken answer layer, not to tune)."""
    answers = smoke_run[0]["ours"]["answers"]
    assert answers["untrue_citations"] == 0
    assert answers["named_questions"] > 0
    for key in ("named_found", "fact_recall", "null_refused", "answerable_refused"):
        assert 0.0 <= answers[key] <= 1.0
    assert answers["named_found"] <= answers["named_ceiling_top5"] + 0.2
    assert answers["fact_recall"] >= 0.25 and answers["named_found"] >= 0.4
    assert 0 < answers["mean_words"] <= 130
    assert answers["ask_ms"]["p95"] >= answers["ask_ms"]["p50"] > 0


@needs_data
def test_retrievals_file_rescores_to_the_reported_numbers(smoke_run: tuple) -> None:
    report, items, _ = smoke_run
    assert len(items) == report["questions"]
    first = items[0]
    assert set(first) == {"query", "answer", "question_type", "gold_list", "retrieval_list"}
    assert all(set(r) == {"text", "score"} for r in first["retrieval_list"])
    assert all(len(it["retrieval_list"]) <= 10 for it in items)
    rescored = {k: round(v, 4) for k, v in score_retrievals(items).items()}
    reported = report["ours"]["metrics"]
    assert rescored == {k: reported[k] for k in rescored}
    assert round(mean_evidence_recall(items), 4) == reported["evidence_recall@10"]


@needs_data
def test_second_run_reuses_both_collections(smoke_run: tuple) -> None:
    first, _, data_dir = smoke_run
    assert first["ours"]["chunks_embedded_this_run"] > 0
    assert first["baseline"]["chunks_embedded_this_run"] > 0
    again = _run(data_dir, "--limit", "5")
    assert again["questions"] == 5
    assert "holds the corpus already" in SAID["--limit 5"]
    assert again["ours"]["chunks_embedded_this_run"] == 0
    assert again["baseline"]["chunks_embedded_this_run"] == 0
    assert again["ours"]["index_seconds"] == first["ours"]["index_seconds"]
    assert again["ours"]["chunks"] == first["ours"]["chunks"]
