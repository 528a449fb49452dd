"""The sentence selector: which retrieved sentences answer the question, learned from data.

Both benchmarks' evidence is verbatim article text, so every sentence of a retrieved passage
of their dev halves is labelled (holds evidence or not): MultiHop-RAG's long multi-hop
questions and the news set's short ones a team channel asks. Gradient-boosted trees over
`index/answer/features.py` score each sentence (`benchmarks/train_answerer.py` fits them on both
and the thresholds below, and writes `selector.json`); the trees are walked with numpy like the
passage ranker's, so no learning library is needed at run time.

The choice: the best sentence, then one sentence per further fact the question needs, each
only when its score clears a bar (higher for a second sentence of an article already quoted, so
a multi-hop question gets a sentence from each article), never two sentences saying the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answer.features import FEATURES
from index.answer.lead import NAME_FEATURES
from index.answer.sentences import Sentence
from index.trees import TreeRanker

DEFAULT_MODEL = Path(__file__).with_name("selector.json")
REDUNDANT = 0.92  # cosine above which a second sentence adds nothing


@dataclass(frozen=True)
class Policy:
    """How many sentences an answer takes, from the selector's scores (fitted on dev)."""

    add_above: float = 0.3  # a further sentence's score must reach this
    same_article_above: float = 0.5  # ... and this when its article is already quoted
    max_sentences: int = 4
    max_words: int = 100  # the answer's sentences stop growing past this many words
    short_floor: float = 0.95  # a short question's further sentence: this share of the best
    short_sentences: int = 3  # ... and at most this many sentences


class SentenceSelector:
    """The sentence trees and policy, and the name trees that pick an answer's lead name."""

    def __init__(
        self,
        trees: TreeRanker,
        policy: Policy,
        names: TreeRanker | None = None,
        name_min_score: float = 0.5,
    ) -> None:
        self.trees, self.policy = trees, policy
        self.names, self.name_min_score = names, name_min_score
        self.short_refusal: dict[str, float] = {}  # the short questions' refusal bars

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> SentenceSelector:
        data = json.loads(path.read_text(encoding="utf-8"))
        trees = TreeRanker(data["trees"], float(data["baseline"]), data["features"], FEATURES)
        names = data.get("names")
        name_trees = (
            TreeRanker(names["trees"], float(names["baseline"]), names["features"], NAME_FEATURES)
            if names
            else None
        )
        policy = Policy(**data.get("policy", {}))
        selector = cls(trees, policy, name_trees, float(data.get("name_min_score", 0.5)))
        selector.short_refusal = dict(data.get("short_refusal", {}))
        return selector

    def score(self, x: np.ndarray) -> np.ndarray:
        """Each sentence's score in (0, 1)."""
        return self.trees.score(x)

    def choose(
        self, sentences: list[Sentence], scores: np.ndarray, short: bool = False
    ) -> list[int]:
        """Positions of the chosen sentences, best first (empty when there are none). For a
        short question (one fact: its best sentence usually holds it all) a further sentence must
        come close to the best one."""
        p = self.policy
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        chosen: list[int] = []
        words = 0
        floor = p.short_floor * float(scores[order[0]]) if short and order else p.add_above
        most = min(p.max_sentences, p.short_sentences) if short else p.max_sentences
        for i in order:
            if len(chosen) == most or words >= p.max_words:
                break
            if chosen and scores[i] < floor:
                break
            if chosen and _quoted(sentences, chosen, i) and scores[i] < p.same_article_above:
                continue
            if any(_same(sentences[i], sentences[j]) for j in chosen):
                continue
            chosen.append(i)
            words += len(sentences[i].text.split())
        return chosen


def _quoted(sentences: list[Sentence], chosen: list[int], i: int) -> bool:
    return any(sentences[j].passage.doc_id == sentences[i].passage.doc_id for j in chosen)


def _same(a: Sentence, b: Sentence) -> bool:
    if a.vector is None or b.vector is None:
        return a.text == b.text
    return float(a.vector @ b.vector) > REDUNDANT
