"""A question asking why something happened ("why was the tram delayed", "what started the
fire") is answered by the sentence stating the cause, which news marks in a few ways: "blamed
a steel market", "caused by the discovery of a quay wall", "after delays in the delivery of",
"started by sparks from", "problems with the ventilation system meant". The sentence selector
reads the question's words, not these; a cause question prefers the sentences that carry one."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from index.answer.marked import weigh_marked
from index.answer.sentences import Sentence

_CAUSE = re.compile(
    r"(?i)\b(?:because|due\s+to|owing\s+to|as\s+a\s+result\s+of|blam(?:e|ed|es|ing)|"
    r"(?:caused|started|sparked|triggered|prompted)\s+(?:\w+\s+)?by|the\s+cause|"
    r"after\s+(?:delays?|problems?)|problems?\s+with|put\s+down\s+to|attributed\s+to|"
    r"led\s+to|meant)\b"
)
_ASKS_CAUSE = re.compile(
    r"(?i)^\s*(?:why\b|what\s+(?:caused|started|sparked|triggered|led\s+to|is\s+behind|was\s+behind)\b)"
)


def asks_cause(question: str) -> bool:
    """Whether the question asks why something happened."""
    return bool(_ASKS_CAUSE.search(question))


def weigh_causes(sentences: Sequence[Sentence], scores: np.ndarray) -> np.ndarray:
    """The selector's scores with the sentences stating a cause counted higher."""
    return weigh_marked(sentences, scores, _CAUSE)
