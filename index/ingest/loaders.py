"""Loading articles from files: one loader per file type, each failure a plain reason.

A loader returns `Article`s or raises `UnreadableFile` with the sentence that goes in the
index summary; `load_file` is the boundary that turns whatever else a loader or its library
raises into one too, so a malformed file is one skipped file, never a failed run. Nothing here
touches the store.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.ingest.errors import UnreadableFile, failure_reason
from index.ingest.front_matter import split_front_matter
from index.ingest.sources import source_path
from index.results import Article

__all__ = ["UnreadableFile", "load_file", "warm_up", "LOADERS"]

log = logging.getLogger(__name__)

_META_KEYS = ("title", "source", "url", "published_at", "author", "category")
MAX_RECORD_REASONS = 10  # skipped records of one file listed one by one; the rest counted


def load_file(path: Path, max_bytes: int) -> tuple[list[Article], list[tuple[str, str]]]:
    """The articles in one file, and the reasons for any records in it that were skipped."""
    suffix = path.suffix.lower()
    loader = BY_SUFFIX.get(suffix)
    if loader is None:
        raise UnreadableFile(f"unsupported file type {suffix or '(none)'}")
    data = _read_bytes(path, max_bytes)
    return read_content(loader, path, data, source_path(path))


def read_content(
    loader: Loader, path: Path, data: bytes, origin: str
) -> tuple[list[Article], list[tuple[str, str]]]:
    """The articles `loader` reads from `data` (a file's bytes, or a fetched body), known as
    `origin`: the boundary where any error of a loader or its library becomes UnreadableFile."""
    try:
        return loader.read(path, data if loader.binary else decode(data), origin)
    except (UnreadableFile, MemoryError):  # MemoryError: the caller knows the memory limit
        raise
    except Exception as exc:  # noqa: BLE001 - a reader's failure is its file's, not the run's
        log.debug("reading %s failed", path, exc_info=True)
        raise UnreadableFile(failure_reason(exc)) from None


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableFile("no such file") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror}") from None
    if size > max_bytes:
        raise UnreadableFile(f"too large ({size:,} bytes; the limit is {max_bytes:,})")
    if size == 0:
        raise UnreadableFile("empty file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror}") from None


def decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not valid UTF-8 text (bad byte at offset {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _require_body(article: Article) -> Article:
    if not article.body.strip():
        raise UnreadableFile("no article text in the file")
    return article


def _title_from_path(origin: str) -> str:
    return Path(origin).stem.replace("-", " ").replace("_", " ").strip().capitalize()


def _article(
    origin: str, body: str, meta: dict[str, object], fallback_id: str | None = None
) -> Article:
    fields = {k: _as_text(meta.get(k)) for k in _META_KEYS}
    url = fields.pop("url")
    title = fields.pop("title") or _title_from_path(origin)
    article_id = url or fallback_id or origin
    return Article(id=article_id, url=url, title=title, body=body.strip(), origin=origin, **fields)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):  # yaml turns bare dates into date objects
        return value.isoformat()
    return str(value).strip()


def _from_text(text: str, origin: str) -> Article:
    # A short first line followed by a blank line reads as a title.
    first, sep, rest = text.strip().partition("\n\n")
    if sep and "\n" not in first and len(first) <= 150 and rest.strip():
        return _article(origin, rest, {"title": first.strip()})
    return _article(origin, text, {})


def _from_markdown(text: str, origin: str) -> Article:
    meta, text = split_front_matter(text)
    heading = re.match(r"\s*#\s+(.+)\n", text)
    if heading and not meta.get("title"):
        meta["title"] = heading.group(1).strip()
        text = text[heading.end() :]
    return _article(origin, text, meta)


def _from_html(text: str, origin: str) -> Article:
    from index.ingest.page_text import extract_page

    meta, body = extract_page(text)
    return _article(origin, body, meta)


def _from_pdf(path: Path, data: bytes, origin: str) -> Article:
    from index.ingest.pdf_text import read_pdf

    meta, body = read_pdf(data)
    return _article(origin, body, meta)


def _from_json(text: str, origin: str, jsonl: bool) -> tuple[list[Article], list[tuple[str, str]]]:
    records = _json_records(text, jsonl)
    articles: list[Article] = []
    bad: list[tuple[str, str]] = []
    for i, record in enumerate(records):
        where = f"{origin}#{i}"
        reason = _json_record_problem(record)
        if reason:
            bad.append((where, reason))
            continue
        meta = {k: record.get(k) for k in _META_KEYS}
        fallback = origin if len(records) == 1 else where
        articles.append(_article(origin, record["body"], meta, fallback_id=fallback))
    if not articles:
        raise UnreadableFile(bad[0][1] if bad else "no articles in the file")
    if len(bad) > MAX_RECORD_REASONS:  # a report line each would be millions of lines
        more = len(bad) - MAX_RECORD_REASONS
        bad = [*bad[:MAX_RECORD_REASONS], (origin, f"{more:,} more records skipped like these")]
    return articles, bad


def _json_records(text: str, jsonl: bool) -> list[object]:
    try:
        if jsonl:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise UnreadableFile("not valid JSON (a number too long to read)") from None
    except RecursionError:
        raise UnreadableFile("not valid JSON (nested too deeply to read)") from None
    return data if isinstance(data, list) else [data]


def _json_record_problem(record: object) -> str:
    if not isinstance(record, dict):
        return "a record is not a JSON object"
    if not isinstance(record.get("body"), str) or not record["body"].strip():
        return "a record has no text in 'body'"
    for key in _META_KEYS:
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            return f"a record's '{key}' is not text"
    return ""


# --- the file types ---------------------------------------------------------------------------

Read = Callable[[Path, Any, str], tuple[list[Article], list[tuple[str, str]]]]


@dataclass(frozen=True)
class Loader:
    """How one file type becomes articles: its suffixes, the content types a fetched page of
    it is served with, and `read(path, text or bytes, origin)`."""

    suffixes: tuple[str, ...]
    content_types: tuple[str, ...]
    read: Read
    binary: bool = False  # read gets the bytes, not decoded text
    modules: tuple[str, ...] = ()  # imported when first needed; warm_up imports them before


def warm_up(suffixes: Iterable[str]) -> None:
    """Import what reading files of `suffixes` needs, so reading the first one costs no imports."""
    import importlib

    for suffix in suffixes:
        loader = BY_SUFFIX.get(suffix)
        for module in loader.modules if loader else ():
            importlib.import_module(module)


def _one(make: Callable[[Any, str], Article]) -> Read:
    return lambda path, content, origin: ([_require_body(make(content, origin))], [])


# A new file type is one entry here: discovery, loading and /ingest's checks all read it.
LOADERS: tuple[Loader, ...] = (
    Loader((".txt",), ("text/plain",), _one(_from_text)),
    Loader((".md", ".markdown"), ("text/markdown",), _one(_from_markdown)),
    Loader(
        (".html", ".htm"),
        ("text/html", "application/xhtml+xml"),
        _one(_from_html),
        modules=("index.ingest.page_text", "trafilatura"),
    ),
    Loader((".json",), ("application/json",), lambda _p, text, o: _from_json(text, o, False)),
    Loader((".jsonl",), (), lambda _p, text, o: _from_json(text, o, True)),
    Loader(
        (".pdf",),
        ("application/pdf",),
        lambda path, data, origin: ([_require_body(_from_pdf(path, data, origin))], []),
        binary=True,
        modules=("index.ingest.pdf_text", "pypdf"),
    ),
)
BY_SUFFIX = {suffix: loader for loader in LOADERS for suffix in loader.suffixes}
SUPPORTED_SUFFIXES = frozenset(BY_SUFFIX)
TEXT_SUFFIXES = frozenset(s for loader in LOADERS if not loader.binary for s in loader.suffixes)
CONTENT_TYPES = {t: loader.suffixes[0] for loader in LOADERS for t in loader.content_types}
