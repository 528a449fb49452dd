"""A PDF's text and metadata, read at a cost bounded by the file's size.

A page tree may list one page thousands of times (or pages may share one content stream), so
a small file can stand for a huge document: a 300 KB PDF gave 2.35 M characters in 35 s. The
pages are counted before any text is extracted, and the text may not outgrow the file by more
than an ordinary PDF does (compressed text is a few characters per byte at most). pypdf's own
limits (page tree size and depth, stream sizes) stand behind these.
"""

from __future__ import annotations

import io

from index.ingest.errors import UnreadableFile

MAX_PAGES = 2_000
CHARS_PER_BYTE = 10
MIN_CHARS = 100_000  # what any file, however small, may give


def read_pdf(data: bytes) -> tuple[dict[str, object], str]:
    """(title and author, body text) of a PDF; pages separated by blank lines."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        body = _text(reader, max(MIN_CHARS, CHARS_PER_BYTE * len(data)), len(data))
        info = reader.metadata or {}
        meta: dict[str, object] = {"title": info.get("/Title"), "author": info.get("/Author")}
    except PyPdfError as exc:
        if type(exc).__name__ == "LimitReachedError":  # pypdf's safety limits (pypdf >= 5)
            raise UnreadableFile(f"not a readable PDF: beyond a safety limit ({exc})") from None
        raise UnreadableFile(f"not a readable PDF ({exc.__class__.__name__})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UnreadableFile(f"not a readable PDF ({exc.__class__.__name__})") from None
    return meta, body


def _text(reader: object, budget: int, size: int) -> str:
    pages = reader.pages  # type: ignore[attr-defined]
    if len(pages) > MAX_PAGES:
        raise UnreadableFile(f"a PDF of {len(pages):,} pages (the limit is {MAX_PAGES:,})")
    texts: list[str] = []
    total = 0
    for page in pages:
        text = (page.extract_text() or "").strip()
        total += len(text)
        if total > budget:
            raise UnreadableFile(
                f"over {budget:,} characters of text from a {size:,}-byte file, more than a "
                "PDF of that size holds"
            )
        if text:
            texts.append(text)
    return "\n\n".join(texts)
