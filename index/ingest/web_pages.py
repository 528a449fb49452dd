"""What newsbot fetched, as articles: a web page, or an article file at a url (text, Markdown,
JSON, PDF), becomes a JSON article file under the data folder, which the ordinary indexing run
reads (so it is replaced, deduplicated and committed like any article). Each article claims
only the url the identity rule lets it (`index.ingest.identity`), settled here, when it is
known where the text came from. Used by `newsbot index URL`, `/ingest url:` and feeds.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath

import yarl
from bs4 import BeautifulSoup

from index.ingest import loaders
from index.ingest.errors import UnreadableFile, failure_reason
from index.ingest.html_budget import measure
from index.ingest.identity import claimable, fetched_identity
from index.ingest.page_text import extract_page
from index.ingest.url_guard import FetchRefused
from index.ingest.web_fetch import Fetched, FetchLimits, fetch_all

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGES_FOLDER = "pages"  # under the data folder: pages indexed by url
RECORD_FIELDS = ("title", "body", "source", "url", "published_at", "author", "category")


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
        # its canonical url when that is on the site that served it, else the url it came from
        "url": fetched_identity(meta.get("url", ""), got.url),
        "published_at": meta.get("published_at", ""),
        "author": meta.get("author", ""),
    }


def fetched_records(got: Fetched) -> list[dict[str, str]]:
    """The articles at a fetched url: a web page's article, or the articles of an article file
    (read by its loader). Each keeps the url it declares only when it is on the site that served
    it; the file's one article otherwise gets the url it came from, and the articles of a list
    none (their ids are then the file's, one each)."""
    if got.content_type in HTML_TYPES:
        return [page_record(got)]
    suffix = article_suffix(yarl.URL(got.url), got.content_type)
    loader = loaders.BY_SUFFIX[suffix]
    shown = got.url[:200]
    try:  # through the loaders' boundary: any failure is this url's reason
        articles, _skipped = loaders.read_content(
            loader, Path(f"fetched{suffix}"), got.body, got.url
        )
    except UnreadableFile as exc:
        raise FetchRefused(f"{shown} is not a readable article: {exc}") from None
    except MemoryError as exc:
        raise FetchRefused(f"{shown} is not a readable article: {failure_reason(exc)}") from None
    alone = len(articles) == 1
    records = []
    for article in articles:
        record = {name: str(getattr(article, name)) for name in RECORD_FIELDS}
        url = claimable(article.url, got.url)
        record["url"] = url or (got.url if alone else "")
        records.append(record)
    return records


def article_suffix(url: yarl.URL, content_type: str) -> str:
    """The article file type of a fetched body, by its content type (or, for a generic one, the
    url's suffix); `FetchRefused` when it is none newsbot reads."""
    by_type = loaders.CONTENT_TYPES.get(content_type.lower())
    if by_type:
        return by_type
    suffix = PurePosixPath(url.path).suffix.lower()
    if suffix in loaders.SUPPORTED_SUFFIXES and content_type in ("application/octet-stream", ""):
        return suffix
    raise FetchRefused(
        f"{str(url)[:200]} is {content_type or 'of an unknown type'}, not an article "
        "(HTML, text, Markdown, JSON or PDF)"
    )


def identity_of(records: list[dict[str, str]], got: Fetched) -> str:
    """What names the file of a fetch: its one article's url, else the url it came from. The
    same article fetched again (by another of its urls, too) replaces its own file."""
    return records[0]["url"] if len(records) == 1 and records[0]["url"] else got.url


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


def save_record(path: Path, record: dict[str, str] | list[dict[str, str]]) -> Path:
    """Write `record` (one article, or a list of them) as JSON at `path`, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def fetch_pages(urls: list[str], folder: Path, limits: FetchLimits) -> tuple[list[Path], list[str]]:
    """Fetch and save each url's articles; (files written, one reason per url refused)."""
    files: list[Path] = []
    refused: list[str] = []
    for got in fetch_all(urls, limits):
        try:
            if isinstance(got, FetchRefused):
                raise got
            records = fetched_records(got)
            path = record_path(folder, identity_of(records, got))
            files.append(save_record(path, records[0] if len(records) == 1 else records))
        except FetchRefused as exc:
            refused.append(str(exc))
    return files, refused


def _decode(got: Fetched) -> str:
    return got.body.decode("utf-8", errors="replace")
