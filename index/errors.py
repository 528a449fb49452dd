"""Errors the engine raises on purpose: each carries one plain sentence for the user."""

from __future__ import annotations

import errno


class NewsbotError(Exception):
    """A failure the user can act on; `str(err)` is the sentence to show."""


class InvalidQuestion(NewsbotError):
    """An empty or over-long question."""


class StoreUnavailable(NewsbotError):
    """The Chroma store (usually a server) cannot be reached."""


class StoreWriteError(NewsbotError):
    """The index could not be written: disk full, read-only or not permitted. What was already
    indexed is intact (the registry is the commit point) and still answers."""


class StoreDamaged(NewsbotError):
    """The store's own files cannot be read (SQLite: malformed, not a database); nothing was
    changed, and `str()` says what to do."""


class IndexStopped(NewsbotError):
    """An indexing run stopped early because the process is shutting down."""


class ArticleNotFound(NewsbotError):
    """`forget` was given an id or path that is not indexed."""


class FetchRefused(NewsbotError):
    """A url that may not or could not be fetched; `str()` is the plain reason."""


class PollRunning(NewsbotError):
    """Another process is polling the feeds right now."""


# Why a write failed, by errno (OSError) or by the text SQLite and Chroma put in their errors.
_WRITE_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "a file size limit was reached",
    errno.EROFS: "it is read-only",
    errno.EACCES: "permission was denied",
    errno.EPERM: "permission was denied",
}
_WRITE_TEXTS = (
    ("database or disk is full", "the disk is full"),
    ("no space left on device", "the disk is full"),
    ("disk quota exceeded", "the disk quota is used up"),
    ("file too large", "a file size limit was reached"),
    ("readonly database", "it is read-only"),  # also "attempt to write a readonly database"
    ("read-only file system", "it is read-only"),
    ("permission denied", "permission was denied"),
    ("disk i/o error", "the disk refused a write (disk I/O error: is it full?)"),
)


def write_failure(exc: BaseException) -> str | None:
    """Why `exc` (or an error it was raised from) is a failed write to disk, or None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _WRITE_ERRNOS:
            return _WRITE_ERRNOS[seen.errno]
        text = str(seen).lower()
        for needle, reason in _WRITE_TEXTS:
            if needle in text:
                return reason
        seen = seen.__cause__ or seen.__context__
    return None
