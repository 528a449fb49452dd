"""How much work an HTML page may cost, decided before any parser sees it.

The parsers behind the readers are fast on ordinary pages and slow on some hostile ones:
libxml2 checks each attribute of a tag against all earlier ones (40,000 attributes: 18 s through
trafilatura, an 869 KB page 88 s), trafilatura's extraction grows faster than the number of
elements (30,000 `<span>`s in one paragraph: 15 s) and its date and metadata searches scan the
page several times (2 MB of text: 8 s). So a page is measured first, in one linear pass of
regular expressions: a tag with more than MAX_ATTRIBUTES attributes, or more than MAX_TAGS tags,
and the page is refused; a page over trafilatura's budget goes to the plain reader alone, which
is linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.ingest.errors import UnreadableFile

MAX_ATTRIBUTES = 256  # per tag; an ordinary tag has fewer than 20
MAX_TAGS = 200_000  # start tags in a page; a heavy news page has about 5,000
TRAFILATURA_TAGS = 10_000
TRAFILATURA_CHARS = 2_000_000

# A start tag as an HTML5 tokenizer reads it: a quote opens a value only after "=", and the tag
# ends at the first ">" outside a quoted value.
_VALUE = r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?"""
_ATTRIBUTE = re.compile(r"[\s/]+[^\s/>][^\s/>=]*" + _VALUE)
_START_TAG = re.compile(r"<([A-Za-z][^\s/>]*)(?:" + _ATTRIBUTE.pattern + r"|[\s/]+)*")
_NEXT = re.compile(r"<!--|<[A-Za-z]")
# Elements whose content is text, not tags: skipped, so "i<n" in a script is no tag.
_RAW_TEXT = {
    name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE)
    for name in ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
}
_SHORTEST_ATTRIBUTE = 2  # a separator and a one-letter name


@dataclass(frozen=True)
class PageSize:
    tags: int
    chars: int

    def astuple(self) -> tuple[int, int]:
        return self.tags, self.chars

    @property
    def for_trafilatura(self) -> bool:
        return self.tags <= TRAFILATURA_TAGS and self.chars <= TRAFILATURA_CHARS


def measure(html: str) -> PageSize:
    """The page's size in start tags and characters; UnreadableFile when a parser would take
    too long over it."""
    tags, pos = 0, 0
    while found := _NEXT.search(html, pos):
        if found.group() == "<!--":
            end = html.find("-->", found.end())
            pos = len(html) if end < 0 else end + 3
            continue
        tag = _START_TAG.match(html, found.start())
        assert tag is not None  # _NEXT found "<" and a letter
        tags += 1
        if tags > MAX_TAGS:
            raise UnreadableFile(f"more than {MAX_TAGS:,} HTML tags (too much markup to read)")
        if tag.end() - tag.start() > MAX_ATTRIBUTES * _SHORTEST_ATTRIBUTE:
            _check_attributes(html, tag.start(), tag.end())
        pos = max(tag.end(), found.end())
        closing = _RAW_TEXT.get(tag.group(1).lower())
        if closing is not None:
            end_tag = closing.search(html, pos)
            pos = len(html) if end_tag is None else end_tag.start()
    return PageSize(tags=tags, chars=len(html))


def _check_attributes(html: str, start: int, end: int) -> None:
    count = sum(1 for _ in _ATTRIBUTE.finditer(html, start, end))
    if count > MAX_ATTRIBUTES:
        raise UnreadableFile(
            f"an HTML tag with {count:,} attributes (the limit is {MAX_ATTRIBUTES:,})"
        )
