"""The sentence selector: which retrieved sentences answer the question, learned from data.

MultiHop-RAG's evidence facts are verbatim article text, so every sentence of a retrieved
passage on its dev split is labelled (holds a gold fact or not). Gradient-boosted trees over
`index/answer/features.py` score each sentence (`benchmarks/train_answerer.py` fits them and the
thresholds below, and writes `selector.json`); the trees are walked with numpy like the
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
# MultiHop-RAG, which the trees learned from, has no question under 18 words and none asking
# "how many" or "when": a shorter question is outside what they saw.
SHORT_QUESTION_WORDS = 16
SHORT_FLOOR = 0.95  # a short question's further sentence scores at least this share of the best
SHORT_SENTENCES = 3
_F = {name: i for i, name in enumerate(FEATURES)}


def short_question_prior(x: np.ndarray) -> np.ndarray:
    """A hand-set score for questions the trees never saw (not fitted: no data for them):
    closeness to the question, on its own and with its neighbours, the question's words
    around it (stemmed, and as written, which tells "the Pakistani strike" from "Pakistan's"),
    and, for "how many", a count rather than a duration."""
    f = _F
    return (
        0.3 * x[:, f["cosine"]]
        + 0.2 * x[:, f["window_cosine"]]
        + 0.2 * x[:, f["window_coverage"]]
        + 0.3 * x[:, f["exact_coverage"]]
        + 0.15 * x[:, f["wants_count"]] * (2 * x[:, f["count_number"]] - 1)
        + 0.1 * x[:, f["wants_number"]] * x[:, f["number"]]
    ).clip(0.0, 1.0)


def is_short(question: str) -> bool:
    return len(question.split()) < SHORT_QUESTION_WORDS


@dataclass(frozen=True)
class Policy:
    """How many sentences an answer takes, from the selector's scores (fitted on dev)."""

    add_above: float = 0.3  # a further sentence's score must reach this
    same_article_above: float = 0.5  # ... and this when its article is already quoted
    max_sentences: int = 4
    max_words: int = 100  # the answer's sentences stop growing past this many words


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
        return cls(trees, policy, name_trees, float(data.get("name_min_score", 0.5)))

    def score(self, x: np.ndarray, question: str = "") -> np.ndarray:
        """Each sentence's score in (0, 1); a short question gets the trees' score averaged
        with a hand-set prior (see `short_question_prior`)."""
        p = self.trees.score(x)
        if question and is_short(question) and len(x):
            p = short_question_prior(x)
        return p

    def choose(
        self, sentences: list[Sentence], scores: np.ndarray, short: bool = False
    ) -> list[int]:
        """Positions of the chosen sentences, best first (empty when there are none). For a
        short question (one fact, scored by the prior) a further sentence must come close to
        the best one."""
        p = self.policy
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        chosen: list[int] = []
        words = 0
        floor = SHORT_FLOOR * float(scores[order[0]]) if short and order else p.add_above
        most = min(p.max_sentences, SHORT_SENTENCES) if short else p.max_sentences
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
