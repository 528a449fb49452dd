"""The warm helper itself, `main(run)`: the program `bot.warm.client.start` starts (the command
line's is `python -m bot.cli.warm_process --socket PATH --minutes M --fingerprint FP`) hands it
`run`, which runs one command with the helper's engine and captures its output.

It opens one engine for its life and serves the commands `run` serves one request at a time,
catching up before each with what other processes wrote to the store, or with another store now
in its data folder's place (a folder re-pointed or built anew: the engine knows its store by
identity). It leaves after M minutes without a request, on `stop`, on SIGTERM, or when another
helper took its socket, removing the socket file it made. Its log goes to `warm.log` in the
data folder, never to a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import signal
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.logs import guard_handler, private_file_handler
from bot.warm.place import fingerprint
from bot.warm.protocol import ProtocolError, Reply, encode, exchange, from_reply, read_message

log = logging.getLogger("bot.warm.server")

REQUEST_TIMEOUT = 5.0  # a client writes its request at once; a silent one must not block us
SEND_TIMEOUT = 30.0
CHECK_EVERY = 5.0  # seconds between checks that the socket file is still ours
LOG_FORMAT = "%(asctime)s warm[%(process)d] %(levelname)s %(name)s: %(message)s"

# One command: (argv, settings, engine) -> its captured output and exit code.
Runner = Callable[[list[str], Any, Any], Reply]


class Stopped(BaseException):
    """SIGTERM: not an Exception, so that no command's error handling swallows it."""


def main(run: Runner, argv: list[str] | None = None) -> int:
    """Serve `run`'s commands until idle, stopped or replaced; the process's exit code."""
    args = _arguments(argv)
    from index.errors import NewsbotError
    from index.settings import load_settings

    try:
        settings = load_settings()
    except NewsbotError:
        return 2  # the client checked these settings; they changed since
    _log_to(settings.data_dir / "warm.log", settings)
    if fingerprint(settings) != args.fingerprint:
        log.info("settings or code changed since this helper was asked for: not starting")
        return 3
    path = Path(args.socket)
    if _answers(path):
        log.info("a helper already answers on %s", path)
        return 0
    return _serve_with_engine(settings, path, args, run)


def _serve_with_engine(settings: Any, path: Path, args: argparse.Namespace, run: Runner) -> int:
    from index.engine import Engine
    from index.errors import NewsbotError

    try:
        engine = Engine(settings)
    except NewsbotError as exc:
        log.error("cannot open the engine: %s", exc)
        return 1
    try:
        _warm_up(engine)
        bound = _bind(path)
        if bound is None:
            log.info("a helper already answers on %s", path)
            return 0
        signal.signal(signal.SIGTERM, _terminate)
        helper = Helper(bound[0], path, bound[1], settings, engine, args, run)
        try:
            helper.serve()
        except Stopped:
            log.info("stopped by SIGTERM")
        finally:
            helper.close()
    finally:
        engine.close()
    return 0


class Helper:
    """The accept loop and its state: requests served, and when the last one was."""

    def __init__(
        self,
        listener: socket.socket,
        path: Path,
        inode: int,
        settings: Any,
        engine: Any,
        args: argparse.Namespace,
        run: Runner,
    ) -> None:
        self.listener, self.path, self.inode = listener, path, inode
        self.settings, self.engine, self.run = settings, engine, run
        self.idle_seconds = args.minutes * 60
        self.fingerprint = args.fingerprint
        self.requests = 0
        self.started = time.time()
        self.last = time.monotonic()

    def serve(self) -> None:
        log.info("listening on %s; leaves after %g idle minutes", self.path, self.idle_seconds / 60)
        while True:
            idle_left = self.last + self.idle_seconds - time.monotonic()
            if idle_left <= 0:
                log.info("idle for %g minutes: leaving", self.idle_seconds / 60)
                return
            if not self._socket_is_ours():
                log.info("another helper took %s: leaving", self.path)
                return
            self.listener.settimeout(min(idle_left, CHECK_EVERY))
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                if not self._handle_safely(conn):
                    log.info("stopped on request")
                    return

    def _handle_safely(self, conn: socket.socket) -> bool:
        try:
            return self._handle(conn)
        except Exception:  # one bad request must not take the helper down for everyone
            log.exception("could not answer a request")
            return True

    def _handle(self, conn: socket.socket) -> bool:
        """Answer one connection; False when it asked the helper to stop."""
        if not _same_user(conn):
            log.warning("refused a connection from another user")
            return True
        try:
            request = read_message(conn, time.monotonic() + REQUEST_TIMEOUT)
        except ProtocolError as exc:
            log.info("dropped a request: %s", exc)
            return True
        op = request.get("op")
        if op == "stop":
            self._send(conn, Reply("", "", 0, self.about()))
            return False
        if op == "ping":
            self._send(conn, Reply("", "", 0, self.about()))
        elif op == "run":
            self._send(conn, self._run(request.get("argv")))
        else:
            self._send(conn, Reply("", f"newsbot: error: unknown request {op!r}\n", 2))
        return True

    def _run(self, argv: object) -> Reply:
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return Reply("", "newsbot: error: a request's argv is a list of strings\n", 2)
        started = time.monotonic()
        try:
            self.engine.refresh()  # what other processes indexed since the last request
        except Exception:  # the command reports a store it cannot read; we keep serving
            log.exception("could not catch up with the store")
        reply = self.run(argv, self.settings, self.engine)
        self.requests += 1
        self.last = time.monotonic()
        # The command only: a question's text is never logged at INFO.
        log.info("%s -> exit %d in %.0f ms", argv[:1], reply.code, 1000 * (self.last - started))
        return reply

    def about(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "requests": self.requests,
            "started": self.started,
            "idle_seconds": round(time.monotonic() - self.last, 1),
            "minutes": self.idle_seconds / 60,
            "fingerprint": self.fingerprint,
        }

    def _send(self, conn: socket.socket, reply: Reply) -> None:
        try:
            conn.settimeout(SEND_TIMEOUT)
            conn.sendall(encode(from_reply(reply)))
        except OSError as exc:  # the client gave up waiting: it runs the command itself
            log.info("could not send a reply: %s", exc)

    def _socket_is_ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.inode
        except OSError:
            return False

    def close(self) -> None:
        """Remove the socket file, unless another helper has put its own there since."""
        if self._socket_is_ours():
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.listener.close()


def _warm_up(engine: Any) -> None:
    """Load now what the first question would otherwise load (sentence vectors, the models'
    first run), so that even it is quick; before listening, so `warm start` waits for it."""
    try:
        if engine.stats().articles:
            engine.warm_up()
    except Exception as exc:  # questions load the same things on demand
        log.info("warming up failed: %s", exc.__class__.__name__)
    # The open engine's million or so objects live as long as the helper: out of the collector's
    # way, or a full collection during a question walks them all (see bot/cli/startup.py).
    gc.collect()
    gc.freeze()


def _bind(path: Path) -> tuple[socket.socket, int] | None:
    """Listen on `path`: bound under a temporary name and renamed into place, so a client never
    connects to a half-made socket and a stale file is replaced at once. None when a live
    helper answers there."""
    temporary = path.with_name(f"t{os.getpid()}.tmp")  # short: sun_path is ~104 bytes
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(temporary))
        os.chmod(temporary, 0o600)
        listener.listen(16)
        if _answers(path):
            raise FileExistsError(path)
        os.replace(temporary, path)
        return listener, os.stat(path).st_ino
    except FileExistsError:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return None


def _answers(path: Path) -> bool:
    try:
        exchange(path, {"op": "ping"}, timeout=REQUEST_TIMEOUT)
    except (OSError, ProtocolError):
        return False
    return True


def _same_user(conn: socket.socket) -> bool:
    """The folder is private already; where the kernel says who connected, check it too."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1] == os.getuid()


def _terminate(_signum: int, _frame: object) -> None:
    raise Stopped


def _log_to(path: Path, settings: Any) -> None:
    """The helper's log file, private to its owner and without secrets; no log at all when it
    cannot be written (never a terminal)."""
    root = logging.getLogger()
    root.setLevel(settings.log_level.upper())
    try:
        handler: logging.Handler = private_file_handler(path)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(guard_handler(handler, settings))
    log.setLevel(logging.INFO)  # its own start, requests and leaving, whatever the level


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="warm helper")
    parser.add_argument("--socket", required=True, help="the socket file to listen on")
    parser.add_argument("--minutes", type=float, required=True, help="leave after this idle")
    parser.add_argument("--fingerprint", required=True, help="of the settings it was asked for")
    return parser.parse_args(argv)
