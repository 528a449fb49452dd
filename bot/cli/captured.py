"""One `newsbot` command run inside a warm helper (bot/warm/) as the command line would run it,
its output captured: the real click group, the helper's engine handed in instead of a new one.
The command line hands this to the helper it starts (`bot.cli.warm_process`): the helper knows
nothing of the command line."""

from __future__ import annotations

import io
import logging
import sys
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

from bot.cli.context import LOG_FORMAT
from bot.cli.terminal import PrintableFormatter, echo
from bot.logs import guard_handler
from bot.warm.protocol import Reply

log = logging.getLogger(__name__)

SERVED = frozenset({"ask", "sources"})


def run_captured(argv: list[str], settings: Any, engine: Any) -> Reply:
    """Run `newsbot ARGV` with stdout and stderr captured (click looks sys.stdout up at each
    echo, so redirecting it is enough); its log records at the command line's level go to the
    captured stderr as they would to the terminal."""
    if not argv or argv[0] not in SERVED:
        return Reply("", "newsbot: error: not served by the warm helper\n", 2)
    out, err = io.StringIO(), io.StringIO()
    handler = guard_handler(_stderr_handler(err, settings.log_level), settings)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = _invoke(argv, {"settings": settings, "engine": engine})
    finally:
        root.removeHandler(handler)
    return Reply(out.getvalue(), err.getvalue(), code)


def _invoke(argv: list[str], obj: dict[str, Any]) -> int:
    """The exit code of the command. Standalone mode, so that usage errors and `Aborted!` read
    exactly as on the command line; any other exception is one line, as friendly_errors does."""
    from bot.cli.main import cli

    try:
        cli.main(args=argv, prog_name="newsbot", standalone_mode=True, obj=obj)
    except SystemExit as exc:
        return _exit_code(exc.code)
    except Exception as exc:  # a helper outlives any one command's failure
        log.exception("a command failed in the warm helper")
        echo(f"newsbot: error: {exc.__class__.__name__}: {exc}", err=True)
        return 1
    return 0


def _exit_code(code: object) -> int:
    """What the interpreter would exit with for sys.exit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")  # sys.exit("text") prints the text and exits 1
    return 1


def _stderr_handler(err: io.StringIO, level: str) -> logging.Handler:
    handler = logging.StreamHandler(err)
    handler.setLevel(level.upper())
    handler.setFormatter(PrintableFormatter(LOG_FORMAT))
    # The helper's own records (requests, idle time) belong to its log file only.
    handler.addFilter(lambda record: not record.name.startswith("bot.warm"))
    return handler
