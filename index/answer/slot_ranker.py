"""Scoring slot candidates (`slots.py`): a product of a candidate's fit with five weights, and the
two bars on the best one, all chosen on the dev halves and kept in `slots.json`
(`benchmarks/train_answerer.py`).

On the news set's typed dev questions the product ranked the right span first more often than
gradient-boosted trees or a logistic regression over the same features (cross-fitted by story:
42 of 79 against 33-37): too few questions for the learned ones to learn from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answer.asks import PERSON, kind_group
from index.answer.slots import SLOT_FEATURES, Slot

DEFAULT_MODEL = Path(__file__).with_name("slots.json")


@dataclass(frozen=True)
class SlotWeights:
    """How much each part of a candidate's fit counts in its score (see `SlotRanker.score`)."""

    sentence: float = 1.0  # exponent of its sentence's selector score
    predicate: float = 0.3  # floor added to its closeness to the question's predicate words
    role: float = 1.0  # weight of the role the question names standing beside it
    names: float = 0.2  # floor added to the share of the question's names in its sentence
    qualified: float = 0.05  # floor added to its agreement with the question's qualifiers


class SlotRanker:
    """Scores slot candidates, and the two bars on the best one: at `lead_bar` it leads the
    answer; under `answer_bar` the question is refused as a near miss (in between, the answer
    quotes its sentence first, with no lead).

    The score is a product of the candidate's fit, with five weights chosen on the dev halves
    (`benchmarks/train_answerer.py`): on the news set's 79 typed dev questions it ranked the
    right span first for 42, against 33-37 for gradient-boosted trees or a logistic regression
    over the same features (cross-fitted by story), which had too few questions to learn from.
    """

    def __init__(self, weights: SlotWeights, lead_bar: float, answer_bar: float) -> None:
        self.weights, self.lead_bar, self.answer_bar = weights, lead_bar, answer_bar

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> SlotRanker | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = SlotWeights(**data["weights"])
        return cls(weights, float(data["lead_bar"]), float(data["answer_bar"]))

    def score(self, slots: Sequence[Slot]) -> np.ndarray:
        x = np.asarray([s.features for s in slots], dtype=np.float64)
        return slot_scores(x, self.weights) if len(x) else np.zeros(0)


_F = {name: i for i, name in enumerate(SLOT_FEATURES)}
# "who is the council leader": a name with no such role beside it ("KPA", "Mr Justice
# Byfield" for the prosecution barrister) is rarely the one asked.
ROLE_ABSENT = 0.3
# A short question's name its passage never mentions: the figure is of something else.
NAME_ABSENT = 0.1
_PERSON_GROUP = kind_group(PERSON)


def _other_title(x: np.ndarray) -> np.ndarray:
    """1 where a person carries a title and the question asks another role: "Chief executive
    Ingrid Halvorsen" is no answer to "who is the chairman"."""
    titled, role, wants = (x[:, _F[n]] for n in ("titled", "role", "wants_role"))
    return ((wants > 0) & (role == 0) & (titled > 0)).astype(np.float64)


def _role_bonus(x: np.ndarray) -> np.ndarray:
    """The role asked beside a name, or a person's title, when its sentence names what the
    question names: "Saltmere chairman Derek Voss" is no answer to "who's the chairman of
    corvane"."""
    role, titled, group, names = (
        x[:, _F[n]] for n in ("role", "titled", "kind_group", "names_covered")
    )
    return (role + titled * (group == _PERSON_GROUP)) * (names > 0)


def slot_scores(x: np.ndarray, w: SlotWeights) -> np.ndarray:
    """Each candidate's score: its sentence's, times how close it stands to the question's
    predicate words, whether it counts what is asked, how little of it the question already
    says, how precise it is, whether the role asked stands beside it (and not another role),
    how much of the question's names its sentence holds (or, for a question naming no story,
    whether its passage is about the story asked), and whether it agrees with the
    qualifiers."""

    def f(name: str) -> np.ndarray:
        return x[:, _F[name]]

    return (
        np.clip(f("sentence_score"), 0.0, 1.0) ** w.sentence
        * (w.predicate + f("predicate_closeness"))
        * (0.05 + f("counted"))
        * (1.05 - f("asked_share"))
        * (0.5 + f("precision"))
        * f("kind_match")
        * np.where(f("superseded") == f("wants_earlier"), 1.0, 0.3)
        * np.where(f("share") * f("wants_whole") > 0, 0.3, 1.0)
        * (1.0 + w.role * _role_bonus(x))
        * np.where(_other_title(x) > 0, 0.1, 1.0)
        * np.where((f("wants_role") > 0) & (f("role") == 0), ROLE_ABSENT, 1.0)
        * np.where(f("topic_covered") > 0, 1.0, 0.2)
        * np.where((f("names_in_passage") < 1.0) & (f("short") > 0), NAME_ABSENT, 1.0)
        * (w.names + f("names_covered"))
        * (w.qualified + f("qualified"))
    )
