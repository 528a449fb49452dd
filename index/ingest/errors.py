"""How a file fails to load: `UnreadableFile`, whose message is the skip reason."""

from __future__ import annotations


class UnreadableFile(Exception):
    """The file cannot become an article; the message says why, in one plain sentence, for the
    index summary."""


def failure_reason(exc: BaseException) -> str:
    """The skip reason for an error a reader did not expect. Never the library's message, which
    may quote the file."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "needs more memory to read than there is"
    return f"cannot be read ({type(exc).__name__})"
