"""Questions whose answer news marks with a few words of its own: a cause ("blamed", "caused
by") for "why", an outcome ("was cleared", "quashed", "jailed") for "what happened to". The
sentence selector reads the question's words, not these; such a question prefers the sentences
that carry the mark."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from index.answer.sentences import Sentence

# How much more a marked sentence counts (a share of its score) ...
BONUS = 0.5
# ... and one in the best sentence's article at least this share of that sentence's score.
SAME_ARTICLE = 0.95


def weigh_marked(
    sentences: Sequence[Sentence], scores: np.ndarray, mark: re.Pattern[str]
) -> np.ndarray:
    """The selector's scores with the sentences `mark` finds counted higher, and those of the
    best sentence's article nearly as high as it: the answer is often the next sentence but
    one, in words of its own ("Council leader Patrick Odoy blamed ...", "The jury cleared
    him")."""
    if not len(scores):
        return scores
    marked = np.array([bool(mark.search(s.text)) for s in sentences], dtype=bool)
    best = int(np.argmax(scores))
    article = sentences[best].passage.doc_id
    same = np.array([s.passage.doc_id == article for s in sentences], dtype=bool)
    raised = np.minimum(scores * (1.0 + BONUS), 1.0)
    raised = np.where(same, np.maximum(raised, SAME_ARTICLE * scores[best]), raised)
    return np.where(marked, raised, scores)
