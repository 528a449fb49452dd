"""The learned ranker: its features, the numpy tree walk, the shipped model, and both settings."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import numpy as np
import pytest

from index.retrieval.learned_ranker import (
    DEFAULT_MODEL,
    FEATURES,
    Candidate,
    _sentence_terms,
    _terms,
    features,
    load_ranker,
)
from index.retrieval.query_analysis import clause_texts, clauses, query_texts
from index.store.sentence_vectors import sentences_of
from index.text import content_terms, quick_sentences
from tests.test_engine_index import corpus  # noqa: F401  (fixture)


def _leaf(value: float) -> dict:
    return {"feature": 0, "threshold": 0.0, "left": 0, "right": 0, "value": value, "leaf": True}


def _tree(nodes: list[dict]) -> dict:
    keys = ("feature", "threshold", "left", "right", "value", "leaf")
    tree = {k: [n[k] for n in nodes] for k in keys}
    tree["depth"] = 2
    return tree


def test_trees_are_walked_as_lightgbm_does(tmp_path: Path) -> None:
    # Tree 1: x0 <= 0.5 ? -1 : (x1 <= 2 ? 0.5 : 2).  Tree 2: a single leaf of 0.25.
    split0 = {"feature": 0, "threshold": 0.5, "left": 1, "right": 2, "value": 0.0, "leaf": False}
    split1 = {"feature": 1, "threshold": 2.0, "left": 3, "right": 4, "value": 0.0, "leaf": False}
    one = _tree([split0, _leaf(-1.0), split1, _leaf(0.5), _leaf(2.0)])
    two = _tree([_leaf(0.25)])
    model = {"features": list(FEATURES), "baseline": -0.1, "trees": [one, two]}
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(model))
    x = np.zeros((3, len(FEATURES)))
    x[:, 0] = [0.5, 0.9, 0.9]  # equal to the threshold goes left, as in LightGBM
    x[:, 1] = [9.0, 2.0, 2.5]
    raw = np.array([-1.0, 0.5, 2.0]) + 0.25 - 0.1
    assert np.allclose(load_ranker(path).score(x), 1 / (1 + np.exp(-raw)))
    assert load_ranker(path).score(np.zeros((0, len(FEATURES)))).shape == (0,)


def test_a_lightgbm_dump_is_flattened_into_the_same_trees(tmp_path: Path) -> None:
    from benchmarks.train_ranker import flatten

    # x0 <= 0.5 ? -1 : (x1 <= 2 ? 0.5 : 2), as LightGBM's dump_model() nests it.
    dump = {
        "split_feature": 0,
        "threshold": 0.5,
        "decision_type": "<=",
        "left_child": {"leaf_value": -1.0},
        "right_child": {
            "split_feature": 1,
            "threshold": 2.0,
            "decision_type": "<=",
            "left_child": {"leaf_value": 0.5},
            "right_child": {"leaf_value": 2.0},
        },
    }
    tree: dict = {k: [] for k in ("feature", "threshold", "left", "right", "value", "leaf")}
    tree["depth"] = flatten(dump, tree)
    assert tree["depth"] == 2
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"features": list(FEATURES), "baseline": 0.0, "trees": [tree]}))
    x = np.zeros((3, len(FEATURES)))
    x[:, 0], x[:, 1] = [0.2, 0.9, 0.9], [9.0, 2.0, 2.5]
    assert np.allclose(load_ranker(path).score(x), 1 / (1 + np.exp(-np.array([-1, 0.5, 2]))))


def test_a_model_for_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"features": ["x"], "baseline": 0, "trees": [_tree([_leaf(1)])]}))
    with pytest.raises(ValueError, match="retrain"):
        load_ranker(path)


def test_the_shipped_model_loads_and_scores_between_0_and_1() -> None:
    ranker = load_ranker(DEFAULT_MODEL)
    x = np.random.default_rng(0).random((50, len(FEATURES)))
    p = ranker.score(x)
    assert p.shape == (50,) and np.all((p > 0) & (p < 1))


def _candidate(
    i: int, text: str, source: str = "Wire", doc: str | None = None, vectors=None
) -> Candidate:
    return Candidate(
        node_id=f"c{i}",
        doc_id=doc or f"d{i}",
        text=text,
        title=f"Title {i}",
        source=source,
        date="2023-10-01",
        chunk=i,
        sentence_vectors=np.ones((1, 4)) / 2 if vectors is None else vectors,
        fused=1.0 / (i + 1),
        fused_rank=i,
        bm25=10.0 - i,
        bm25_rank=i,
        cosine=0.5 - i / 10,
    )


def test_features_see_the_named_publication_and_the_best_sentence() -> None:
    pool = [
        _candidate(0, "Apples were sold. The lighthouse lamp shines again at night.", "The Verge"),
        _candidate(1, "Lighthouse news. Lamp news. It shines. Night news.", "Fortune"),
    ]
    x = features("Which lighthouse lamp shines at night?", ["The Verge"], [], pool, np.ones((2, 4)))
    col = {name: i for i, name in enumerate(FEATURES)}
    assert x.shape == (2, len(FEATURES))
    assert x[:, col["source_match"]].tolist() == [1.0, 0.0]
    assert x[:, col["names_source"]].tolist() == [1.0, 1.0]
    assert x[:, col["names_date"]].tolist() == [0.0, 0.0]
    # Both passages hold every term, but only the first holds them in one sentence.
    assert x[0, col["coverage"]] == pytest.approx(x[1, col["coverage"]])
    assert x[0, col["sentence_coverage"]] > x[1, col["sentence_coverage"]]
    assert x[0, col["fused"]] == 1.0 and x[1, col["cosine_gap"]] == pytest.approx(-0.1)


def test_the_sentence_term_cells_are_each_sentences_terms_and_cost_the_collector_nothing() -> None:
    long = " ".join(f"Sentence {i} names lamp{i % 7} and the lighthouse." for i in range(80))
    pool = [
        _candidate(0, "Apples were sold. The lighthouse lamp shines again at night."),
        _candidate(1, long),  # more sentences than a 64-bit mask holds
        _candidate(2, ""),
        _candidate(3, "Lighthouse news.\n\nLamp news. It shines. Night news."),
    ]
    query = "Which lighthouse lamp shines at night, and who sold lamp3 and lamp6?"
    got = _terms(query, pool)
    wanted = content_terms(query)
    sentences = [quick_sentences(c.text) for c in pool]
    assert got.counts.tolist() == [len(s) for s in sentences]
    expected = np.array(
        [[t in content_terms(s) for t in sorted(wanted)] for per in sentences for s in per]
    )
    assert got.in_sentence.shape == expected.shape and (got.in_sentence == expected).all()
    assert got.in_sentence[:, got.column["lamp3"]].sum() == 11  # sentences 3, 10, ..., 73
    # The cached cells hold strings and ints only: nothing Python's cycle collector walks.
    count, masks = _sentence_terms("c1", long)
    assert count == 80 and masks and not gc.is_tracked(masks)


def test_a_passage_answering_one_clause_ranks_first_for_that_clause() -> None:
    pool = [
        _candidate(0, "The harbour lighthouse was repainted red."),
        _candidate(1, "A museum opened its doors to visitors in spring."),
        _candidate(2, "Red paint and visitors, harbour news."),
    ]
    question = "Was the harbour lighthouse repainted, while the museum opened to visitors?"
    assert clauses(question) == [
        frozenset({"harbour", "lighthous", "repaint"}),
        frozenset({"museum", "open", "visitor"}),
    ]
    x = features(question, [], [], pool, np.ones((3, 4)))
    col = {name: i for i, name in enumerate(FEATURES)}
    # Each of the first two answers one clause whole, though neither covers the question.
    assert x[:2, col["clause_coverage"]].tolist() == [1.0, 1.0]
    assert x[:2, col["clause_rank"]].tolist() == [0.0, 0.0]
    assert x[2, col["clause_coverage"]] < 1.0 and x[2, col["clause_rank"]] > 0.0
    assert max(x[:, col["coverage"]]) < 0.6
    assert x[0, col["clauses"]] == 2.0


@pytest.mark.parametrize("ranker", ["learned", "rrf"])
def test_both_rankers_find_the_article_that_answers(make_engine, corpus, ranker) -> None:  # noqa: F811
    engine = make_engine(ranker=ranker)
    engine.index([corpus])
    assert (engine.retriever.ranker is None) == (ranker == "rrf")
    hits = engine.retriever.search("How much did restoring the lighthouse cost?", 3).hits
    assert hits[0].node.metadata["title"] == "Lighthouse shines again"
    assert all(h.score >= 0 for h in hits)


def test_sentence_vectors_find_the_sentence_that_says_a_clause_in_other_words(embedder) -> None:
    question = "Was the harbour lighthouse repainted, while the museum opened to visitors?"
    assert [c.strip() for c in clause_texts(question)] == [
        "Was the harbour lighthouse repainted",
        "while the museum opened to visitors",
    ]
    texts = [
        "Parking fees rose again. The old tower guiding ships into the port got a fresh coat "
        "of red. The council met on Tuesday.",
        "Spring came early this year. For the first time, the public walked through the "
        "gallery of local history.",
        "Bus timetables change next week. Bakeries report higher flour prices.",
    ]
    pool = [_candidate(i, t, vectors=embedder.embed(sentences_of(t))) for i, t in enumerate(texts)]
    x = features(question, [], [], pool, embedder.embed(query_texts(question)))
    col = {name: i for i, name in enumerate(FEATURES)}
    # Each of the first two holds the one sentence that best says one clause.
    assert x[:2, col["clause_cosine_rank"]].tolist() == [0.0, 0.0]
    assert x[2, col["clause_cosine_rank"]] > 0.0
    assert x[2, col["clause_cosine"]] < min(x[:2, col["clause_cosine"]])
    assert x[:, col["clause_cosine_gap"]].max() == 0.0
    assert x[:, col["sentence_cosine_gap"]].max() == 0.0
    # A passage's best sentence says its clause better than the passage as a whole does.
    whole = embedder.embed([texts[0]])[0] @ embedder.embed([clause_texts(question)[0]])[0]
    assert x[0, col["clause_cosine"]] > whole
