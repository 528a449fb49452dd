"""The readable text and metadata of an HTML article page, without markup, scripts or menus.

Parsed by lxml (libxml2), whose work grows linearly with the page; Python's own html.parser
takes quadratic time on some broken markup (100 KB of "<a" took 16 s on Python 3.11.7).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

_DROP = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
]
_BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "td"]


def extract_article(html: str) -> tuple[dict[str, str], str]:
    """(metadata, body text) of a page; paragraphs become lines separated by blank lines."""
    soup = BeautifulSoup(html, "lxml")
    meta = _metadata(soup)
    for tag in soup(_DROP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    if root.find("h1") and not meta.get("title"):
        meta["title"] = root.find("h1").get_text(" ", strip=True)
    leaves = _innermost(root, root.find_all(_BLOCKS))
    blocks = [_clean(b.get_text()) for b in leaves]
    blocks = [b for b in blocks if b and b != meta.get("title")]
    body = "\n\n".join(blocks) if blocks else _clean(root.get_text("\n", strip=True))
    return meta, body


def _innermost(root: Tag, blocks: list[Tag]) -> list[Tag]:
    """The blocks with no block inside, so nested lists and quotes are not repeated.

    Linear in the page (each ancestor is marked once), even for hostile, deeply nested pages.
    """
    has_inner: set[int] = set()
    for block in blocks:
        parent = block.parent
        while parent is not None and id(parent) not in has_inner:
            has_inner.add(id(parent))
            if parent is root:
                break
            parent = parent.parent
    return [b for b in blocks if id(b) not in has_inner]


def _metadata(soup: BeautifulSoup) -> dict[str, str]:
    def meta_content(*names: str) -> str:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find(
                "meta", attrs={"name": name}
            )
            if tag and tag.get("content"):
                return str(tag["content"]).strip()
        return ""

    canonical = soup.find("link", rel="canonical")
    title = meta_content("og:title") or (soup.title.get_text(strip=True) if soup.title else "")
    return {
        "title": title,
        "source": meta_content("og:site_name"),
        "url": meta_content("og:url") or (str(canonical["href"]) if canonical else ""),
        "published_at": meta_content("article:published_time", "date", "pubdate"),
        "author": meta_content("author", "article:author"),
    }


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
