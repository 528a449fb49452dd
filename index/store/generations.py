"""Several processes on one store: the generation every finished write operation leaves in the
registry collection's metadata, and what a process does when it finds another than its own (an
embedded store is re-opened: its vector index is cached per process).

A mixin of `Store`, which provides the client, the registry collection, the lock and `_guard`.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

from index.store.connection import connect
from index.store.records import WriteOperation

log = logging.getLogger(__name__)


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

    def changed_elsewhere(self) -> str | None:
        """The stored generation when another process wrote since this one last looked."""
        stored = self.stored_generation()
        return stored if stored != self.generation else None

    def reopen(self, generation: str) -> bool:
        """See what other processes wrote up to `generation`: an embedded store is opened anew
        (its vector index is cached per process), under the shared lock so never while another
        process writes; False (nothing done) when one does, to be tried again later."""
        if self.lock is None:
            self.generation = generation
            return True
        with self.lock.shared() as held:
            if not held:
                return False
            self._reconnect()
        self.generation = generation
        return True

    def _reconnect(self) -> None:
        with self._swap.swapping():
            # A call may have picked its method off an object this replaces just before the
            # swap began: `_guard` looks it up again on the new one (refs keep the ids unique).
            names = ("client", "chunks", "registry", "sentences", "vectors")
            self._replaced = {id(getattr(self, n)): (n, getattr(self, n)) for n in names}
            self.close()
            self.client = connect(self.settings)
            self._open_collections(self._fingerprint)
        log.info("re-opened the store to see writes of another process")

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write operation (an index run, a forget): an embedded store is held for
        this process alone (StoreBusy at once when another holds it) and re-opened first when
        another process wrote since; afterwards every process can tell the store changed."""
        with self.lock.exclusive() if self.lock is not None else contextlib.nullcontext():
            stored = self.changed_elsewhere()
            if stored is not None:
                if self.lock is not None:
                    self._reconnect()  # never write back a vector index older than the store's
                self.generation = stored  # (the operation ends by syncing the keyword index)
            self._wrote = False
            operation = WriteOperation(self.settled_generation(), uuid.uuid4().hex)
            self.operation = operation
            try:
                yield
            finally:
                self.operation = None
            # Only after a write operation that finished: one that failed (a full disk, a server
            # gone) is not asked to write once more, which on a full Chroma server hangs it for
            # everyone; its committed articles reach other processes with the next write.
            if self._wrote:  # a run that found everything unchanged costs the others nothing
                self._bump_generation(operation.ends_at)
                self._wrote = False  # a change outside an operation leaves the store untidy

    def _bump_generation(self, generation: str) -> None:
        try:
            self._guard(
                self._registry_as_stored().modify,
                metadata={"generation": generation, "tidy": "1"},
            )
        except Exception as exc:  # noqa: BLE001 - the write's own outcome is the one to report
            log.warning("could not mark the index as changed: %s", type(exc).__name__)
            return
        self.generation = generation

    def _changing(self) -> None:
        """Before the first change of a write operation: mark the store untidy until the
        operation finishes (`_bump_generation`), so that only the run after one that was
        killed or failed pays for sweeping the whole collection."""
        if self._wrote:
            return
        stored = self._registry_as_stored().metadata or {}
        generation = str(stored.get("generation", ""))
        self._guard(
            self._registry_as_stored().modify, metadata={"generation": generation, "tidy": "0"}
        )
        self._wrote = True

    def tidy(self) -> bool:
        """Whether the last write operation finished (so it left no invisible chunks)."""
        return (self._registry_as_stored().metadata or {}).get("tidy") == "1"
