"""The url guard's resolver keeps the addresses a name resolves to that are public or listed in
NEWSBOT_INGEST_ALLOWED_HOSTS, and refuses a name left with none. A name's addresses come from
the system resolver; what a DNS server could answer (a name on several addresses, some private)
is given here by a stand-in for that one call."""

from __future__ import annotations

import asyncio
import socket

import pytest

from index.ingest.url_guard import GuardedResolver, allowed_hosts


def answers(*addresses: str) -> list[dict]:
    return [
        {"hostname": "site", "host": a, "port": 80, "family": socket.AF_INET, "proto": 0,
         "flags": 0}
        for a in addresses
    ]  # fmt: skip


class Answering:
    def __init__(self, addresses: list[dict]) -> None:
        self.addresses = addresses

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[dict]:
        return self.addresses

    async def close(self) -> None:
        pass


def resolve(allowed: list[str], *addresses: str) -> list[str]:
    async def run() -> list[dict]:
        resolver = GuardedResolver(allowed_hosts(allowed))
        resolver._resolver = Answering(answers(*addresses))  # the DNS answer, nothing else
        return await resolver.resolve("intranet.example", 80)

    return [r["host"] for r in asyncio.run(run())]


def test_an_allowed_address_admits_a_name_that_resolves_to_it() -> None:
    assert resolve(["127.0.0.1"], "127.0.0.1", "::1") == ["127.0.0.1"]
    assert resolve(["::1"], "127.0.0.1", "::1") == ["::1"]


def test_only_public_or_allowed_addresses_are_connected_to() -> None:
    assert resolve([], "93.184.216.34", "10.0.0.7") == ["93.184.216.34"]


def test_a_name_with_no_public_or_allowed_address_is_refused() -> None:
    with pytest.raises(OSError, match="intranet.example resolves to loopback address 127.0.0.1"):
        resolve(["10.0.0.1"], "127.0.0.1")
