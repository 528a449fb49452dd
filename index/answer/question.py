"""A question as the answer stage reads it, analysed once: its text, the vectors retrieval
embedded, the publications and dates it names, and what it asks for (`asks.Asks`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.answer.asks import Asks, analyse


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
    asks: Asks = field(default=None)  # type: ignore[assignment]  # what it asks for

    def __post_init__(self) -> None:
        if self.asks is None:
            self.asks = analyse(self.text)

    @property
    def vector(self) -> np.ndarray:
        return self.vectors[0]
