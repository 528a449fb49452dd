"""A command's start: the garbage collector paused while the command imports and opens the engine.

Importing llama-index and Chroma and opening the engine create about a million objects that live
as long as the process. CPython's collector walks all of them at every full collection: several
times while they are being created, and again as the interpreter exits (together about 0.6 s of
the 2.3 s a one-question `newsbot ask` took). So the collector is off until the engine is open;
then those objects move to its permanent generation (`gc.freeze`, made for long-lived objects),
where neither the command's own collections nor the exit walks them, and it is on again.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def opens_engine(fn: F) -> F:
    """Marks a command whose first step opens the engine (through `context.engine_of`, which
    resumes the collector); the group resumes it at once for every other command."""
    fn.opens_engine = True  # type: ignore[attr-defined]
    return fn


def opens_the_engine_first(group: click.Group, ctx: click.Context, name: str | None) -> bool:
    """Whether the subcommand `name` of `group` is marked with `opens_engine`."""
    command = group.get_command(ctx, name) if name else None
    return bool(getattr(getattr(command, "callback", None), "opens_engine", False))


def pause_collector() -> None:
    gc.disable()


def resume_collector() -> None:
    """Freeze what exists now (imports, the open engine) and collect again from here on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
