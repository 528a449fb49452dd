"""Web pages as articles: a fetched page becomes one JSON article file under the data folder,
which the ordinary indexing run reads (so a page is replaced, deduplicated and committed like
any article). Used by `newsbot index URL` and by feeds.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import yarl
from bs4 import BeautifulSoup

from index.ingest.errors import UnreadableFile, failure_reason
from index.ingest.html_budget import measure
from index.ingest.page_text import extract_page
from index.ingest.url_guard import FetchRefused
from index.ingest.web_fetch import Fetched, FetchLimits, fetch_all

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGES_FOLDER = "pages"  # under the data folder: pages indexed by url


def page_record(got: Fetched) -> dict[str, str]:
    """The article (title, body, source, url, published_at, author) of a fetched page."""
    if got.content_type in HTML_TYPES:
        meta, body = _page_text(got)
    elif got.content_type == "text/plain":
        meta, body = {}, _decode(got)
    else:
        raise FetchRefused(
            f"{got.url[:200]} is {got.content_type or 'of an unknown type'}, not a web page "
            "(download a file and index it by its path)"
        )
    if not body.strip():
        raise FetchRefused(f"{got.url[:200]} has no article text")
    host = yarl.URL(got.url).host or ""
    return {
        "title": meta.get("title") or host,
        "body": body,
        "source": meta.get("source") or host,
        "url": canonical_url(meta.get("url", ""), got.url),
        "published_at": meta.get("published_at", ""),
        "author": meta.get("author", ""),
    }


def canonical_url(claimed: str, fetched: str) -> str:
    """The page's canonical url when it names one on the same host, else the url fetched.

    A page may not claim another site's url: that would let it replace that site's article.
    """
    try:
        canonical, actual = yarl.URL(claimed), yarl.URL(fetched)
    except ValueError:
        return fetched
    if canonical.scheme in ("http", "https") and canonical.host == actual.host:
        return str(canonical)
    return fetched


def _page_text(got: Fetched) -> tuple[dict[str, str], str]:
    try:
        return extract_page(_decode(got), got.url)
    except UnreadableFile as exc:
        raise FetchRefused(f"{got.url[:200]} cannot be read: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - as for a file: the page's failure, not the run's
        raise FetchRefused(f"{got.url[:200]} cannot be read: {failure_reason(exc)}") from None


def summary_text(html: str) -> str:
    """A feed entry's summary (often HTML) as plain paragraphs; empty when it has more markup
    than can be read in bounded time."""
    try:
        measure(html or "")
    except UnreadableFile:
        return ""
    soup = BeautifulSoup(html or "", "lxml")
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return "\n\n".join(line for line in lines if line)


def record_path(folder: Path, key: str) -> Path:
    return folder / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.json"


def save_record(folder: Path, key: str, record: dict[str, str]) -> Path:
    """Write `record` as `<folder>/<hash of key>.json`, whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    path = record_path(folder, key)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def fetch_pages(urls: list[str], folder: Path, limits: FetchLimits) -> tuple[list[Path], list[str]]:
    """Fetch and save each url's article; (files written, one reason per url refused)."""
    files: list[Path] = []
    refused: list[str] = []
    for url, got in zip(urls, fetch_all(urls, limits), strict=True):
        try:
            if isinstance(got, FetchRefused):
                raise got
            files.append(save_record(folder, url, page_record(got)))
        except FetchRefused as exc:
            refused.append(str(exc))
    return files, refused


def _decode(got: Fetched) -> str:
    return got.body.decode("utf-8", errors="replace")
