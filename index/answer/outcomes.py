"""A question asking what became of someone or something ("what happened to Lowden's job",
"what did the appeal court decide", "how did the game end") is answered by the sentence stating
the outcome, which news writes with a verb of its own: "was cleared", "quashed the conviction",
"jailed for five years", "released with cautions", "beat the Kestrels 4-3", "raised its
guidance". The question names the person or the case, and the sentences that name them most
often are the background ("Beckett, 52, admitted three counts ..."); an outcome question
prefers the sentences that state one."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from index.answer.marked import weigh_marked
from index.answer.sentences import Sentence

_OUTCOME = re.compile(
    r"(?i)\b(?:cleared|acquitted|convicted|found\s+(?:not\s+)?guilty|jailed|sentenced|"
    r"imprisoned|fined|quashed|overturned|upheld|dismissed|rejected|approved|"
    r"released|cautioned|charged|banned|suspended|sacked|fired|withdrawn|scrapped|axed|"
    r"cancelled|closed|reopened|won|beat|lost|drew|died|killed|injured|rescued|airlifted|"
    r"evacuated|collapsed|destroyed|damaged|raised|cut|lowered|concluded|ruled|recorded\s+(?:a|an)\s+(?:conclusion|verdict)|"
    r"awarded|ordered|resigned|stepped\s+down|agreed\s+(?:a|an|to)|voted\s+(?:to|for|against))\b"
)
_ASKS_OUTCOME = re.compile(
    r"(?i)^\s*(?:what(?:'?s|\s+is|\s+has)?\s+(?:happened|happening|become)\s+(?:to|of|with|at|in)\b|"
    r"what\s+(?:did|has|have)\s+.{1,60}?\s+(?:decide|conclude|rule|agree|do)\b|"
    r"how\s+did\s+.{1,60}?\s+end\b|"
    r"what\s+(?:was|is)\s+the\s+(?:outcome|result|verdict|ruling|decision|conclusion)\b)"
)


def asks_outcome(question: str) -> bool:
    """Whether the question asks what became of someone or something."""
    return bool(_ASKS_OUTCOME.search(question))


def weigh_outcomes(sentences: Sequence[Sentence], scores: np.ndarray) -> np.ndarray:
    """The selector's scores with the sentences stating an outcome counted higher."""
    return weigh_marked(sentences, scores, _OUTCOME)
