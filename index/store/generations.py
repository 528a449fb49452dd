"""Several processes on one store: the generation each write operation leaves in the registry
collection's metadata, and what a process does when it finds another than its own (an embedded
store is re-opened: its vector index is cached per process).

A write operation moves the generation twice: to a generation of its own, marked untidy, before
its first change, and to its final one when it finishes, marked tidy (unless it started untidy
and did not sweep). So other processes see that the store changed however the operation ends:
finished, failed (a full disk) or killed; and an untidy store tells that an operation did not
finish and the next index run has to sweep what it left.

A process also knows which store it opened, not just where: the embedded database file's
identity (device, inode) and the registry collection's id. When another store takes the place
(a data folder re-pointed through a symlink, deleted and built again, a collection re-created),
it is re-opened like a store that changed.

A mixin of `Store`, which provides the client, the registry collection, the lock and `_guard`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

from index.errors import write_failure
from index.store.connection import connect
from index.store.records import WriteOperation

log = logging.getLogger(__name__)

DATABASE_FILE = "chroma.sqlite3"  # embedded Chroma's database, in <data dir>/chroma


class SharedGenerations:
    def _registry_as_stored(self) -> Any:
        """The registry collection read anew: its metadata as stored now, not as opened."""
        return self._guard(self.client.get_collection, self.registry.name)

    def stored_generation(self) -> str:
        """The generation the last write operation (of any process) left in the registry."""
        return str((self._registry_as_stored().metadata or {}).get("generation", ""))

    def settled_generation(self) -> str | None:
        """The stored generation when the last write operation finished (the registry then
        holds exactly what that generation names); None after one that did not."""
        meta = self._registry_as_stored().metadata or {}
        return str(meta.get("generation", "")) if meta.get("tidy") == "1" else None

    def changed_elsewhere(self) -> bool:
        """Whether another process wrote since this one last looked (or began a write that
        did not finish), or another store is in this one's place now."""
        if self.place_identity() != self._opened_place:
            return True
        registry = self._registry_as_stored()  # one read: the bot looks every few seconds
        stored = str((registry.metadata or {}).get("generation", ""))
        return registry.id != self.registry.id or stored != self.generation

    def _moved(self) -> bool:
        """Another store is where this one was opened: another database file at the path (or
        none), or another registry collection under the name."""
        if self.place_identity() != self._opened_place:
            return True
        return self._registry_as_stored().id != self.registry.id

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

    def reopen(self) -> bool:
        """See what other processes wrote: an embedded store is opened anew (its vector index
        is cached per process), under the shared lock so never while another process writes;
        False (nothing done) when one does, to be tried again later."""
        if self.lock is None:
            if self._moved():
                self._reconnect()
            self.generation = self.stored_generation()
            return True
        with self.lock.shared() as held:
            if not held:
                return False
            self._reconnect()
            # Read under the lock, from what was opened: no write can fall in between.
            self.generation = self.stored_generation()
        return True

    def _reconnect(self) -> None:
        with self._swap.swapping():
            # A call may have picked its method off an object this replaces just before the
            # swap began: `_guard` looks it up again on the new one (refs keep the ids unique).
            names = ("client", "chunks", "registry", "sentences", "vectors")
            self._replaced = {id(getattr(self, n)): (n, getattr(self, n)) for n in names}
            self.close()
            self._connect()
        log.info("re-opened the store to see writes of another process")

    def _connect(self) -> None:
        """Open the store at the configured place, remembering which one it is."""
        self._opened_place = self.place_identity()
        self.client = connect(self.settings)
        self._translated(self._open_collections, self._fingerprint)
        if self._opened_place is None:  # created just now
            self._opened_place = self.place_identity()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write operation (an index run, a forget): an embedded store is held for
        this process alone (StoreBusy at once when another holds it) and re-opened first when
        another process wrote since; afterwards every process can tell the store changed."""
        with self.lock.exclusive() if self.lock is not None else contextlib.nullcontext():
            if self.changed_elsewhere():
                if self.lock is not None or self._moved():
                    self._reconnect()  # never write back a vector index older than the store's
                self.generation = self.stored_generation()  # (it ends by syncing keywords)
            self._wrote = False
            operation = WriteOperation(self.settled_generation(), uuid.uuid4().hex)
            self.operation = operation
            try:
                yield
            finally:
                self.operation = None
            # Only after a write operation that finished: one that failed (a full disk, a server
            # gone) is not asked to write once more, which on a full Chroma server hangs it for
            # everyone; other processes saw its change begin (`_changing`).
            was_tidy = operation.starts_at is not None
            # A run that found everything unchanged costs the others nothing; one that swept
            # after an unfinished one tells them the store is tidy again.
            if self._wrote or (operation.tidied and not was_tidy):
                self._bump_generation(operation.ends_at, tidy=was_tidy or operation.tidied)
                self._wrote = False  # a change outside an operation leaves the store untidy

    def _bump_generation(self, generation: str, tidy: bool) -> None:
        try:
            self._guard(
                self._registry_as_stored().modify,
                metadata={"generation": generation, "tidy": "1" if tidy else "0"},
            )
        except Exception as exc:  # noqa: BLE001 - the write's own outcome is the one to report
            # Other processes saw the change already (`_changing`); the store stays untidy.
            log.warning(
                "the changes are stored, but the index could not be marked as finished (%s): "
                "the next `newsbot index` completes it",
                write_failure(exc) or type(exc).__name__,
            )
            return
        self.generation = generation

    def _changing(self) -> None:
        """Before the first change of a write operation: move the generation to one of this
        operation's own, marked untidy until it finishes (`_bump_generation`). Other processes
        re-open the store however the operation ends, and only the run after one that was
        killed or failed pays for sweeping the whole collection."""
        if self._wrote:
            return
        registry = self._registry_as_stored()
        before = str((registry.metadata or {}).get("generation", ""))
        ends_at = self.operation.ends_at if self.operation is not None else uuid.uuid4().hex
        started = f"{ends_at}-started"
        self._guard(registry.modify, metadata={"generation": started, "tidy": "0"})
        if before == self.generation:  # nobody else wrote since: this process has it all
            self.generation = started
        self._wrote = True

    def catch_up_later(self) -> None:
        """After a write operation that failed: this process sees what it committed as
        another process would, at its next refresh (the store re-opened, the keyword index
        synced) or start, not by reading the store at once: right after Chroma failed a write
        (a full disk) a read fails too, or, measured under a file size limit, never returns."""
        self.generation = ""

    def tidy(self) -> bool:
        """Whether the last write operation finished (so it left no invisible chunks)."""
        return (self._registry_as_stored().metadata or {}).get("tidy") == "1"

    def last_write(self) -> str:
        """How the last write operation ended: "finished"; "running" (another process holds
        the embedded store now); "unfinished" (killed or failed); with a Chroma server, where
        a write elsewhere cannot be seen, "unsettled" (unfinished, or still running)."""
        if self.tidy():
            return "finished"
        if self.lock is None:
            return "unsettled"
        with self.lock.shared() as free:
            return "unfinished" if free else "running"
