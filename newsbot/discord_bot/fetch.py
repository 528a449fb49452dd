"""Getting an article into `<data_dir>/uploads/` for `/ingest`: from an attachment or a url.

Input is checked before anything is written (type, size, text that is really text), file names
are sanitised so they cannot leave the uploads folder, and a file that replaces an earlier upload
of the same name is restored if the new one cannot be indexed. Urls go through `url_guard`:
http(s) only, public addresses only (on every redirect), within a size and a time limit.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

import aiohttp
import yarl

from index.ingest.loaders import SUPPORTED_SUFFIXES
from newsbot.discord_bot import url_guard
from newsbot.discord_bot.replies import Refused

TEXT_SUFFIXES = SUPPORTED_SUFFIXES - {".pdf"}
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/json": ".json",
    "application/pdf": ".pdf",
}
USER_AGENT = "newsbot (+https://github.com/; article ingest)"


def safe_name(name: str, default_suffix: str = "") -> str:
    """A file name with no directory part, only [A-Za-z0-9._-], not hidden, at most 120 chars."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "article"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else default_suffix
    if suffix.lower() not in SUPPORTED_SUFFIXES and default_suffix:
        stem, suffix = base, default_suffix
    return f"{stem[: 120 - len(suffix)]}{suffix}"


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse what cannot be an article, before anything is written."""
    suffix = Path(name).suffix.lower()
    allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
    if suffix not in SUPPORTED_SUFFIXES:
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


REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


async def fetch_url(
    url: str, max_bytes: int, timeout: float, allowed_hosts: Iterable[str] = ()
) -> tuple[str, bytes]:
    """(file name, body) of `url`; `Refused` with a plain reason when it cannot be had.

    Only http(s) on public addresses (or `allowed_hosts`), checked on every redirect hop and
    when each name is resolved; at most `max_bytes` and `timeout` seconds in all.
    """
    try:
        parsed = yarl.URL(url.strip())
    except ValueError:
        raise Refused(f"{url!r} is not a valid url") from None
    allowed = url_guard.allowed_hosts(allowed_hosts)
    url_guard.check_url(parsed, allowed)
    shown = str(parsed)[:200]
    resolver = url_guard.GuardedResolver(allowed)
    try:
        async with (
            asyncio.timeout(timeout),
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver),
                timeout=aiohttp.ClientTimeout(total=timeout),
                headers={"User-Agent": USER_AGENT},
            ) as session,
        ):
            for _ in range(MAX_REDIRECTS + 1):
                async with session.get(parsed, allow_redirects=False) as resp:
                    if resp.status in REDIRECTS and "Location" in resp.headers:
                        try:
                            parsed = resp.url.join(yarl.URL(resp.headers["Location"]))
                        except ValueError:
                            raise Refused(f"{shown} redirects to an invalid url") from None
                        url_guard.check_url(parsed, allowed)
                        shown = str(parsed)[:200]
                        continue
                    data = await _read_body(resp, shown, max_bytes)
                    suffix = _suffix_for(parsed, resp.content_type)
                    break
            else:
                raise Refused(f"{shown} redirects more than {MAX_REDIRECTS} times")
    except TimeoutError:
        raise Refused(f"{shown} did not answer within {timeout:g} s") from None
    except aiohttp.ClientConnectorError:
        if resolver.blocked:
            raise Refused(
                f"{shown} is not a public address ({resolver.blocked}); I only fetch public urls"
            ) from None
        raise Refused(f"{shown} did not answer: could not connect to {parsed.host}") from None
    except aiohttp.ClientError as exc:
        reason = type(exc).__name__ if not str(exc) else str(exc)
        raise Refused(f"could not fetch {shown}: {reason[:200]}") from None
    name = f"{parsed.host}-{PurePosixPath(parsed.path).stem or 'index'}{suffix}"
    return safe_name(name, suffix), data


async def _read_body(resp: aiohttp.ClientResponse, shown: str, max_bytes: int) -> bytes:
    if resp.status != 200:
        raise Refused(f"{shown} answered {resp.status} {resp.reason or ''}".strip())
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise Refused(
            f"{shown} is too large ({resp.content_length:,} bytes; the limit is {max_bytes:,})"
        )
    data = bytearray()
    async for chunk in resp.content.iter_chunked(65536):
        data += chunk
        if len(data) > max_bytes:
            raise Refused(f"{shown} is larger than the limit of {max_bytes:,} bytes")
    return bytes(data)


def _suffix_for(url: yarl.URL, content_type: str) -> str:
    by_type = CONTENT_TYPES.get(content_type.lower())
    if by_type:
        return by_type
    suffix = PurePosixPath(url.path).suffix.lower()
    if suffix in SUPPORTED_SUFFIXES and content_type in ("application/octet-stream", ""):
        return suffix
    raise Refused(
        f"{str(url)[:200]} is {content_type or 'of an unknown type'}, not an article "
        "(HTML, text, Markdown, JSON or PDF)"
    )
