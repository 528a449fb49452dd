"""Errors the engine raises on purpose: each carries one plain sentence for the user."""


class NewsbotError(Exception):
    """A failure the user can act on; `str(err)` is the sentence to show."""


class InvalidQuestion(NewsbotError):
    """An empty or over-long question."""


class StoreUnavailable(NewsbotError):
    """The Chroma store (usually a server) cannot be reached."""


class ArticleNotFound(NewsbotError):
    """`forget` was given an id or path that is not indexed."""
