"""Everything the command line writes goes through here: text from articles, feeds, pages and
file names can hold terminal control codes (OSC 8 links, title changes, colours, clear-screen,
a carriage return that overwrites the line), and a terminal obeys them, also when the output was
piped into a file first. So every control character but tab and newline is written as its `\\u`
escape: shown, never obeyed.

The same step keeps `--json` faithful. In a JSON text such a character can stand only inside a
string, where `\\u001b` is JSON's own escape for it: a script reading the JSON gets every
character back exactly, and a terminal shown it gets none raw. (Python's json module escapes the
C0 controls itself; C1 controls such as U+009B, which many terminals read as CSI, and DEL it
writes raw; pydantic's JSON too.)
"""

from __future__ import annotations

import logging
import re
from typing import Any

import click

# C0 controls but tab and newline, DEL, and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character but tab and newline as its `\\uXXXX` escape."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """`click.echo`, through `printable`: the one way the command line writes."""
    click.echo(printable(str(message)), err=err, nl=nl)  # noqa: TID251 - the one use


class PrintableFormatter(logging.Formatter):
    """Log records as the terminal shows them: a url or title in a message cannot drive it."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))
