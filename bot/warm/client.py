"""What the command line needs of warm helpers: ask one to run a command, start one, ping or
stop one. Imports neither the engine nor llama-index nor chromadb: a served `newsbot ask` costs
the command line's own start-up plus the answer."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.warm.place import fingerprint, socket_path, supported
from bot.warm.protocol import ProtocolError, Reply, exchange

if TYPE_CHECKING:
    from index.settings import Settings

log = logging.getLogger(__name__)

# The first answer of a helper may build the index of an empty store: it may take a while.
REPLY_TIMEOUT = 120.0
PING_TIMEOUT = 10.0  # a helper busy with someone's question answers a ping after it
START_TIMEOUT = 60.0
UNSUPPORTED = "warm helpers need Unix sockets, which this system does not have"


class HelperError(Exception):
    """A helper could not be started; the message says why, in one line."""


@dataclass(frozen=True)
class Started:
    path: Path
    pid: int


def enabled(settings: Settings) -> bool:
    return settings.warm_minutes > 0 and supported()


def served(settings: Settings, argv: list[str]) -> Reply | None:
    """The reply of the warm helper for these settings to `newsbot ARGV`; None when there is no
    such helper or anything goes wrong on the way, and the caller runs the command itself."""
    if not enabled(settings):
        return None
    path = socket_path(settings)
    if path is None:
        return None
    try:
        reply = exchange(path, {"op": "run", "argv": argv}, REPLY_TIMEOUT)
    except FileNotFoundError:
        return None  # the usual case: no helper
    except Exception as exc:  # whatever went wrong on the way, the command can still run here
        log.debug("the warm helper did not answer (%s): running here", exc)
        return None
    if reply.code == 2 and "not served by the warm helper" in reply.stderr:
        return None
    return reply


def ping(settings: Settings, timeout: float = PING_TIMEOUT) -> Reply | None:
    """The helper's reply about itself (pid, requests served...); None when none answers."""
    path = socket_path(settings) if supported() else None
    if path is None:
        return None
    try:
        return exchange(path, {"op": "ping"}, timeout)
    except (OSError, ProtocolError):
        return None


def stop(settings: Settings) -> Reply | None:
    """Ask the helper to leave and wait until it has; its reply about itself, or None when no
    helper was there (a socket file left by a killed one is removed). HelperError when one is
    there but does not answer in time."""
    path = socket_path(settings) if supported() else None
    if path is None:
        return None
    try:
        reply = exchange(path, {"op": "stop"}, PING_TIMEOUT)
    except FileNotFoundError:
        return None
    except ConnectionRefusedError:
        _remove_stale(path)
        return None
    except (OSError, ProtocolError) as exc:
        raise HelperError(f"the warm helper at {path} did not answer ({exc})") from None
    deadline = time.monotonic() + 10
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return reply


def start(settings: Settings, minutes: float, program: str) -> subprocess.Popen[bytes]:
    """Start a helper for these settings in the background, detached from this terminal (its
    own session: Ctrl-C and closing the terminal leave it alone); it lives on its own.
    `program`: the module that runs `bot.warm.server.main` with the commands it serves."""
    if not supported():
        raise HelperError(UNSUPPORTED)
    path = socket_path(settings, create=True)
    if path is None:
        raise HelperError("no private folder for the helper's socket")
    command = [sys.executable, "-m", program, "--socket", str(path)]
    command += ["--minutes", repr(minutes), "--fingerprint", fingerprint(settings)]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
        cwd=os.getcwd(),
    )


def start_and_wait(settings: Settings, minutes: float, program: str) -> Started:
    """Start a helper and wait until it answers (the engine opens in a few seconds)."""
    process = start(settings, minutes, program)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        reply = ping(settings)
        if reply is not None:
            return Started(socket_path(settings), int(reply.about.get("pid", process.pid)))
        if process.poll() is not None:
            where = settings.data_dir / "warm.log"
            raise HelperError(f"the warm helper stopped as it started (see {where})")
        time.sleep(0.1)
    raise HelperError(f"the warm helper did not answer within {START_TIMEOUT:.0f} s")


def _remove_stale(path: Path) -> None:
    """A socket file nobody listens on (its helper was killed): remove it, it only misleads."""
    try:
        path.unlink()
        log.info("removed the socket file of a helper that is gone: %s", path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.debug("cannot remove %s: %s", path, exc)
