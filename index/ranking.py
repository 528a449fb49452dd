"""The learned ranker: scores every fused candidate from what retrieval already knows about it.

Reciprocal rank fusion only sees ranks. This ranker sees the signals behind them (BM25 score
and rank, cosine and its gap to the best, whether the passage is from a publication or date
the question names, how much of the question its best sentence and its article cover, how
its article fares overall) and combines them with gradient-boosted trees, trained on the
MultiHop-RAG dev split (`benchmarks/train_ranker.py`). None of the features names a
publication, a word or anything else particular to that corpus, so the trees carry over to
any news corpus; `NEWSBOT_RANKER=rrf` switches back to plain fusion.

The trees are stored as JSON and evaluated with numpy, so no learning library is needed at
run time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_MODEL = Path(__file__).with_name("ranker.json")

FEATURES = (
    "fused",  # fused RRF score / the best one
    "bm25",  # BM25 score / the best one (0 when not in the BM25 list)
    "bm25_rank",  # log(1 + rank) in the BM25 list
    "cosine",  # cosine similarity with the question
    "cosine_gap",  # cosine minus the best candidate's
    "cosine_rank",  # log(1 + rank) among the candidates by cosine
    "names_source",  # the question names a publication of the index
    "source_match",  # the passage is from a publication the question names
    "names_date",  # the question names a full date
    "date_match",  # the passage's article is from a date the question names
    "coverage",  # IDF-weighted share of the question's terms in the passage
    "title_coverage",  # ... in its article's title
    "sentence_coverage",  # ... in its best sentence
    "sentence_coverage_2",  # ... in its best two sentences, summed
    "article_bm25_rank",  # log(1 + BM25 rank of the article's best passage)
    "article_cosine",  # best cosine among the article's candidates
    "article_coverage",  # share of the question's terms in the article's candidates
    "chunk_index",  # log(1 + position of the passage in its article)
    "fused_rank",  # log(1 + rank) in the fused list
)

_SENTENCE = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])|\n+")


@dataclass
class Candidate:
    """What retrieval knows about one passage before ranking it."""

    node_id: str
    doc_id: str
    text: str
    title: str
    source: str
    date: str
    chunk: int
    fused: float = 0.0
    fused_rank: int = 1000
    bm25: float = 0.0
    bm25_rank: int = 1000
    cosine: float = 0.0


@lru_cache(maxsize=50_000)
def _sentence_terms(node_id: str, text: str) -> tuple[frozenset[str], ...]:
    from index.answering import content_terms

    return tuple(frozenset(content_terms(s)) for s in _SENTENCE.split(text) if s.strip())


def features(
    query: str, sources: Sequence[str], dates: Sequence[str], pool: Sequence[Candidate]
) -> np.ndarray:
    """One row of FEATURES per candidate."""
    from index.answering import cached_terms, content_terms

    wanted = content_terms(query)
    sentences = [_sentence_terms(c.node_id, c.text) for c in pool]
    passage = [frozenset().union(*s) & wanted for s in sentences]
    df = {t: sum(t in p for p in passage) for t in wanted}
    idf = {t: math.log(1 + len(pool) / (1 + df[t])) for t in wanted}
    total = sum(idf.values()) or 1.0

    def share(terms: frozenset[str]) -> float:
        return sum(idf[t] for t in terms & wanted) / total

    best_fused = max((c.fused for c in pool), default=0.0) or 1.0
    best_bm25 = max((c.bm25 for c in pool), default=0.0) or 1.0
    best_cos = max((c.cosine for c in pool), default=0.0)
    by_cos = sorted(range(len(pool)), key=lambda i: -pool[i].cosine)
    cos_rank = np.empty(len(pool), dtype=np.int64)
    cos_rank[by_cos] = np.arange(len(pool))
    art_rank: dict[str, int] = {}
    art_cos: dict[str, float] = {}
    art_terms: dict[str, frozenset[str]] = {}
    for c, p in zip(pool, passage, strict=True):
        art_rank[c.doc_id] = min(art_rank.get(c.doc_id, 1000), c.bm25_rank)
        art_cos[c.doc_id] = max(art_cos.get(c.doc_id, -1.0), c.cosine)
        art_terms[c.doc_id] = art_terms.get(c.doc_id, frozenset()) | p
    rows = []
    for i, c in enumerate(pool):
        per_sentence = sorted((share(s) for s in sentences[i]), reverse=True) or [0.0]
        rows.append(
            [
                c.fused / best_fused,
                c.bm25 / best_bm25,
                math.log1p(c.bm25_rank),
                c.cosine,
                c.cosine - best_cos,
                math.log1p(cos_rank[i]),
                float(bool(sources)),
                float(c.source in sources),
                float(bool(dates)),
                float(c.date in dates),
                share(passage[i]),
                share(cached_terms(c.title)),
                per_sentence[0],
                sum(per_sentence[:2]),
                math.log1p(art_rank[c.doc_id]),
                art_cos[c.doc_id],
                share(art_terms[c.doc_id]),
                math.log1p(c.chunk),
                math.log1p(c.fused_rank),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(pool), len(FEATURES))


class TreeRanker:
    """Gradient-boosted trees (exported from scikit-learn) scoring candidates with numpy.

    All trees' nodes sit in flat arrays, children as flat positions and each leaf its own
    child, so every (tree, row) pair takes one step per level with a few `take` calls and
    scoring a few hundred candidates is a handful of array operations, not one per node.
    """

    def __init__(self, trees: list[dict], baseline: float, names: Sequence[str]) -> None:
        if tuple(names) != FEATURES:
            raise ValueError("the ranker model was trained on other features; retrain it")
        starts = np.cumsum([0] + [len(t["value"]) for t in trees])
        self.roots = starts[:-1]

        def flat(key: str, dtype: type) -> np.ndarray:
            return np.concatenate([np.asarray(t[key], dtype=dtype) for t in trees])

        leaf = flat("leaf", bool)
        own = np.arange(starts[-1])
        offset = np.repeat(self.roots, [len(t["value"]) for t in trees])
        self.left = np.where(leaf, own, flat("left", np.int64) + offset)
        self.right = np.where(leaf, own, flat("right", np.int64) + offset)
        self.feature = np.where(leaf, 0, flat("feature", np.int64))
        self.threshold = np.where(leaf, np.inf, flat("threshold", float))
        self.value = flat("value", float)
        self.depth = max(int(t["depth"]) for t in trees)
        self.baseline = baseline

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> TreeRanker:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["trees"], float(data["baseline"]), data["features"])

    def score(self, x: np.ndarray) -> np.ndarray:
        """The probability that each row's passage holds evidence for the question."""
        if len(x) == 0:
            return np.zeros(0)
        width = x.shape[1]
        cells = x.ravel()
        row_start = (np.arange(len(x)) * width)[None, :]
        node = np.repeat(self.roots[:, None], len(x), axis=1)
        for _ in range(self.depth):
            value = cells.take(row_start + self.feature.take(node))
            left = value <= self.threshold.take(node)
            node = np.where(left, self.left.take(node), self.right.take(node))
        raw = self.baseline + self.value.take(node).sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))
