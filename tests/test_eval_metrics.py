"""MultiHop-RAG metrics must reproduce upstream's numbers, or our scores are not comparable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.evaluation.metrics import (
    article_recall,
    calculate_metrics,
    evidence_recall,
    mean_article_recall,
    mean_evidence_recall,
    score_query,
    score_retrievals,
)
from bot.evaluation.multihop import (
    gold_article_ids,
    is_null,
    load_corpus,
    load_questions,
    slice_corpus,
)

DATA_DIR = Path("/work/shared/eval/multihop-rag")
needs_data = pytest.mark.skipif(not DATA_DIR.is_dir(), reason="MultiHop-RAG data not present")


def _item(qtype: str, gold: list[str], retrieved: list[str]) -> dict:
    """An upstream-shaped item with evidence dicts, as the official output files hold."""
    return {
        "query": "q",
        "answer": "a",
        "question_type": qtype,
        "gold_list": [{"fact": f} for f in gold],
        "retrieval_list": [{"text": t, "score": 0.0} for t in retrieved],
    }


@needs_data
def test_official_sample_matches_upstream_script() -> None:
    items = json.loads((DATA_DIR / "llm-embedder_retrieval_test.json").read_text("utf-8"))
    scores = {k: round(v, 4) for k, v in score_retrievals(items).items()}
    assert scores == {"Hits@10": 0.75, "Hits@4": 0.625, "MAP@10": 0.2746, "MRR@10": 0.5491}


def test_map_credits_each_fact_once_at_its_first_rank() -> None:
    # Facts A, B, C; rank 2 finds A and B, rank 3 finds A again, rank 5 finds C.
    retrieved = ["x", "A.. B", "A", "y", "C!", "A B C"]
    score = score_query(retrieved, ["A", "B", "C"])
    assert score.hit_at_4 and score.hit_at_10
    assert score.reciprocal_rank == pytest.approx(1 / 2)
    assert score.average_precision == pytest.approx((2 / 2 + 1 / 5) / 3)


def test_whitespace_and_newlines_are_ignored_and_rank_11_is_not_counted() -> None:
    assert score_query(["the\nfox  ran"], ["thefox ran"]).hit_at_4
    late = score_query([*(["miss"] * 10), "fact"], ["fact"])
    assert not late.hit_at_10 and late.average_precision == 0 and late.reciprocal_rank == 0


def test_null_queries_are_skipped() -> None:
    items = [_item("inference_query", ["f"], ["f"]), _item("null_query", [], ["f"])]
    assert score_retrievals(items) == {"Hits@10": 1.0, "Hits@4": 1.0, "MAP@10": 1.0, "MRR@10": 1.0}
    with pytest.raises(ValueError):
        calculate_metrics([["f"]], [[]])


def test_evidence_recall() -> None:
    retrieved = ["one fact here", "noise", "an other\nfact"]
    gold = ["onefact", "another fact", "missing", "onefact"]  # duplicate counted once
    assert evidence_recall(retrieved, gold) == pytest.approx(2 / 3)
    assert evidence_recall(retrieved, gold, k=1) == pytest.approx(1 / 3)
    items = [
        _item("comparison_query", gold, retrieved),
        _item("inference_query", ["x"], ["x"]),
        _item("null_query", [], []),
    ]
    assert mean_evidence_recall(items) == pytest.approx((2 / 3 + 1) / 2)


def test_article_recall() -> None:
    retrieved = ["u1", "u1", "u3", *(["u9"] * 7), "u2"]  # u2 only at rank 11
    assert article_recall(["u1", "u2", "u1"], retrieved) == pytest.approx(1 / 2)
    assert article_recall(["u1", "u2", "u3"], retrieved, k=2) == pytest.approx(1 / 3)
    pairs = [(["u1", "u3"], retrieved), (["u2"], retrieved)]
    assert mean_article_recall(pairs) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        article_recall([], retrieved)


@needs_data
def test_split_sizes_and_positions() -> None:
    every = load_questions(DATA_DIR, "all")
    dev = load_questions(DATA_DIR, "dev")
    test = load_questions(DATA_DIR, "test")
    assert (len(every), len(dev), len(test)) == (2556, 1278, 1278)
    assert [q["index"] for q in dev[:3]] == [0, 2, 4]
    assert [q["index"] for q in test[:3]] == [1, 3, 5]
    assert dev[1]["query"] == every[2]["query"]
    with pytest.raises(ValueError):
        load_questions(DATA_DIR, "train")  # type: ignore[arg-type]


@needs_data
def test_slice_keeps_only_answerable_questions() -> None:
    corpus = load_corpus(DATA_DIR)
    questions = load_questions(DATA_DIR, "all")
    assert len(corpus) == 609
    articles, subset = slice_corpus(corpus, questions, 20)
    assert articles == corpus[:20]
    urls = {a["url"] for a in articles}
    answerable = [q for q in subset if not is_null(q)]
    assert answerable and all(set(gold_article_ids(q)) <= urls for q in answerable)
    assert 0 < sum(map(is_null, subset)) < len(answerable)
    indices = [q["index"] for q in subset]
    assert indices == sorted(indices)
    assert len(slice_corpus(corpus, questions, 20, n_null=0)[1]) == len(answerable)
