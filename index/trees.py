"""Gradient-boosted trees, exported from LightGBM as JSON and walked with numpy: the passage
ranker, the sentence selector, the lead's name ranker and the slot ranker all score with this, so
no learning library is needed at run time (`benchmarks/train_*.py` fit them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class TreeRanker:
    """Gradient-boosted trees (exported from LightGBM) scoring candidates with numpy.

    All trees' nodes sit in flat arrays, each split's two children side by side and each leaf
    its own first child, so every (tree, row) pair takes one step per level with a few `take`
    calls: scoring a few hundred candidates is a handful of array operations, not one per
    node. Trees are kept deepest first, so a level only walks the trees that reach it.
    """

    def __init__(
        self,
        trees: list[dict],
        baseline: float,
        names: Sequence[str],
        expected: Sequence[str],
    ) -> None:
        if tuple(names) != tuple(expected):
            raise ValueError("the trees were trained on other features; retrain them")
        trees = sorted(trees, key=lambda t: -int(t["depth"]))
        nodes: list[tuple[int, float, int, float]] = []
        roots = []
        for tree in trees:
            roots.append(len(nodes))
            nodes += _children_side_by_side(tree, base=len(nodes))
        feature, threshold, first, value = zip(*nodes, strict=True) if nodes else ((),) * 4
        self.roots = np.asarray(roots, dtype=np.int64)
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=float)
        self.first = np.asarray(first, dtype=np.int64)
        self.value = np.asarray(value, dtype=float)
        depths = np.asarray([int(t["depth"]) for t in trees])
        # How many trees (the deepest, listed first) still split at each level.
        self.active = [int((depths > level).sum()) for level in range(int(depths.max(initial=0)))]
        self.baseline = baseline

    @classmethod
    def load(cls, path: Path, expected: Sequence[str]) -> TreeRanker:
        """Trees saved as JSON ({"trees", "baseline", "features"}), checked to have been
        trained on `expected` features."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["trees"], float(data["baseline"]), data["features"], expected)

    def score(self, x: np.ndarray) -> np.ndarray:
        """Each row's score in (0, 1): the logistic of the trees' sum. Higher means more likely
        to hold evidence for the question; the trees rank a question's pool, so it is an order,
        not a calibrated probability."""
        if len(x) == 0:
            return np.zeros(0)
        width = x.shape[1]
        cells = x.ravel()
        row_start = (np.arange(len(x)) * width)[None, :]
        node = np.repeat(self.roots[:, None], len(x), axis=1)
        for active in self.active:
            here = node[:active]
            value = cells.take(row_start + self.feature.take(here))
            # At or below the threshold goes left (the first child), as in LightGBM.
            node[:active] = self.first.take(here) + (value > self.threshold.take(here))
        raw = self.baseline + self.value.take(node).sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))


def _children_side_by_side(tree: dict, base: int) -> list[tuple[int, float, int, float]]:
    """`tree`'s nodes in breadth-first order as (feature, threshold, first child, value), with
    positions offset by `base`: a split's children are next to each other, and a leaf is its
    own first child with an infinite threshold, so walking past it stays on it."""
    order, position = [0], {0: 0}
    for old in order:  # grows while it is walked
        if not tree["leaf"][old]:
            for child in (tree["left"][old], tree["right"][old]):
                position[child] = len(order)
                order.append(child)
    out = []
    for old in order:
        if tree["leaf"][old]:
            out.append((0, np.inf, base + position[old], tree["value"][old]))
        else:
            first = base + position[tree["left"][old]]
            out.append((tree["feature"][old], tree["threshold"][old], first, tree["value"][old]))
    return out
