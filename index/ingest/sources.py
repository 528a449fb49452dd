"""Which files an indexing run reads, and the path each is known by.

A file is known by its own path (its folder resolved, its own name kept), so a symbolic link
is indexed under the link, and pruned when the link goes. In a sources folder a link is
followed only to a file inside that folder: a folder others can write to (a synced folder, a
git checkout) could otherwise hold a link to any file newsbot's user can read (its own .env,
a private key) and have it quoted in answers to everyone. A path named directly (on the
command line, in NEWSBOT_SOURCES, an upload) is the user's choice and is followed wherever it
points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Found:
    files: list[Path] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # path -> reason


def source_path(path: Path) -> str:
    """The path a file's articles are known by: absolute, the link's own when it is a link."""
    return str(path.parent.resolve() / path.name)


def discover(paths: Iterable[Path], suffixes: Iterable[str]) -> Found:
    """Files to index under `paths`: files of `suffixes` in folders (hidden ones left out),
    any file named directly; links that leave their folder are refused with a reason."""
    wanted = frozenset(suffixes)
    found = Found()
    for path in paths:
        if not path.is_dir():
            found.files.append(path)
            continue
        root = path.resolve()
        for child in sorted(path.rglob("*")):
            if any(part.startswith(".") for part in child.relative_to(path).parts):
                continue
            if child.is_symlink() and child.is_dir():  # rglob does not go into these
                found.refused[str(child)] = (
                    "a link to a folder, not followed (name the folder itself to index it)"
                )
            elif child.is_file() and child.suffix.lower() in wanted:
                if child.is_symlink() and not child.resolve().is_relative_to(root):
                    found.refused[str(child)] = (
                        f"a link to a file outside {path}, not followed (name the file itself "
                        "to index it)"
                    )
                else:
                    found.files.append(child)
    return found
