"""Which urls newsbot may fetch (`/ingest url:`, `newsbot index URL`, feeds): http(s) on
public addresses, or hosts listed in `NEWSBOT_INGEST_ALLOWED_HOSTS`.

A url is refused when its host is, or resolves to, a loopback, private, link-local (including
the 169.254.169.254 cloud metadata service), multicast, reserved or unspecified address, IPv4
or IPv6 (IPv4-mapped and 6to4 addresses are judged by the IPv4 address inside; the short,
octal and hex IPv4 forms such as 127.1 or 2130706433 by the address they spell). Each redirect
hop is checked again by the caller. Names are checked by `GuardedResolver`, the resolver of the
connection itself, so the addresses checked are the addresses connected to (no DNS rebinding
between check and connect).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable

import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from index.errors import FetchRefused


class NotAllowed(FetchRefused):
    """A url the guard refuses outright (not http(s), or not a public address)."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")


def normalise_host(host: str) -> str:
    """`host` lower-cased, without IPv6 brackets, a trailing dot or an IPv6 zone."""
    return host.strip().strip("[]").rstrip(".").split("%", 1)[0].lower()


def allowed_hosts(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_host(h) for h in hosts if h.strip())


def refused_address(shown: str, problem: str) -> NotAllowed:
    """The refusal of a non-public address, naming the setting that allows a host anyway."""
    return NotAllowed(
        f"{shown} is not a public address ({problem}); I only fetch public urls, and hosts "
        "listed in NEWSBOT_INGEST_ALLOWED_HOSTS"
    )


# The IPv4 spellings inet_aton reads besides a.b.c.d: fewer parts (127.1), one number
# (2130706433), octal (0177.0.0.1) and hex (0x7f.1) parts. Browsers and resolvers read them
# as addresses; aiohttp refuses to connect to them, which must not pass for "could not fetch".
_LEGACY_IPV4 = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


def parse_ip(host: str) -> IPAddress | None:
    """The IP address `host` spells, in any form a resolver reads as one; None for a name."""
    host = normalise_host(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why `address` may not be fetched from, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            address = inner
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local (cloud metadata)", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not public", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{name} address {address}"
    return None


def check_url(url: yarl.URL, allowed: frozenset[str]) -> None:
    """Refuse a url that is not http(s) or whose host is a non-public IP address.

    Host names are checked when they are resolved, by `GuardedResolver`.
    """
    shown = str(url)[:200]
    if url.scheme not in SCHEMES or not url.host:
        raise NotAllowed(f"{shown!r} is not an http(s) url")
    host = normalise_host(url.host)
    if host in allowed:
        return
    address = parse_ip(host)
    if address is not None:
        problem = address_problem(address)
        if problem:
            raise refused_address(shown, problem)


class GuardedResolver(AbstractResolver):
    """getaddrinfo in a thread (aiohttp's `ThreadedResolver`), keeping only public addresses
    and those listed as allowed (so allowing 127.0.0.1 admits localhost, which resolves to it);
    a name left with none is refused.

    `blocked` holds the reason of the last refusal, for the user's message.
    """

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed
        self.blocked: str | None = None
        self._resolver = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver.resolve(host, port, family)
        if normalise_host(host) in self.allowed:
            return results
        kept, problems = [], []
        for result in results:
            address = parse_ip(result["host"])
            problem = "an unparseable address" if address is None else address_problem(address)
            if problem is None or normalise_host(result["host"]) in self.allowed:
                kept.append(result)
            else:
                problems.append(problem)
        if not kept and problems:
            self.blocked = f"{host} resolves to {problems[0]}"
            raise OSError(self.blocked)
        return kept

    async def close(self) -> None:
        await self._resolver.close()
