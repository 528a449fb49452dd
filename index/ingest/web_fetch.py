"""Fetching one url through the url guard: http(s) only, public addresses only (on every
redirect hop and when each name is resolved), within a size and a time limit, with conditional
GET (ETag / Last-Modified) so an unchanged feed costs one request answered 304.

Used by `/ingest url:`, `newsbot index URL` and feed polling; the caller decides which content
types it takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp
import yarl

from index.ingest import url_guard
from index.ingest.url_guard import FetchRefused

USER_AGENT = "newsbot (+https://github.com/; article ingest)"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int
    timeout: float
    allowed_hosts: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: object) -> FetchLimits:
        """The `/ingest` limits (NEWSBOT_INGEST_MAX_BYTES, _TIMEOUT, _ALLOWED_HOSTS)."""
        return cls(
            settings.ingest_max_bytes,  # type: ignore[attr-defined]
            settings.ingest_timeout,  # type: ignore[attr-defined]
            tuple(settings.ingest_allowed_hosts),  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class Fetched:
    """What a url answered: 200 with a body, or 304 (not modified) with none."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def parse_url(url: str) -> yarl.URL:
    try:
        return yarl.URL(url.strip())
    except ValueError:
        raise FetchRefused(f"{url[:200]!r} is not a valid url") from None


async def fetch(
    url: str,
    limits: FetchLimits,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """`url`'s answer; `FetchRefused` with a plain reason when it cannot be had."""
    parsed = parse_url(url)
    allowed = url_guard.allowed_hosts(limits.allowed_hosts)
    url_guard.check_url(parsed, allowed)
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    resolver = url_guard.GuardedResolver(allowed)
    shown = str(parsed)[:200]
    try:
        async with (
            asyncio.timeout(limits.timeout),
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver),
                timeout=aiohttp.ClientTimeout(total=limits.timeout),
                headers=headers,
            ) as session,
        ):
            return await _follow(session, parsed, allowed, limits.max_bytes)
    except TimeoutError:
        raise FetchRefused(f"{shown} did not answer within {limits.timeout:g} s") from None
    except aiohttp.ClientConnectorError:
        if resolver.blocked:
            raise url_guard.refused_address(shown, resolver.blocked) from None
        raise FetchRefused(f"{shown} did not answer: could not connect to {parsed.host}") from None
    except aiohttp.ClientError as exc:
        reason = type(exc).__name__ if not str(exc) else str(exc)
        raise FetchRefused(f"could not fetch {shown}: {reason[:200]}") from None


async def _follow(
    session: aiohttp.ClientSession, url: yarl.URL, allowed: frozenset[str], max_bytes: int
) -> Fetched:
    """Follow redirects by hand, checking each hop with the guard."""
    for _ in range(MAX_REDIRECTS + 1):
        async with session.get(url, allow_redirects=False) as resp:
            if resp.status in REDIRECTS and "Location" in resp.headers:
                try:
                    url = resp.url.join(yarl.URL(resp.headers["Location"]))
                except ValueError:
                    raise FetchRefused(f"{str(url)[:200]} redirects to an invalid url") from None
                url_guard.check_url(url, allowed)
                continue
            body = b"" if resp.status == 304 else await _read_body(resp, str(url)[:200], max_bytes)
            return Fetched(
                url=str(url),
                status=resp.status,
                body=body,
                content_type=resp.content_type.lower(),
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
            )
    raise FetchRefused(f"{str(url)[:200]} redirects more than {MAX_REDIRECTS} times")


async def _read_body(resp: aiohttp.ClientResponse, shown: str, max_bytes: int) -> bytes:
    if resp.status != 200:
        raise FetchRefused(f"{shown} answered {resp.status} {resp.reason or ''}".strip())
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise FetchRefused(
            f"{shown} is too large ({resp.content_length:,} bytes; the limit is {max_bytes:,})"
        )
    data = bytearray()
    async for chunk in resp.content.iter_chunked(65536):
        data += chunk
        if len(data) > max_bytes:
            raise FetchRefused(f"{shown} is larger than the limit of {max_bytes:,} bytes")
    return bytes(data)


def fetch_all(urls: Iterable[str], limits: FetchLimits) -> list[Fetched | FetchRefused]:
    """Fetch `urls` (a few at a time) from synchronous code; each a `Fetched` or its refusal."""

    async def one(url: str, slots: asyncio.Semaphore) -> Fetched | FetchRefused:
        async with slots:
            try:
                return await fetch(url, limits)
            except FetchRefused as exc:
                return exc

    async def main() -> list[Fetched | FetchRefused]:
        slots = asyncio.Semaphore(4)
        return await asyncio.gather(*(one(u, slots) for u in urls))

    return asyncio.run(main())
