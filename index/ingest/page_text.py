"""The article text and metadata of a news page, by trafilatura (the field's reference
extractor): it drops menus, cookie banners, related-article lists and comments that a
tag-based reader keeps (benchmarks/extraction.py compares the two). The bs4 reader in
`index.ingest.html_text` stands in when trafilatura finds no article, and fills in metadata that
trafilatura leaves blank. A page is measured first (`html_budget`): one with more markup than a
parser reads in bounded time is refused, and one over trafilatura's budget is left to the plain
reader, whose work grows linearly with the page.
"""

from __future__ import annotations

import logging

from index.ingest import html_text
from index.ingest.html_budget import measure

log = logging.getLogger(__name__)

# trafilatura's name -> ours; trafilatura reads <meta>, JSON-LD and the byline alike.
_META = {
    "title": "title",
    "sitename": "source",
    "url": "url",
    "date": "published_at",
    "author": "author",
}


def extract_page(html: str, url: str | None = None) -> tuple[dict[str, str], str]:
    """(metadata, body text) of an HTML page; paragraphs separated by blank lines.
    UnreadableFile when the page has more markup than can be read in bounded time."""
    size = measure(html)
    fallback_meta, fallback_body = html_text.extract_article(html)
    if not size.for_trafilatura:
        log.info("a page of %d tags and %d characters: read by the plain reader", *size.astuple())
        return fallback_meta, fallback_body
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            favor_precision=True,
        )
    except Exception as exc:  # noqa: BLE001 - any parser failure falls back to the bs4 reader
        log.debug("trafilatura failed (%s); using the plain reader", type(exc).__name__)
        doc = None
    found = doc.as_dict() if doc is not None else {}
    body = _paragraphs(str(found.get("text") or ""))
    if not body:
        return fallback_meta, fallback_body
    meta = {ours: str(found.get(theirs) or "").strip() for theirs, ours in _META.items()}
    for key, value in fallback_meta.items():
        meta[key] = meta[key] or value
    # trafilatura may keep the headline as the first paragraph; the title already says it.
    kept = [p for p in body.split("\n\n") if p != meta["title"]]
    return meta, "\n\n".join(kept) or body


def _paragraphs(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)
