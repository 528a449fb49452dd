"""Where the warm helper for a set of settings listens: a socket in a per-user folder, named by
a hash of everything that would make a helper answer differently from the command line."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.settings import Settings

log = logging.getLogger(__name__)

# sun_path holds 108 bytes on Linux and 104 on macOS; stay well clear of both.
MAX_SOCKET_PATH = 100
# Settings that change how long a helper lives, never what it answers.
_NOT_IDENTITY = frozenset({"warm_minutes"})
_CODE = ("index", "bot")


def supported() -> bool:
    """Warm helpers need Unix sockets and Unix user ids (not on Windows)."""
    return hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")


def helper_dir(create: bool) -> Path | None:
    """The per-user folder of the sockets, or None when it is missing or cannot be trusted (owned
    by someone else, or writable by others: they could plant a socket that answers for us)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    path = Path(base) / f"newsbot-{os.getuid()}"
    if create:
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            log.debug("cannot create %s: %s", path, exc)
            return None
    try:
        info = os.lstat(path)  # lstat: a symlink put there by someone else is refused too
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        log.warning("not using warm helpers: %s is not a private folder of this user", path)
        return None
    return path


def socket_path(settings: Settings, create: bool = False) -> Path | None:
    """The socket of the helper for these settings; None when there is no trustworthy place."""
    folder = helper_dir(create)
    if folder is None:
        return None
    path = folder / f"warm-{fingerprint(settings)}.sock"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        log.debug("not using warm helpers: the socket path would be too long (%s)", path)
        return None
    return path


def fingerprint(settings: Settings) -> str:
    """16 hex digits of a sha256 over the settings (secrets included, which is why only this hash
    is ever shown), the code that answers and the Python that runs it. A helper answers only
    clients whose fingerprint is its own, so it never answers with other settings or older code.
    """
    identity = {
        "settings": _settings_identity(settings),
        "code": _code_identity(),
        "python": sys.executable,
        # "today" and "this week" in a question are read in the local time zone.
        "tz": os.environ.get("TZ", ""),
    }
    blob = json.dumps(identity, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _settings_identity(settings: Settings) -> dict[str, Any]:
    return {
        name: _plain(getattr(settings, name))
        for name in type(settings).model_fields
        if name not in _NOT_IDENTITY
    }


def _plain(value: Any) -> Any:
    """Secrets revealed (a changed key must not be answered with the old one) and paths made
    absolute (a relative one means another folder when the command runs elsewhere)."""
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    if isinstance(value, Path):
        return os.path.abspath(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _code_identity() -> list[Any]:
    """The installed version, where the code is, and when it last changed: an editable install
    keeps its version while its files change, and a helper must not answer with stale code."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("newsbot")
    except PackageNotFoundError:
        installed = ""
    roots = [Path(__file__).resolve().parents[2] / name for name in _CODE]
    return [installed, [str(r) for r in roots], max(_newest_source(r) for r in roots)]


def _newest_source(root: Path) -> int:
    newest = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
    return newest
