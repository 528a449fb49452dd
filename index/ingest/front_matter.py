"""A Markdown file's YAML front matter, read at a cost bounded by its size.

PyYAML's safe loader keeps an alias as one shared object, so a few hundred bytes of aliases
(a "billion laughs") load at once and only explode when a value becomes text: 1.5 GB for a
508-byte file. Front matter has no use for aliases, so they are refused; nesting is bounded
too (the composer recurses once per level), and so is the front matter's length.
"""

from __future__ import annotations

import re

import yaml

from index.ingest.errors import UnreadableFile

MAX_CHARS = 64_000
MAX_DEPTH = 20

_BLOCK = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """(front matter, the text after it); an empty dict when the file has none."""
    match = _BLOCK.match(text)
    if not match:
        return {}, text
    block = match.group(1)
    if len(block) > MAX_CHARS:
        raise UnreadableFile(f"front matter longer than {MAX_CHARS:,} characters")
    try:
        loaded = yaml.load(block, Loader=_BoundedLoader)  # a SafeLoader
    except yaml.YAMLError:
        raise UnreadableFile("front matter is not valid YAML") from None
    except ValueError as exc:  # a date like 2024-13-45, an int over Python's digit limit
        detail = str(exc).split(":")[0][:100]
        raise UnreadableFile(f"front matter has a value YAML cannot read ({detail})") from None
    return (loaded if isinstance(loaded, dict) else {}), text[match.end() :]


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader without aliases and with at most MAX_DEPTH levels of nesting."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            raise UnreadableFile(
                "front matter uses a YAML alias, which newsbot does not expand; write the value out"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise UnreadableFile(f"front matter nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1
