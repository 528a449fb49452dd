"""Reaching Chroma: an embedded client under the data folder or an HTTP client, with a bounded
timeout, and its failures as one plain sentence (StoreUnavailable, StoreWriteError,
StoreDamaged)."""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from index.errors import StoreDamaged, StoreUnavailable, StoreWriteError, write_failure
from index.settings import Settings
from index.store import chroma_server

log = logging.getLogger(__name__)

# What SQLite (through Chroma) says of a database file that is damaged.
_DAMAGE_TEXTS = (
    ("database disk image is malformed", "database disk image is malformed"),
    ("(code: 11)", "database disk image is malformed"),
    ("file is not a database", "file is not a database"),
    ("(code: 26)", "file is not a database"),
)
# Chroma failing to apply its write-ahead log to its files, or to purge it: its message names
# no cause (a full disk gives "Error in compaction: Error purging logs").
_LOG_APPLY_TEXTS = (
    "error in compaction",
    "compactor",
    "error purging logs",
    "failed to apply logs",
)
_NEARLY_FULL = 64 * 1024 * 1024  # free bytes under which a failure to write is the disk's


def connect(settings: Settings) -> chromadb.api.ClientAPI:
    """An embedded client under the data directory, or an HTTP client when a host is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.server_mode:
            _check_reachable(settings)
            client = chroma_server.http_client(settings)
            _bound_http_timeout(client, settings.chroma_timeout)
            client.heartbeat()
            return client
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except StoreUnavailable:
        raise
    except Exception as exc:  # chromadb raises several unrelated types for the same failure
        damaged = damage(exc)
        if damaged:
            raise StoreDamaged(damaged_text(settings, damaged, exc)) from exc
        reason = None if settings.server_mode else store_write_failure(settings, exc)
        if reason:
            # Embedded Chroma writes to its folder on opening, even to answer a question.
            log.info("opening the store failed: %s", short(exc, 300))
            raise StoreWriteError(
                f"cannot open the index in {settings.data_dir / 'chroma'}: {reason}; Chroma "
                "needs write access to its folder, even to answer. Nothing in it was changed"
            ) from exc
        raise StoreUnavailable(unavailable(settings, exc)) from exc


def _check_reachable(settings: Settings) -> None:
    # chromadb's HttpClient makes its first requests while it is being built, before its
    # timeout can be bounded: a stalled server would hang here. Ask first, with a deadline.
    import httpx

    url = httpx.URL(
        scheme="https" if settings.chroma_ssl else "http",
        host=settings.chroma_host,
        port=settings.chroma_port,
        path="/api/v2/heartbeat",
    )
    headers = chroma_server.auth_headers(settings)
    try:
        httpx.get(url, headers=headers, timeout=settings.chroma_timeout).raise_for_status()
    except httpx.HTTPStatusError as exc:
        refused = chroma_server.refusal(settings, exc)
        raise refused or StoreUnavailable(unavailable(settings, exc)) from None
    except httpx.HTTPError as exc:
        raise StoreUnavailable(unavailable(settings, exc)) from exc


def _bound_http_timeout(client: Any, seconds: float) -> None:
    # chromadb's HTTP client waits forever (httpx timeout=None); a stalled server would hang a
    # question. There is no public setting for it, so set it on the session it owns.
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)


def unavailable(settings: Settings, exc: Exception) -> str:
    where = (
        f"the Chroma server at {chroma_server.server_name(settings)}"
        if settings.server_mode
        else f"the Chroma store in {settings.data_dir / 'chroma'}"
    )
    return (
        f"the index is unavailable: cannot reach {where} ({exc.__class__.__name__}); "
        "try again shortly"
    )


def damage(exc: BaseException) -> str | None:
    """SQLite's words when `exc` (or an error it came from) says a database file is damaged."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen).lower()
        for needle, reason in _DAMAGE_TEXTS:
            if needle in text:
                return reason
        seen = seen.__cause__ or seen.__context__
    return None


def damaged_text(settings: Settings, reason: str, exc: BaseException) -> str:
    """The sentence for a store whose files cannot be read."""
    log.info("the store's files are damaged: %s", short(exc, 300))
    if settings.server_mode:
        return (
            f"the Chroma server at {chroma_server.server_name(settings)} cannot read its "
            f"database ({reason}); nothing was changed: its operator must restore it"
        )
    return (
        f"the index in {settings.data_dir / 'chroma'} is damaged ({reason}) and cannot be "
        "read; nothing in it was changed: restore the folder from a backup, or move it aside "
        "and run `newsbot index` to build the index again"
    )


def store_write_failure(settings: Settings, exc: BaseException) -> str | None:
    """Why a Chroma call failed to write the store's files, or None: the reason `write_failure`
    finds in the error, else, for Chroma's failures to apply or purge its log (which name no
    cause), the disk's state."""
    reason = write_failure(exc)
    if reason is not None or not any(t in str(exc).lower() for t in _LOG_APPLY_TEXTS):
        return reason
    if settings.server_mode:
        return f"the server could not save its changes ({short(exc, 100)}; is its disk full?)"
    try:
        free = shutil.disk_usage(settings.data_dir).free
    except OSError:
        free = _NEARLY_FULL
    if free < _NEARLY_FULL:
        return "the disk is full"
    return f"Chroma could not save its changes to its files ({short(exc, 100)}; is the disk full?)"


def short(exc: BaseException, limit: int = 120) -> str:
    """An error's own text on one line, shortened: the detail next to a plain reason."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ClientSwap:
    """Chroma calls share the client; replacing it waits until the calls running finish, and
    holds new ones back meanwhile (a re-open closes the old client)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._users = 0
        self._swapping = False

    @contextlib.contextmanager
    def using(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._swapping)
            self._users += 1
        try:
            yield
        finally:
            with self._cond:
                self._users -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def swapping(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._swapping)
            self._swapping = True
            self._cond.wait_for(lambda: self._users == 0)
        try:
            yield
        finally:
            with self._cond:
                self._swapping = False
                self._cond.notify_all()


def is_connection_error(exc: BaseException) -> bool:
    names = {
        "ConnectError",
        "ConnectTimeout",
        "ReadTimeout",
        "RemoteProtocolError",
        "ConnectionError",
        "ConnectionRefusedError",
        "TimeoutException",
        "ReadError",
    }
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ in names or "Could not connect" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def close_client(client: Any) -> None:
    """Release a Chroma client: the embedded store's files and threads, or the HTTP connections.

    `Client.close()` (chromadb >= 1.1) stops the shared System when this is its last user;
    the HTTP client's connection pool is not part of that, so it is closed here too.
    """
    session = getattr(getattr(client, "_server", None), "_session", None)
    close = getattr(client, "close", None)
    try:
        if close is not None:
            close()
        else:  # older chromadb: stop the System by hand
            client._system.stop()
        if session is not None:
            session.close()
    except Exception as exc:  # noqa: BLE001 - closing is best effort on the way out
        log.warning("closing the Chroma client failed: %s", type(exc).__name__)


def write_error_text(
    settings: Settings, reason: str, exc: BaseException, where: str | None = None
) -> str:
    """The sentence for a failed write; `where` defaults to the store's own location."""
    where = where or (
        f"on the Chroma server at {chroma_server.server_name(settings)}"
        if settings.server_mode
        else f"in {settings.data_dir.resolve()}"
    )
    # The raw error (SQLite's, Chroma's) is for the log; the sentence names the cause.
    log.info("write failed %s: %s", where, short(exc, 300))
    return (
        f"cannot write the index {where}: {reason}. The run stopped; the index still "
        "answers as before. Free some space or make it writable, then index again"
    )


def read_error_text(settings: Settings, reason: str, exc: BaseException) -> str:
    """The sentence for a read that failed writing: embedded Chroma writes even to answer."""
    log.info("a read failed writing %s: %s", settings.data_dir.resolve(), short(exc, 300))
    if settings.server_mode:
        return f"the index cannot answer now: {reason}. Nothing indexed was lost; try again later"
    return (
        f"cannot use the index in {settings.data_dir.resolve()}: {reason} (Chroma writes to "
        "its folder even to answer). Nothing indexed was lost; free some space, then try again"
    )
