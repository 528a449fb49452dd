"""Which url a text may claim as its identity: one rule for every way an article comes in.

An article's id is its url, so a url is a claim ("this is the text that address serves"), and
indexing a text under a url replaces whatever was indexed under it. The claim is judged by where
the text came from:

- A file the operator indexes (`NEWSBOT_SOURCES`, `newsbot index PATH`, `/reindex`) or an admin
  uploads (`/ingest file:`): the url it declares stands. The people who may add and forget
  articles vouch for what they add.
- Text newsbot fetched (a page, an article file at a url, a feed entry's page, a feed's own
  summary of an entry) may claim only addresses of the site that served it: the address it was
  served from (after redirects) or another one on the same host and port (a page's canonical
  url, a feed's link to an article of its own site). A claim on any other site is dropped.

What a fetched text may not claim it does not get: a page keeps the address it was served
from, and a feed's summary of another site's article is not indexed (newsbot could not read that
article, and the feed cannot speak for it).
"""

from __future__ import annotations

import yarl

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _site(url: str) -> tuple[str, int | None] | None:
    """(host, port) of an http(s) url, the port None when it is its scheme's default (so http
    and https addresses of one host are one site); None for anything else."""
    try:
        parsed = yarl.URL(url)
    except ValueError:
        return None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        return None
    port = parsed.explicit_port
    if port == _DEFAULT_PORTS[parsed.scheme]:
        port = None
    return parsed.host.rstrip(".").lower(), port


def same_site(url: str, served_from: str) -> bool:
    """Whether `url` is an http(s) address on the site that served a text from `served_from`."""
    site = _site(url)
    return site is not None and site == _site(served_from)


def claimable(claimed: str, served_from: str) -> str:
    """`claimed` when a text served from `served_from` may claim it as its identity, else ""."""
    claimed = claimed.strip()
    return claimed if claimed and same_site(claimed, served_from) else ""


def fetched_identity(claimed: str, served_from: str) -> str:
    """The url of one text fetched from `served_from`: the url it claims when it may, else the
    address it was served from."""
    return claimable(claimed, served_from) or served_from
