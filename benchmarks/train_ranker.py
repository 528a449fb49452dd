"""Train the learned ranker (index/retrieval/ranker.json) on MultiHop-RAG's dev split.

    pip install lightgbm
    NEWSBOT_DATA_DIR=/path/to/eval-data python benchmarks/train_ranker.py [--data DIR]

Indexes the corpus into the benchmark collection (as `newsbot eval multihop` does; reused when
unchanged), gathers every dev question's candidate pool with the engine's own code, labels a
passage positive when it holds a whole gold fact (upstream's whitespace-free substring test),
and fits gradient-boosted trees on the features of
`index/retrieval/learned_ranker.py` with LightGBM's
LambdaRank objective: each question's pool is ranked as a whole, with the top 10 weighted most,
instead of each passage classified on its own. Before writing the model
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

from bot.evaluation.metrics import normalise  # noqa: E402
from bot.evaluation.multihop import is_null  # noqa: E402
from bot.evaluation.runner import ours_settings, prepare  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.retrieval.hybrid import HybridRetriever  # noqa: E402
from index.retrieval.learned_ranker import DEFAULT_MODEL, FEATURES, features  # noqa: E402

PARAMS = dict(
    objective="lambdarank",
    lambdarank_truncation_level=10,  # the pairs that can change the top 10
    n_estimators=300,
    learning_rate=0.05,
    num_leaves=15,
    min_child_samples=50,
    verbose=-1,
)


def gather(retriever: HybridRetriever, questions: list[dict]) -> list[dict]:
    """Each question's pool: hits (for picking), features, labels, gold facts."""
    out = []
    n = retriever.fusion.candidates
    for i, q in enumerate(questions):
        vectors = retriever.query_vectors(q["query"])
        vector = vectors[0].tolist()
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
                x=features(q["query"], sources, dates, [c for _, c in pool], vectors),
                found=[{j for j, f in enumerate(facts) if f in t} for t in texts],
            )
        )
        if i % 100 == 0:
            print(f"gathered {i}/{len(questions)}", file=sys.stderr)
    return out


def fit(items: list[dict]):
    from lightgbm import LGBMRanker

    x = np.concatenate([it["x"] for it in items])
    y = np.concatenate([[bool(f) for f in it["found"]] for it in items]).astype(int)
    return LGBMRanker(**PARAMS, random_state=0).fit(x, y, group=[len(it["x"]) for it in items])


def predict(model, x: np.ndarray) -> np.ndarray:
    """The model's scores squashed into (0, 1), as TreeRanker.score gives them."""
    return 1.0 / (1.0 + np.exp(-model.predict(x)))


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


def flatten(node: dict, tree: dict, depth: int = 0) -> int:
    """Append LightGBM's nested `node` to the flat arrays of `tree`; its subtree's depth."""
    i = len(tree["value"])
    for key in ("feature", "threshold", "left", "right"):
        tree[key].append(0)
    tree["value"].append(float(node.get("leaf_value", 0.0)))
    tree["leaf"].append("leaf_value" in node)
    if "leaf_value" in node:
        return depth
    if node["decision_type"] != "<=":
        raise ValueError(f"unexpected split {node['decision_type']}")
    tree["feature"][i], tree["threshold"][i] = node["split_feature"], float(node["threshold"])
    tree["left"][i] = len(tree["value"])
    deepest = flatten(node["left_child"], tree, depth + 1)
    tree["right"][i] = len(tree["value"])
    return max(deepest, flatten(node["right_child"], tree, depth + 1))


def tree_arrays(model) -> list[dict]:
    """A fitted LightGBM model's trees as plain arrays (the shape TreeRanker reads)."""
    trees = []
    for info in model.booster_.dump_model()["tree_info"]:
        tree: dict = {key: [] for key in ("feature", "threshold", "left", "right", "value", "leaf")}
        tree["depth"] = flatten(info["tree_structure"], tree)
        trees.append(tree)
    return trees


def export(model) -> dict:
    """The fitted trees as plain arrays (see TreeRanker.load)."""
    return {
        "features": list(FEATURES),
        "baseline": 0.0,
        "params": PARAMS,
        "trees": tree_arrays(model),
    }


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
            crossed[id(it)] = predict(model, it["x"])
    report = {
        "questions": len(items),
        "fusion": score(retriever, items, [np.asarray(it["fused"]) for it in items]),
        "learned (2-fold cross-fitted)": score(retriever, items, [crossed[id(it)] for it in items]),
    }
    model = fit(items)
    exported = export(model)
    args.out.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")
    # The numpy evaluator must agree with LightGBM.
    from index.retrieval.learned_ranker import load_ranker

    x = np.concatenate([it["x"] for it in items[:50]])
    gap = np.abs(load_ranker(args.out).score(x) - predict(model, x)).max()
    report["numpy vs LightGBM, largest difference"] = float(gap)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
