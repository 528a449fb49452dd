"""`newsbot index URL...`: web pages fetched through the url guard, saved as article files under
`<data_dir>/pages/`, then indexed with the rest."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli.terminal import echo
from index.engine import Engine
from index.errors import NewsbotError
from index.settings import Settings

# A url of any scheme ("ftp://…" too: the guard refuses it as a url, not a missing file).
_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)


def split_urls(args: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """(paths, urls) among the arguments of `newsbot index`."""
    urls = [a for a in args if _URL.match(a)]
    return [Path(a) for a in args if a not in urls], urls


def fetch_urls(settings: Settings, urls: list[str], other_paths: bool) -> list[Path]:
    """The article files of `urls`; each url refused is one line on stderr."""
    files, refused = Engine.fetch_pages(settings, urls)
    for reason in refused:
        echo(f"newsbot: skipped: {reason}", err=True)
    if not files and not other_paths:
        raise NewsbotError("none of the urls could be fetched, so nothing was indexed")
    return files
