"""Getting an article into `<data_dir>/uploads/` for `/ingest`: from an attachment or a url.

Input is checked before anything is written (type, size, text that is really text), file names
are sanitised so they cannot leave the uploads folder, and a file that replaces an earlier upload
of the same name is restored if the new one cannot be indexed. Urls go through the engine's url
guard (`Engine.fetch_article`): http(s) only, public addresses only (on every redirect), within a
size and a time limit. What a url gives is read into articles at once, as `newsbot index URL`
reads it, so each claims only the url the engine's identity rule lets it, and saved as a JSON
article file named after that url: one file per article, the same url again replaces its own
file.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

import yarl

from bot.discord.replies import Refused
from index.engine import Engine
from index.errors import FetchRefused


def safe_name(name: str, default_suffix: str = "") -> str:
    """A file name with no directory part, only [A-Za-z0-9._-], not hidden, at most 120 chars."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "article"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else default_suffix
    if suffix.lower() not in Engine.file_types() and default_suffix:
        stem, suffix = base, default_suffix
    return f"{stem[: 120 - len(suffix)]}{suffix}"


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse what cannot be an article, before anything is written."""
    suffix = Path(name).suffix.lower()
    readable = Engine.file_types()
    if suffix not in readable:
        allowed = ", ".join(sorted(readable))
        raise Refused(f"{name} is not an article file I can read ({allowed})")
    if not data.strip():
        raise Refused(f"{name} is empty")
    if len(data) > max_bytes:
        raise Refused(f"{name} is too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            raise Refused(f"{name} is not a PDF file")
        return
    if b"\x00" in data[:65536]:
        raise Refused(f"{name} looks like a binary file, not {suffix} text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"{name} is not UTF-8 text") from None


class Upload:
    """One file written into the uploads folder, with the previous version kept for `restore`."""

    def __init__(self, folder: Path, name: str, data: bytes) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = (folder / safe_name(name)).resolve()
        if self.path.parent != folder.resolve():  # cannot happen after safe_name; belt and braces
            raise Refused(f"{name} is not a valid file name")
        self.previous = self.path.read_bytes() if self.path.exists() else None
        tmp = self.path.with_name(f".{self.path.name}.part")
        tmp.write_bytes(data)
        tmp.replace(self.path)

    def restore(self) -> None:
        if self.previous is None:
            self.path.unlink(missing_ok=True)
        else:
            self.path.write_bytes(self.previous)


async def fetch_url(
    url: str, max_bytes: int, timeout: float, allowed_hosts: Iterable[str] = ()
) -> tuple[str, bytes]:
    """(file name, JSON article file) of `url`; `Refused` with a plain reason when it cannot be
    had or holds no article.

    Fetched through the engine's url guard: only http(s) on public addresses (or
    `allowed_hosts`), on every redirect hop; at most `max_bytes` and `timeout`.
    """
    try:
        # In a worker thread: the extraction is CPU work, not for the loop that serves everyone.
        identity, records = await asyncio.to_thread(
            Engine.fetch_article, url, max_bytes, timeout, allowed_hosts
        )
    except FetchRefused as exc:
        raise Refused(str(exc)) from None
    data = records[0] if len(records) == 1 else records
    name = url_file_name(identity)
    return name, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def url_file_name(url: str) -> str:
    """`host-lastsegment-hash.json`: readable, one per url (…/jan/story.html and
    …/feb/story.html differ), the same for the same url."""
    parsed = yarl.URL(url)
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    stem = PurePosixPath(parsed.path).stem or "index"
    return safe_name(f"{parsed.host}-{stem[:60]}-{digest}.json")
