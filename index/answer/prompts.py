"""Prompt templates loaded by name from `settings.prompts_dir` (falling back to `prompts/`).

A template is a plain text file; its leading `#` lines are a header comment for humans and are
stripped. Placeholders are `{name}` fields filled with `render`.
"""

from __future__ import annotations

from pathlib import Path

from index.errors import NewsbotError
from index.settings import DEFAULT_PROMPTS


class Prompts:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, str] = {}

    def get(self, name: str) -> str:
        """The template `name` (`name.txt`), header comment stripped."""
        if name not in self._cache:
            self._cache[name] = load_prompt(name, self.folder)
        return self._cache[name]

    def render(self, name: str, **values: str) -> str:
        try:
            return self.get(name).format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise NewsbotError(f"prompt template {name!r} has a bad placeholder: {exc}") from None


def load_prompt(name: str, folder: Path) -> str:
    for candidate in (folder / f"{name}.txt", DEFAULT_PROMPTS / f"{name}.txt"):
        if candidate.is_file():
            return strip_header(candidate.read_text(encoding="utf-8"))
    raise NewsbotError(f"prompt template {name!r} not found in {folder} (nor in {DEFAULT_PROMPTS})")


def strip_header(text: str) -> str:
    """Drop the leading comment lines (and blank lines right after them)."""
    lines = text.splitlines()
    while lines and lines[0].lstrip().startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip() + "\n"
