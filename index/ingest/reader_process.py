"""Reading files in a child process, so that no file costs more than a time and a memory limit.

The loaders bound their work by counts and sizes where a cost is known (YAML aliases, HTML
attributes and tags, PDF pages and characters), but their libraries are large and hostile
input keeps finding slow paths in them. This is the bound for the rest. It has to be a
process: a parser stuck in C code cannot be interrupted from another thread, signals reach
only the main thread (the bot indexes in worker threads), and the memory a parser took is
given back only when its process ends. So one child reads the run's files one at a time; a
file that takes longer than `NEWSBOT_MAX_FILE_SECONDS` is skipped with its reason and the child
replaced, and the child's address space is capped at `NEWSBOT_MAX_FILE_MEMORY_MB`, so a file
that needs more fails with MemoryError inside it. Its CPU time is capped too, so even a child
whose parent was killed stops. Starting it costs about 0.3 s a run.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from index.ingest.errors import UnreadableFile
from index.results import Article

log = logging.getLogger(__name__)

_START_SECONDS = 60.0  # for the child to start and import the readers the run needs
_POLL_SECONDS = 0.5  # how often a run waiting for a file checks whether it should stop
_CPU_MARGIN = 5  # seconds of CPU beyond the wall-clock limit before the kernel stops a child


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int
    seconds: float
    memory_mb: int


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # path -> reason
    item_failures: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)


def read_files(
    files: Iterable[Path], limits: ReadLimits, tick: Callable[[int], None] = lambda _: None
) -> LoadResult:
    """Load `files` in a child process, each within `limits`. `tick(files done)` is called after
    each file and twice a second while one is read; it may raise to stop the run (the child is
    then killed)."""
    files = list(files)
    result = LoadResult()
    if not files:
        return result
    with ReaderProcess(limits, {p.suffix.lower() for p in files}) as reader:
        for done, path in enumerate(files):
            try:
                articles, bad_items = reader.read(path, lambda done=done: tick(done))
            except UnreadableFile as exc:
                result.failures[str(path)] = str(exc)
            else:
                result.articles.extend(articles)
                result.item_failures.extend(bad_items)
            tick(done + 1)
    return result


class ReaderProcess:
    """One child reading files on request; replaced when it overruns or dies."""

    def __init__(self, limits: ReadLimits, suffixes: set[str]) -> None:
        self.limits, self.suffixes = limits, sorted(suffixes)
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: IO[bytes] | None = None

    def __enter__(self) -> ReaderProcess:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is not None and self._proc is not None:  # stopped: the child may be busy
            self._end()
        self.close()

    def read(
        self, path: Path, waiting: Callable[[], None] = lambda: None
    ) -> tuple[list[Article], list[tuple[str, str]]]:
        """The articles in `path` and its skipped records; UnreadableFile with the reason.
        `waiting()` is called twice a second while the child reads."""
        self._start()
        reply = self._ask({"path": str(path)}, self.limits.seconds, path, waiting)
        _relay(reply)
        if reply.get("failure"):
            raise UnreadableFile(reply["failure"])
        articles = [Article.model_validate(a) for a in reply["articles"]]
        return articles, [(where, reason) for where, reason in reply["bad"]]

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.close()  # the child ends at the end of its input
        except OSError:
            pass
        self._end(grace=5)

    # --- the child ------------------------------------------------------------------------

    def _start(self) -> None:
        if self._proc is not None:
            return
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _end, with the child
        config = {
            "max_bytes": self.limits.max_bytes,
            "seconds": self.limits.seconds,
            "memory_mb": self.limits.memory_mb,
            "log_level": _log_level(),
            "suffixes": self.suffixes,
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "index.ingest.reader_process", json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            env=_child_env(),
        )
        self._lines = queue.Queue()
        threading.Thread(
            target=_pump, args=(self._proc.stdout, self._lines), daemon=True, name="reader-out"
        ).start()
        ready = self._ask(None, _START_SECONDS, None)  # once the readers are imported
        _relay(ready)

    def _ask(
        self,
        request: dict[str, Any] | None,
        seconds: float,
        path: Path | None,
        waiting: Callable[[], None] = lambda: None,
    ) -> Any:
        """Send `request` (None: just wait), and the child's reply within `seconds`."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        try:
            if request is not None:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
        except OSError:  # the child is gone: its pipe is closed; its reply says why
            pass
        line = self._reply_within(seconds, waiting)
        if line is None:
            raise UnreadableFile(self._died(path)) from None
        return json.loads(line)

    def _reply_within(self, seconds: float, waiting: Callable[[], None]) -> str | None:
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                return self._lines.get(timeout=max(0.0, min(_POLL_SECONDS, left)))
            except queue.Empty:
                if left <= _POLL_SECONDS:
                    self._end()
                    raise UnreadableFile(
                        f"took longer than {seconds:g} s to read (NEWSBOT_MAX_FILE_SECONDS)"
                    ) from None
                waiting()

    def _died(self, path: Path | None) -> str:
        """Why the child stopped, as the skip reason for `path`; the child's last words logged."""
        assert self._stderr is not None
        self._stderr.seek(0)
        tail = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        code = self._end(grace=5)
        log.warning("the file reader stopped (exit code %s) reading %s: %s", code, path, tail)
        if code == -getattr(signal, "SIGXCPU", 0):
            return f"took longer than {self.limits.seconds:g} s to read (NEWSBOT_MAX_FILE_SECONDS)"
        how = _signal_name(-code) if code < 0 else f"exit code {code}"
        if path is None:
            return f"the file reader could not start ({how})"
        return f"the file reader stopped while reading it ({how})"

    def _end(self, grace: float = 0) -> int:
        """Stop the child (killed if it has not ended within `grace` s); its exit code."""
        proc, self._proc = self._proc, None
        assert proc is not None
        try:
            code = proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        return code


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _relay(reply: dict[str, Any]) -> None:
    """Log here what the child logged."""
    for name, level, message in reply.get("logs", []):
        logging.getLogger(name).log(level, "%s", message)


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _log_level() -> int:
    """The most the child need log: what this process would show of it."""
    return min(logging.getLogger().getEffectiveLevel(), log.getEffectiveLevel())


def _child_env() -> dict[str, str]:
    """This environment without newsbot's settings (the child needs none, and reads hostile
    files: the Discord token stays out of its reach), this code first on its path."""
    here = str(Path(__file__).resolve().parents[2])
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    return env


# --- the child's side ---------------------------------------------------------------------


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _serve(config: dict[str, Any]) -> None:
    from index.ingest.loaders import warm_up

    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into the replies
    sys.stdout = sys.stderr
    collected = _Collected()
    logging.basicConfig(level=config["log_level"], handlers=[collected])
    logging.captureWarnings(True)
    warm_up(config["suffixes"])
    _limit_memory(config["memory_mb"])
    _send(replies, {"ready": True}, collected)
    for line in sys.stdin:
        _limit_cpu(config["seconds"])
        _send(replies, _read(Path(json.loads(line)["path"]), config), collected)


def _read(path: Path, config: dict[str, Any]) -> dict[str, Any]:
    from index.ingest.loaders import load_file

    try:
        articles, bad = load_file(path, config["max_bytes"])
        return {"articles": [a.model_dump() for a in articles], "bad": bad}
    except UnreadableFile as exc:
        return {"failure": str(exc)}
    except MemoryError:
        megabytes = config["memory_mb"]
        return {
            "failure": f"needs more than {megabytes:,} MB of memory to read "
            "(NEWSBOT_MAX_FILE_MEMORY_MB)"
        }


def _send(replies: IO[str], reply: dict[str, Any], collected: _Collected) -> None:
    reply["logs"], collected.records = collected.records, []
    try:
        line = json.dumps(reply)
    except MemoryError:  # the text read is too large to hand over
        line = json.dumps({"failure": "too much text to hand over", "logs": reply["logs"]})
    replies.write(line + "\n")
    replies.flush()


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on Windows: the time limit still holds
        return
    limit = megabytes * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _limit_cpu(seconds: float) -> None:
    try:
        import resource
    except ImportError:
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime + seconds) + _CPU_MARGIN
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft <= hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
