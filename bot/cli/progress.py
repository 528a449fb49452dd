"""Indexing progress for the command line: a tqdm bar at a terminal; elsewhere (a pipe, a log
file, CI) one line per tenth of the work (bot/progress.py), so a run of minutes is never
silent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from bot.cli.terminal import echo
from bot.progress import TITLES, progress_lines


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
