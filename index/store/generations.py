"""Several processes on one store: the generation each write operation leaves in the registry
collection's metadata, and the commit protocol of a write operation.

A write operation moves the generation twice: to a generation of its own, marked untidy, before
its first change, and to its final one when it finishes, marked tidy (unless it started untidy
and did not sweep). So other processes see that the store changed however the operation ends:
finished, failed (a full disk) or killed; and an untidy store tells that an operation did not
finish and the next index run has to sweep what it left.

A process that finds another generation than its own, or another store in its place (a data
folder re-pointed through a symlink, deleted and built again, a collection re-created), re-opens
an embedded store (its vector index is cached per process) and refreshes its keyword index.
Only one process writes an embedded store at a time (`StoreLock`).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator

from index.errors import write_failure
from index.store.collections import ChromaCollections
from index.store.lock import StoreLock
from index.store.records import WriteOperation

log = logging.getLogger(__name__)


class Generations:
    """Which generation of the store this process has seen, and the write operation running.

    Holds the collections (to read and move the registry's generation), the embedded store's
    lock (None in server mode) and `reopen`, which the store gives to open all its parts anew.
    Its contract to the store: wrap every write operation in `writing()`, call `changing()`
    before each change and `touched(doc_id)` for each article a write changes, `swept()` after
    sweeping what an unfinished one left.
    """

    def __init__(
        self,
        chroma: ChromaCollections,
        lock: StoreLock | None,
        reopen: Callable[[], None],
    ) -> None:
        self._chroma = chroma
        self.lock = lock
        self._reopen = reopen
        self._wrote = False  # whether the write operation running changed anything
        self.operation: WriteOperation | None = None
        self.seen = self.stored()  # the generation this process's view of the store is at

    # --- reading the generation -----------------------------------------------------------------

    def stored(self) -> str:
        """The generation the last write operation (of any process) left in the registry."""
        return str((self._chroma.registry_as_stored().metadata or {}).get("generation", ""))

    def settled(self) -> str | None:
        """The stored generation when the last write operation finished (the registry then
        holds exactly what that generation names); None after one that did not."""
        meta = self._chroma.registry_as_stored().metadata or {}
        return str(meta.get("generation", "")) if meta.get("tidy") == "1" else None

    def changed_elsewhere(self) -> bool:
        """Whether another process wrote since this one last looked (or began a write that
        did not finish), or another store is in this one's place now."""
        chroma = self._chroma
        if chroma.place_identity() != chroma.opened_place:
            return True
        registry = chroma.registry_as_stored()  # one read: the bot looks every few seconds
        stored = str((registry.metadata or {}).get("generation", ""))
        return registry.id != chroma.registry.id or stored != self.seen

    def tidy(self) -> bool:
        """Whether the last write operation finished (so it left no invisible chunks)."""
        return (self._chroma.registry_as_stored().metadata or {}).get("tidy") == "1"

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

    def keyword_plan(self) -> tuple[tuple[str, str] | None, list[str]]:
        """What a keyword index needs to follow the write running in this process: (the
        generation it started from, the one it will leave) and the articles it changed, when
        an index at the first generation lacks just these; (None, []) when it must compare the
        whole registry (no write running, a server-mode store, or the write before did not
        finish)."""
        operation = self.operation if self.lock is not None else None
        if operation is None or operation.starts_at is None:
            return None, []
        return (operation.starts_at, operation.ends_at), sorted(operation.articles)

    # --- following other processes --------------------------------------------------------------

    def reopen(self) -> bool:
        """See what other processes wrote: an embedded store is opened anew (its vector index
        is cached per process), under the shared lock so never while another process writes;
        False (nothing done) when one does, to be tried again later."""
        if self.lock is None:
            if self._chroma.moved():
                self._reopen()
            self.seen = self.stored()
            return True
        with self.lock.shared() as held:
            if not held:
                return False
            self._reopen()
            # Read under the lock, from what was opened: no write can fall in between.
            self.seen = self.stored()
        return True

    def catch_up_later(self) -> None:
        """After a write operation that failed: this process sees what it committed as
        another process would, at its next refresh (the store re-opened, the keyword index
        synced) or start, not by reading the store at once: right after Chroma failed a write
        (a full disk) a read fails too, or, measured under a file size limit, never returns."""
        self.seen = ""

    # --- a write operation ----------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write operation (an index run, a forget): an embedded store is held for
        this process alone (StoreBusy at once when another holds it) and re-opened first when
        another process wrote since; afterwards every process can tell the store changed."""
        with self.lock.exclusive() if self.lock is not None else contextlib.nullcontext():
            if self.changed_elsewhere():
                if self.lock is not None or self._chroma.moved():
                    self._reopen()  # never write back a vector index older than the store's
                self.seen = self.stored()  # (it ends by syncing keywords)
            self._wrote = False
            operation = WriteOperation(self.settled(), uuid.uuid4().hex)
            self.operation = operation
            try:
                yield
            finally:
                self.operation = None
            # Only after a write operation that finished: one that failed (a full disk, a server
            # gone) is not asked to write once more, which on a full Chroma server hangs it for
            # everyone; other processes saw its change begin (`changing`).
            was_tidy = operation.starts_at is not None
            # A run that found everything unchanged costs the others nothing; one that swept
            # after an unfinished one tells them the store is tidy again.
            if self._wrote or (operation.tidied and not was_tidy):
                self._finish(operation.ends_at, tidy=was_tidy or operation.tidied)
                self._wrote = False  # a change outside an operation leaves the store untidy

    @property
    def running(self) -> bool:
        return self.operation is not None

    def touched(self, doc_id: str) -> None:
        """The write running changes this article (the keyword index follows it alone)."""
        if self.operation is not None:
            self.operation.articles.add(doc_id)

    def swept(self) -> None:
        """The write running swept what an unfinished one left: the store is tidy after it."""
        if self.operation is not None:
            self.operation.tidied = True

    def changing(self) -> None:
        """Before the first change of a write operation: move the generation to one of this
        operation's own, marked untidy until it finishes (`_finish`). Other processes re-open
        the store however the operation ends, and only the run after one that was killed or
        failed pays for sweeping the whole collection."""
        if self._wrote:
            return
        registry = self._chroma.registry_as_stored()
        before = str((registry.metadata or {}).get("generation", ""))
        ends_at = self.operation.ends_at if self.operation is not None else uuid.uuid4().hex
        started = f"{ends_at}-started"
        self._chroma.run(registry.modify, metadata={"generation": started, "tidy": "0"})
        if before == self.seen:  # nobody else wrote since: this process has it all
            self.seen = started
        self._wrote = True

    def _finish(self, generation: str, tidy: bool) -> None:
        metadata = {"generation": generation, "tidy": "1" if tidy else "0"}
        try:
            registry = self._chroma.registry_as_stored()
            self._chroma.run(registry.modify, metadata=metadata)
        except Exception as exc:  # noqa: BLE001 - the write's own outcome is the one to report
            # Other processes saw the change already (`changing`); the store stays untidy.
            log.warning(
                "the changes are stored, but the index could not be marked as finished (%s): "
                "the next `newsbot index` completes it",
                write_failure(exc) or type(exc).__name__,
            )
            return
        self.seen = generation
