"""Train the learned ranker (index/ranker.json) on MultiHop-RAG's dev split.

    pip install scikit-learn
    NEWSBOT_DATA_DIR=/path/to/eval-data python benchmarks/train_ranker.py [--data DIR]

Indexes the corpus into the benchmark collection (as `newsbot eval multihop` does; reused when
unchanged), gathers every dev question's candidate pool with the engine's own code, labels a
passage positive when it holds a whole gold fact (upstream's whitespace-free substring test),
and fits gradient-boosted trees on the features of `index/ranking.py`. Before writing the model
it reports a 2-fold cross-fitted score on dev (each half ranked by trees trained on the other
half), beside plain fusion on the same questions, so the dev figure is not a training score.
Only dev questions are read; the test split stays for reporting.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.engine import Engine  # noqa: E402
from index.evaluation.metrics import normalise  # noqa: E402
from index.evaluation.multihop import is_null  # noqa: E402
from index.evaluation.runner import ours_settings, prepare  # noqa: E402
from index.ranking import DEFAULT_MODEL, FEATURES, features  # noqa: E402
from index.retrieval import HybridRetriever  # noqa: E402

PARAMS = dict(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=50)


def gather(retriever: HybridRetriever, questions: list[dict]) -> list[dict]:
    """Each question's pool: hits (for picking), features, labels, gold facts."""
    out = []
    n = retriever.fusion.candidates
    for i, q in enumerate(questions):
        vector = retriever.embedder.embed([q["query"]])[0].tolist()
        got = retriever.gather(q["query"], vector, n, wide=True)
        pool = retriever.pool(got, vector)
        sources, dates = got.analysis.sources, got.analysis.dates
        facts = [normalise(ev["fact"]) for ev in q["evidence_list"]]
        texts = [normalise(h.node.get_content()) for h, _ in pool]
        out.append(
            dict(
                question=q,
                hits=[h for h, _ in pool],
                fused=[h.score for h, _ in pool],
                x=features(q["query"], sources, dates, [c for _, c in pool]),
                found=[{j for j, f in enumerate(facts) if f in t} for t in texts],
            )
        )
        if i % 100 == 0:
            print(f"gathered {i}/{len(questions)}", file=sys.stderr)
    return out


def fit(items: list[dict]):
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.concatenate([it["x"] for it in items])
    y = np.concatenate([[bool(f) for f in it["found"]] for it in items])
    return HistGradientBoostingClassifier(**PARAMS, random_state=0).fit(x, y)


def top10(retriever: HybridRetriever, item: dict, scores: np.ndarray) -> list[int]:
    """Positions (in the pool) of the 10 passages search() would return with these scores."""
    for hit, s in zip(item["hits"], scores, strict=True):
        hit.score = float(s)
    order = sorted(item["hits"], key=lambda h: h.score, reverse=True)
    picked = retriever.pick(item["question"]["query"], order, 10)
    where = {id(h): i for i, h in enumerate(item["hits"])}
    return [where[id(h)] for h in picked]


def score(retriever: HybridRetriever, items: list[dict], scores: list[np.ndarray]) -> dict:
    hits = rr = evidence = articles = 0.0
    for it, s in zip(items, scores, strict=True):
        top = top10(retriever, it, s)
        first = next((r for r, i in enumerate(top) if it["found"][i]), None)
        hits += first is not None
        rr += 1 / (first + 1) if first is not None else 0.0
        found = set().union(*(it["found"][i] for i in top))
        evidence += len(found) / len(it["question"]["evidence_list"])
        urls = {ev["url"] for ev in it["question"]["evidence_list"]}
        docs = {it["hits"][i].node.metadata.get("doc_id") for i in top}
        articles += len(urls & docs) / len(urls)
    n = len(items)
    return {
        "Hits@10": round(hits / n, 3),
        "MRR@10": round(rr / n, 3),
        "evidence recall@10": round(evidence / n, 3),
        "article recall@10": round(articles / n, 3),
    }


def export(model) -> dict:
    """The fitted trees as plain arrays (see TreeRanker.load)."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append(
            {
                "feature": nodes["feature_idx"].tolist(),
                "threshold": nodes["num_threshold"].tolist(),
                "left": nodes["left"].tolist(),
                "right": nodes["right"].tolist(),
                "value": nodes["value"].tolist(),
                "leaf": nodes["is_leaf"].astype(bool).tolist(),
                "depth": int(nodes["depth"].max()),
            }
        )
    baseline = float(np.ravel(model._baseline_prediction)[0])
    return {"features": list(FEATURES), "baseline": baseline, "params": PARAMS, "trees": trees}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/eval/multihop-rag")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()

    settings = ours_settings("full", ranker="rrf")
    work = prepare(args.data, settings.data_dir / "multihop", "dev")
    engine = Engine(settings)
    engine.index([work.corpus_path])
    retriever = engine.retriever
    items = gather(retriever, [q for q in work.questions if not is_null(q)])

    halves = items[0::2], items[1::2]
    crossed: dict[int, np.ndarray] = {}
    for train, held in (halves, halves[::-1]):
        model = fit(train)
        for it in held:
            crossed[id(it)] = model.predict_proba(it["x"])[:, 1]
    report = {
        "questions": len(items),
        "fusion": score(retriever, items, [np.asarray(it["fused"]) for it in items]),
        "learned (2-fold cross-fitted)": score(retriever, items, [crossed[id(it)] for it in items]),
    }
    model = fit(items)
    exported = export(model)
    args.out.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")
    # The numpy evaluator must agree with scikit-learn.
    from index.ranking import TreeRanker

    x = np.concatenate([it["x"] for it in items[:50]])
    gap = np.abs(TreeRanker.load(args.out).score(x) - model.predict_proba(x)[:, 1]).max()
    report["numpy vs scikit-learn, largest difference"] = float(gap)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
