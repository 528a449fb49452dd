"""One writer at a time for an embedded Chroma store: an advisory lock file under the data folder.

Chroma's embedded `PersistentClient` keeps each collection's vector index in memory and writes it
back to its folder as it changes. A process that writes with an index loaded before another
process's write saves its stale copy over the other's (measured: a fresh process then finds a
quarter of the vectors), and a process that only reads never sees the other's new vectors.
So every write of an embedded store runs under an exclusive lock on `<data dir>/store.lock`, after
re-opening the store when another process wrote since (see `Store.writing`); a serving process
re-opens it under a shared lock, never while a write is running (see `Store.reopen`).

`flock` locks belong to an open file and go away with the process, so a killed writer never
leaves the store locked. Where `fcntl` is missing (Windows), `filelock` stands in, exclusive for
readers too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from index.errors import NewsbotError, StoreWriteError, write_failure

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "store.lock"


class StoreBusy(NewsbotError):
    """Another process is writing the embedded store; `str()` names it and what to do."""


class StoreLock:
    """The write lock of the embedded store under `folder` (the data folder)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store for a write, or raise StoreBusy at once when another process does."""
        with self._open() as handle:
            if not _try_lock(handle, shared=False):
                raise StoreBusy(self.busy_text())
            try:
                _describe_holder(handle)
                yield
            finally:
                handle.truncate(0)
                _unlock(handle)

    @contextlib.contextmanager
    def shared(self) -> Iterator[bool]:
        """Hold off writers while reading the store's files; yields False (holding nothing)
        when a write is running, so that the caller can try again later instead of waiting."""
        with self._open() as handle:
            held = _try_lock(handle, shared=True)
            try:
                yield held
            finally:
                if held:
                    _unlock(handle)

    def busy_text(self) -> str:
        holder = self.holder()
        who = "another newsbot process"
        if holder:
            since = time.strftime("%H:%M:%S", time.localtime(holder.get("since", 0)))
            who = f"`{holder.get('command', 'newsbot')}` (pid {holder.get('pid')}, since {since})"
        return (
            f"the index in {self.path.parent.resolve()} is being written by {who}; only one "
            "process may write an embedded index at a time. Wait for it to finish and run this "
            "again, add articles through the running bot (/ingest, /reindex), or run Chroma as a "
            "server (NEWSBOT_CHROMA_HOST) for several writers"
        )

    def holder(self) -> dict[str, object] | None:
        """What the holding process wrote about itself, when it did."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            return None

    @contextlib.contextmanager
    def _open(self) -> Iterator[IO[str]]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # "a+": never truncates on opening, which would erase the holder's description.
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            reason = write_failure(exc) or type(exc).__name__
            raise StoreWriteError(
                f"cannot write the index in {self.path.parent.resolve()}: {reason}. Nothing was "
                "changed; make it writable, then run this again"
            ) from exc
        with handle:
            yield handle


def _command() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:2]])


def _describe_holder(handle: IO[str]) -> None:
    handle.truncate(0)
    handle.write(json.dumps({"command": _command(), "pid": os.getpid(), "since": time.time()}))
    handle.flush()


if fcntl is not None:

    def _try_lock(handle: IO[str], *, shared: bool) -> bool:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

else:  # pragma: no cover - Windows: one holder at a time, readers included
    from filelock import FileLock, Timeout

    _held: dict[int, FileLock] = {}

    def _try_lock(handle: IO[str], *, shared: bool) -> bool:
        lock = FileLock(f"{handle.name}.flock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        _held[id(handle)] = lock
        return True

    def _unlock(handle: IO[str]) -> None:
        _held.pop(id(handle)).release()
