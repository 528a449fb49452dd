"""Indexing progress for the command line: a tqdm bar at a terminal; elsewhere (a pipe, a log
file, CI) one line per tenth of the work, so a run of minutes is never silent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from bot.cli.terminal import echo

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


def progress_bar() -> tuple[Callable[[Any], None], Callable[[], None]]:
    """(callback, close): a tqdm bar on a terminal, lines on stderr otherwise."""
    from tqdm import tqdm

    if not sys.stderr.isatty():
        return progress_lines(lambda line: echo(line, err=True)), (lambda: None)
    bars: dict[str, tqdm] = {}

    def update(tick: Any) -> None:
        if tick.stage not in TITLES or not tick.total:
            return
        bar = bars.get(tick.stage)
        if bar is None:
            bar = bars[tick.stage] = tqdm(total=tick.total, unit="chunk", desc=TITLES[tick.stage])
        bar.update(tick.done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close
