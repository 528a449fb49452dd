"""Where log records go, and what never goes with them: every configured secret.

A secret can reach a log record without newsbot logging it: httpcore logs request and response
headers at DEBUG (a server may echo the key back in one), and its errors quote an illegal header
value whole. So every handler newsbot installs (the terminal's, the warm helper's `warm.log`,
the stderr a helper captures for a command) carries a `SecretFilter` that removes every
`SecretStr` setting's value, in the forms it takes in a record (as text, as the repr of text or
of bytes), from the message, the arguments, the traceback and the stack, at every level. Log
files are created readable by their owner only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import SecretStr

from index.settings import Settings

REDACTED = "[secret]"


def secret_values(settings: Settings) -> list[str]:
    """The value of every `SecretStr` setting that is set."""
    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [
        v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()
    ]


def _forms(secret: str) -> set[str]:
    """The secret as it may stand in a record: itself, escaped in a str repr, in a bytes repr."""
    return {secret, repr(secret)[1:-1], repr(secret.encode("utf-8", "replace"))[2:-1]} - {""}


class SecretFilter(logging.Filter):
    """Removes the secrets from every record it sees; drops no record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first: a secret that contains another is removed whole.
        self.forms = sorted({f for s in secrets for f in _forms(s)}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - logging would print the arguments in its error
            message = f"(a log record that could not be formatted: {record.msg!r})"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def guard_handler(handler: logging.Handler, settings: Settings) -> logging.Handler:
    """`handler` with a filter that keeps `settings`' secrets out of what it writes."""
    handler.addFilter(SecretFilter(secret_values(settings)))
    return handler


def guard_root_handlers(settings: Settings) -> None:
    """Every handler on the root logger guarded (those `logging.basicConfig` made)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretFilter) for f in handler.filters):
            guard_handler(handler, settings)


def private_file_handler(path: Path) -> logging.FileHandler:
    """A handler appending to `path`, which is made (or made again) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    os.chmod(path, 0o600)  # a file an older version made 0644
    return logging.FileHandler(path, encoding="utf-8")
