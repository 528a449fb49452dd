"""`ask` and `sources` through a warm helper (bot/warm/): answered by the helper for these
settings when one is running, and one started after an answer given here to a person at a
terminal (never to a script or a pipe: they get no background process they did not ask for)."""

from __future__ import annotations

import logging
import sys

import click

from bot.cli.context import settings_of
from bot.cli.terminal import echo

log = logging.getLogger(__name__)

# The helper's program (bot.warm.client.start runs it with `python -m`).
HELPER_PROGRAM = "bot.cli.warm_process"
STARTED = (
    "newsbot: keeping a warm helper for {minutes:g} minutes so the next question is quick "
    "(NEWSBOT_WARM_MINUTES=0 turns this off)"
)


def answer_from_helper(ctx: click.Context) -> None:
    """When a warm helper answers this command, print its reply as it is and exit with its
    code; otherwise return, and the command runs here."""
    argv = ctx.obj.get("argv")
    # Only the command as typed (`newsbot ask ...`); with -v its log would be the helper's.
    if not argv or argv[0] != ctx.info_name or _verbose(ctx):
        return
    from bot.warm.client import served

    reply = served(settings_of(ctx), list(argv))
    if reply is None:
        return
    echo(reply.stdout, nl=False)
    echo(reply.stderr, nl=False, err=True)
    sys.exit(reply.code)


def keep_warm(ctx: click.Context) -> None:
    """After an answer given here to a person at a terminal, start a helper for the next one
    (in the background: this command does not wait for it)."""
    if "argv" not in ctx.obj or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return
    from bot.warm import client

    settings = settings_of(ctx)
    if not client.enabled(settings) or client.ping(settings, timeout=1.0) is not None:
        return
    try:
        client.start(settings, settings.warm_minutes, HELPER_PROGRAM)
    except (client.HelperError, OSError) as exc:
        log.info("no warm helper: %s", exc)
        return
    echo(STARTED.format(minutes=settings.warm_minutes), err=True)


def _verbose(ctx: click.Context) -> bool:
    return bool(ctx.parent and ctx.parent.params.get("verbose"))
