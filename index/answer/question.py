"""A question as retrieval left it for the answerer: its text, vectors and analysis."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class AskedQuestion:
    """`vectors` are the unit vectors of the question and then of each clause (the question
    again when it has none), as retrieval embedded them: the answerer embeds nothing."""

    text: str
    vectors: np.ndarray
    clauses: list[str] = field(default_factory=list)
    sources: tuple[str, ...] = ()  # publications of the index it names
    dates: tuple[str, ...] = ()  # publication dates it names
    unknown_sources: tuple[str, ...] = ()  # publications it cites that the index lacks

    @property
    def vector(self) -> np.ndarray:
        return self.vectors[0]
