"""What every `newsbot` command shares: the settings and the engine of the invocation, and
engine errors as one line on stderr."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from bot.cli.startup import resume_collector
from bot.cli.terminal import echo
from index.errors import NewsbotError
from index.settings import Settings

EXIT_ERROR = 1
# How log records read on the terminal (and in what a warm helper's commands print).
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def settings_of(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def engine_of(ctx: click.Context):  # noqa: ANN201 - import kept lazy so --help stays fast
    if "engine" not in ctx.obj:
        from index.engine import Engine

        try:
            ctx.obj["engine"] = Engine(settings_of(ctx))  # LLMUnavailable: one line
        finally:
            resume_collector()
    return ctx.obj["engine"]


def fail(message: str, code: int = EXIT_ERROR, as_json: bool = False) -> NoReturn:
    """The one way a command fails: `newsbot: error: ...` on stderr, or with --json
    `{"error": ..., "exit_code": ...}` on stdout (a script reads one JSON document either way)."""
    if as_json:
        echo(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    else:
        echo(f"newsbot: error: {message}", err=True)
    sys.exit(code)


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """NewsbotError -> `newsbot: error: ...` (JSON with --json) and exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NewsbotError as exc:
            fail(str(exc), as_json=bool(kwargs.get("as_json")))

    return wrapper
