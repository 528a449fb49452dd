"""`newsbot warm start|status|stop`: the warm helper for the current settings, by hand."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from bot.cli.context import EXIT_ERROR, settings_of
from bot.cli.terminal import echo
from bot.cli.through_helper import HELPER_PROGRAM


@click.group("warm")
def warm_group() -> None:
    """Keep the engine open in the background so `ask` and `sources` answer at once.

    A warm helper is a background process that keeps the engine open (about 310 MB), so
    `newsbot ask` and `newsbot sources` answer in a fifth of a second instead of about one.
    One runs per user and settings, on a private Unix socket; it leaves after
    NEWSBOT_WARM_MINUTES without a question (default 10). `newsbot ask` at a terminal starts one
    by itself; NEWSBOT_WARM_MINUTES=0 turns them off. See docs/guide/cli.md, "A warm helper".
    """


@warm_group.command("start")
@click.option(
    "--minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Leave after this many minutes without a question (default: NEWSBOT_WARM_MINUTES).",
)
@click.pass_context
def start(ctx: click.Context, minutes: float | None) -> None:
    """Start a warm helper for the current settings and wait until it answers (a few
    seconds). Does nothing when one is running already."""
    from bot.warm import client

    settings = settings_of(ctx)
    if not client.supported():
        _fail(client.UNSUPPORTED)
    if settings.warm_minutes == 0:
        _fail("NEWSBOT_WARM_MINUTES=0 turns warm helpers off: `ask` would not use one")
    running = client.ping(settings)
    if running is not None:
        where = client.socket_path(settings)
        echo(f"A warm helper is running already (pid {running.about.get('pid')}): {where}")
        return
    minutes = settings.warm_minutes if minutes is None else minutes
    try:
        started = client.start_and_wait(settings, minutes, HELPER_PROGRAM)
    except client.HelperError as exc:
        _fail(str(exc))
    echo(
        f"A warm helper (pid {started.pid}) listens on {started.path}; it leaves after "
        f"{minutes:g} minutes without a question."
    )


@warm_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Whether a warm helper answers for the current settings: its pid, the questions it
    answered, how long it has been idle. Exit 0 either way (`--json` has "running")."""
    from bot.warm import client

    settings = settings_of(ctx)
    reply = client.ping(settings)
    about = _about(reply.about) if reply is not None else {}
    path = client.socket_path(settings) if client.supported() else None
    if as_json:
        payload = {"running": reply is not None, "socket": str(path) if path else None, **about}
        echo(json.dumps(payload, indent=2))
    elif reply is None:
        echo(f"No warm helper for these settings ({_why_none(settings)}).")
    else:
        echo(
            f"A warm helper is running (pid {about['pid']}): {about['requests']} commands "
            f"answered, idle {about['idle_seconds']:.0f} s of {about['minutes']:g} min; {path}"
        )


@warm_group.command("stop")
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the warm helper for the current settings (exit 0 also when none was running)."""
    from bot.warm import client

    try:
        reply = client.stop(settings_of(ctx))
    except client.HelperError as exc:
        _fail(str(exc))
    if reply is None:
        echo("No warm helper was running for these settings.")
    else:
        about = _about(reply.about)
        echo(f"Stopped the warm helper (pid {about['pid']}, {about['requests']} answered).")


def _about(about: dict[str, Any]) -> dict[str, Any]:
    keys = ("pid", "requests", "idle_seconds", "minutes", "started")
    return {key: about.get(key) for key in keys}


def _why_none(settings: Any) -> str:
    from bot.warm import client

    if not client.supported():
        return client.UNSUPPORTED
    if settings.warm_minutes == 0:
        return "NEWSBOT_WARM_MINUTES=0 turns them off"
    return "the next `newsbot ask` at a terminal starts one, or `newsbot warm start`"


def _fail(message: str) -> NoReturn:
    echo(f"newsbot: error: {message}", err=True)
    sys.exit(EXIT_ERROR)
