"""Indexing progress as lines, for the command line where no terminal shows a bar and for the
evaluation: one line per tenth of a stage's work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TITLES = {"embedding": "Embedding", "sentences": "Embedding sentences of older chunks"}


def progress_lines(say: Callable[[str], None], steps: int = 10) -> Callable[[Any], None]:
    """A tick callback that says `<title>: done/total chunks (n %)` each time another
    1/`steps` of a stage is done, and once at its end."""
    said: dict[str, int] = {}

    def update(tick: Any) -> None:
        if tick.stage not in TITLES or not tick.total:
            return
        step = tick.done * steps // tick.total
        if step > said.get(tick.stage, 0) or (tick.done == tick.total and step == 0):
            said[tick.stage] = max(step, 1)
            percent = tick.done * 100 // tick.total
            say(f"{TITLES[tick.stage]}: {tick.done:,}/{tick.total:,} chunks ({percent} %)")

    return update
