"""The store's Chroma collections, and every call to them.

`ChromaCollections` holds the client and the collections of one store (`<name>`: the chunks,
`<name>-articles`: the registry, `<name>-bodies`: the articles' bodies) and is the only way the
store's other parts reach them: `call(fn)` runs `fn()` (which reads the collections off this
object) with the client held, and turns Chroma's failures into one sentence: StoreUnavailable (a
server gone: questions queued behind it are told at once for a moment instead of each waiting
out the timeout), StoreWriteError (a full or read-only disk), StoreDamaged (SQLite finds the
file damaged).

`reconnect()` replaces the client (an embedded store re-opened to see another process's writes):
it waits for the calls running, holds new ones back meanwhile, and since `fn` looks the
collections up inside the call, no call runs on a closed client.

It also knows which store it opened, not just where: the embedded database file's identity
(device, inode) and the registry collection's id (`moved`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from chromadb.errors import NotFoundError

from index.errors import StoreDamaged, StoreUnavailable, StoreWriteError
from index.settings import Settings
from index.store import chroma_server
from index.store.connection import (
    ClientSwap,
    close_client,
    connect,
    damage,
    damaged_text,
    is_connection_error,
    read_error_text,
    store_write_failure,
    unavailable,
    write_error_text,
)
from index.store.records import PAGE

log = logging.getLogger(__name__)
T = TypeVar("T")

DATABASE_FILE = "chroma.sqlite3"  # embedded Chroma's database, in <data dir>/chroma
# After a server fails to answer, questions queued behind the failed one are told at once for
# this long (at most NEWSBOT_CHROMA_TIMEOUT) instead of each waiting out the timeout again.
_FAIL_FAST_SECONDS = 2.0


class ChromaCollections:
    """The client and the collections of one store, reached through `call`.

    `writing()` (given by the store) says whether a write operation is running: a failure to
    write during a question is worded as a read's (embedded Chroma writes even to answer).
    """

    def __init__(self, settings: Settings, fingerprint: str, writing: Callable[[], bool]) -> None:
        self.settings = settings
        self._fingerprint = fingerprint
        self._writing = writing
        self._swap = ClientSwap()
        self._fail_fast_until = 0.0
        self._last_failure = ""
        self._connect()

    # --- opening ------------------------------------------------------------------------------

    def _connect(self) -> None:
        """Open the store at the configured place, remembering which one it is."""
        self.opened_place = self.place_identity()
        self.client = connect(self.settings)
        self.translated(self._open_collections)
        if self.opened_place is None:  # created just now
            self.opened_place = self.place_identity()

    def _open_collections(self) -> None:
        name = self.settings.collection
        self.chunks = self.client.get_or_create_collection(
            name,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": self._fingerprint},
        )
        self.registry = self.client.get_or_create_collection(
            f"{name}-articles", embedding_function=None
        )
        self.bodies = self.client.get_or_create_collection(
            f"{name}-bodies", embedding_function=None
        )
        sentences = f"{name}-sentences"
        if self.settings.server_mode:  # every process reads them from the server
            self.sentences = self.client.get_or_create_collection(
                sentences, embedding_function=None
            )
        else:  # kept in a file of the store's own; a collection is one to convert
            self.sentences = self._existing(sentences)
        built_with = (self.chunks.metadata or {}).get("embedding_model")
        if built_with and built_with != self._fingerprint and self.chunks.count():
            raise StoreUnavailable(
                f"collection {name!r} was built with embedding model {built_with}, not "
                f"{self._fingerprint}; set NEWSBOT_COLLECTION to a new name and index again"
            )

    def _existing(self, name: str) -> Any | None:
        """The collection of that name, None when there is none."""
        try:
            return self.client.get_collection(name, embedding_function=None)
        except NotFoundError:
            return None

    def drop_sentences(self) -> None:
        """Delete the sentence vector collection (an embedded store's, once converted)."""
        name = f"{self.settings.collection}-sentences"
        self.call("client", "delete_collection", name=name)
        self.sentences = None

    def reconnect(self) -> None:
        """Open the store anew (its client, its collections), once the calls running end."""
        with self._swap.swapping():
            self.close()
            self._connect()
        log.info("re-opened the store to see writes of another process")

    def close(self) -> None:
        """Release the client: the embedded store's files and threads, or the HTTP connections."""
        close_client(self.client)

    # --- which store this is ------------------------------------------------------------------

    def place_identity(self) -> tuple[int, int] | None:
        """The embedded database file at the configured path now (device, inode); None in
        server mode or when there is none. While a client holds the file open its inode cannot
        be reused, so another identity means another file."""
        if self.settings.server_mode:
            return None
        try:
            info = os.stat(self.settings.data_dir / "chroma" / DATABASE_FILE)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    def registry_as_stored(self) -> Any:
        """The registry collection read anew: its metadata as stored now, not as opened."""
        return self.call("client", "get_collection", name=self.settings.collection + "-articles")

    def moved(self) -> bool:
        """Another store is where this one was opened: another database file at the path (or
        none), or another registry collection under the name."""
        if self.place_identity() != self.opened_place:
            return True
        return self.registry_as_stored().id != self.registry.id

    @property
    def location(self) -> str:
        if self.settings.server_mode:
            where = chroma_server.server_name(self.settings) + chroma_server.place(self.settings)
            return f"chroma server {where}"
        return str((self.settings.data_dir / "chroma").resolve())

    # --- calls ---------------------------------------------------------------------------------

    def call(self, name: str, method: str, /, **kwargs: Any) -> Any:
        """`<name>.<method>(**kwargs)`, `name` a collection of this store ("chunks",
        "registry", "bodies", "sentences") or "client", looked up as it is when the call runs:
        with the client held (not replaced meanwhile) and failures as one sentence."""
        if time.monotonic() < self._fail_fast_until:
            raise StoreUnavailable(self._last_failure)
        with self._swap.using():
            return self.translated(getattr(getattr(self, name), method), **kwargs)

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """`fn(...)` (a method of a collection just read, such as `registry_as_stored()`),
        with the client held and failures as one sentence."""
        if time.monotonic() < self._fail_fast_until:
            raise StoreUnavailable(self._last_failure)
        with self._swap.using():
            return self.translated(fn, *args, **kwargs)

    def translated(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """`fn(...)`, its failures as `call` says (without holding the client: opening it)."""
        try:
            return fn(*args, **kwargs)
        except (StoreUnavailable, StoreWriteError, StoreDamaged):
            raise
        except Exception as exc:
            damaged = damage(exc)
            if damaged:
                raise StoreDamaged(damaged_text(self.settings, damaged, exc)) from exc
            if is_connection_error(exc):
                self._last_failure = unavailable(self.settings, exc)
                pause = min(_FAIL_FAST_SECONDS, self.settings.chroma_timeout)
                self._fail_fast_until = time.monotonic() + pause
                raise StoreUnavailable(self._last_failure) from exc
            refused = (
                chroma_server.refusal(self.settings, exc) if self.settings.server_mode else None
            )
            if refused is not None:  # a token revoked, a database dropped while running
                raise refused from None
            reason = store_write_failure(self.settings, exc)
            if reason and not self._writing():  # a question: Chroma writes even to answer
                raise StoreWriteError(read_error_text(self.settings, reason, exc)) from exc
            if reason:
                raise StoreWriteError(self.write_error_text(reason, exc)) from exc
            raise

    def write_error_text(self, reason: str, exc: BaseException, where: str | None = None) -> str:
        """The sentence for a failed write; `where` defaults to the store's own location."""
        return write_error_text(self.settings, reason, exc, where)

    def pages(self, name: str, include: list[str]) -> Iterator[Any]:
        """A whole collection, `PAGE` records at a time."""
        offset = 0
        while True:
            got = self.call(name, "get", include=include, limit=PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])
