"""Which article versions a keyword index holds, as one stamp: a sum of one hash per version, so
that a write moves it by its own articles alone, and a whole registry can be compared with it."""

from __future__ import annotations

import hashlib

Versions = dict[str, str]  # article id -> content hash


def versions_stamp(versions: dict[str, str]) -> str:
    """A digest of which article versions (id -> content hash) are live: a sum of one hash per
    version, so that a write can move it by its own articles alone."""
    return _hex(sum(_version_hash(d, h) for d, h in versions.items()))


def _version_hash(doc_id: str, content_hash: str) -> int:
    digest = hashlib.sha256(f"{doc_id}\x1f{content_hash}".encode()).digest()
    return int.from_bytes(digest, "big")


def _hex(value: int) -> str:
    return f"{value % 2**256:064x}"


def moved_stamp(stamp: str, removed: Versions, added: Versions) -> str:
    """`stamp` with the versions `removed` taken out and `added` put in (unchanged ones cancel)."""
    value = int(stamp, 16) if len(stamp) == 64 else 0
    value -= sum(_version_hash(d, h) for d, h in removed.items())
    value += sum(_version_hash(d, h) for d, h in added.items())
    return _hex(value)
