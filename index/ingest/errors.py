"""The one way a file fails to load: `UnreadableFile`, whose message is the skip reason."""

from __future__ import annotations


class UnreadableFile(Exception):
    """The file cannot become an article; the message says why, in one plain sentence, for the
    index summary."""
