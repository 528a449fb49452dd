"""The documentation holds together: every relative link and heading anchor resolves, every
source path a page names exists, every page is in the index (docs/README.md), and the settings
reference (docs/guide/settings.md) is exactly `index.settings.Settings`: its names, defaults and
accepted values. No network: pages and code are read from this checkout."""

from __future__ import annotations

import re
import subprocess
import types
from collections import Counter
from pathlib import Path
from typing import Literal, Union, get_args, get_origin

import pytest
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from index.settings import Settings, env_name

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SETTINGS_PAGE = DOCS / "guide" / "settings.md"


def tracked(*patterns: str) -> list[Path]:
    """Files git tracks (or is about to: new files count once added), by pathspec."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *patterns],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted({ROOT / p for p in listed if (ROOT / p).is_file()})


def pages() -> list[Path]:
    """The pages a reader follows links through: the README, docs/, and the READMEs of the
    folders (prompts/, benchmarks/news-set/, index/models/...)."""
    readmes = [p for p in tracked("*README.md") if "tests" not in p.relative_to(ROOT).parts]
    return sorted({ROOT / "README.md", *tracked("docs/*.md"), *readmes})


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- Markdown, as GitHub reads it -------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~)")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (indented code blocks hold no links either, but they
    are rare enough here to read as prose)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the text as rendered (links by their text, no code or
    emphasis marks), lower case, punctuation but `-` and `_` dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: Counter[str] = Counter()
    for line in prose_lines(page.read_text(encoding="utf-8")):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading[1])
            found.add(base if not seen[base] else f"{base}-{seen[base]}")
            seen[base] += 1
    return found


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def links(page: Path) -> list[str]:
    """Every link target of the page's prose (not inside code spans or blocks)."""
    targets = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        targets += LINK.findall(re.sub(r"`[^`]*`", "", line))
    return targets


def is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", target))


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in links(page):
        if is_external(target):
            continue
        path, _, anchor = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if ROOT not in where.parents and where != ROOT:
            broken.append(f"{target} (outside the repository)")
        elif not where.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and where.suffix == ".md" and anchor not in anchors(where):
            broken.append(f"{target} (no heading #{anchor} in {rel(where)})")
    return broken


@pytest.mark.parametrize("page", pages(), ids=rel)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_slugs_are_githubs() -> None:
    assert slug("The test install (`dev` extra)") == "the-test-install-dev-extra"
    assert slug("Figures") == "figures"
    assert (
        slug("A model in process (NEWSBOT_LLM=llama-cpp)")
        == "a-model-in-process-newsbot_llmllama-cpp"
    )
    assert slug("Refusal — in two steps") == "refusal--in-two-steps"
    assert slug("See [the guide](guide.md), *now*") == "see-the-guide-now"


# --- paths the pages name ---------------------------------------------------------------------

SOURCE_PATH = re.compile(
    r"`((?:index|bot|tests|benchmarks|prompts|seeds)/[\w./-]*\.[a-z]+)(?:::(\w+))?`"
)


def missing_paths(text: str) -> list[str]:
    """Source files named in backticks (`index/engine.py`, `tests/test_x.py::test_y`) that do
    not exist, or whose named test or function does not."""
    missing = []
    for path, name in SOURCE_PATH.findall(text):
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif name and not re.search(rf"^\s*(async )?def {name}\b", file.read_text(), re.M):
            missing.append(f"{path}::{name}")
    return missing


@pytest.mark.parametrize("page", pages(), ids=rel)
def test_every_source_path_a_page_names_exists(page: Path) -> None:
    assert missing_paths(page.read_text(encoding="utf-8")) == []


DOCS_PATH = re.compile(r"\bdocs/[\w/.-]*?\.md")


def test_every_docs_page_the_code_names_exists() -> None:
    """Docstrings, comments, messages and configuration that point a reader at a page."""
    named = {
        (rel(file), path)
        for file in tracked("*.py", "*.toml", "*.md", "*.txt", ".env.example", ".ci/*")
        if file.parent.name != "articles"
        for path in DOCS_PATH.findall(file.read_text(encoding="utf-8", errors="replace"))
    }
    assert named, "the pattern finds nothing: it is broken"
    assert sorted(f"{file}: {path}" for file, path in named if not (ROOT / path).is_file()) == []


def test_the_index_lists_every_page_with_what_it_holds() -> None:
    index = DOCS / "README.md"
    listed = set()
    for line in index.read_text(encoding="utf-8").splitlines():
        for target in LINK.findall(line):
            if not is_external(target) and target.endswith(".md"):
                listed.add((DOCS / target).resolve())
                described = LINK.sub("", line).strip(" -*:|")
                assert len(described) > 10, f"no line on what {target} holds: {line!r}"
    pages_in_docs = {p.resolve() for p in tracked("docs/*.md")} - {index.resolve()}
    assert sorted(rel(p) for p in pages_in_docs - listed) == []


# --- the settings reference -------------------------------------------------------------------


def table_rows(text: str) -> dict[str, list[str]]:
    """The rows of a page's tables whose first cell is a `NEWSBOT_*` name: name -> other cells."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        name = re.fullmatch(r"`(NEWSBOT_[A-Z0-9_]+)`", cells[0])
        if name:
            assert name[1] not in rows, f"{name[1]} has two rows"
            rows[name[1]] = cells[1:]
    return rows


def documented_default(field: FieldInfo) -> object:
    """What the table says for a default: `empty` where the value depends on the installation
    or means unset (as .env.example writes it), else the value."""
    default = field.default
    if field.default_factory is not None or default in (None, "") or isinstance(default, Path):
        return "empty"
    if isinstance(default, bool):
        return str(default).lower()
    return default


def default_matches(cell: str, field: FieldInfo) -> bool:
    written, expected = cell.strip("`"), documented_default(field)
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        try:
            return float(written) == float(expected)
        except ValueError:
            return False
    return written == expected


BOUND = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def bounds(field: FieldInfo) -> set[tuple[str, float]]:
    return {
        (BOUND[key], float(getattr(m, key)))
        for m in field.metadata
        for key in BOUND
        if getattr(m, key, None) is not None
    }


def written_bounds(cell: str) -> set[tuple[str, float]]:
    return {(sign, float(n)) for sign, n in re.findall(r"(≥|>|≤|<)\s*(-?[\d.]+)", cell)}


def pattern(field: FieldInfo) -> str | None:
    return next((m.pattern for m in field.metadata if getattr(m, "pattern", None)), None)


def plain_type(field: FieldInfo) -> object:
    """The annotation without `| None`."""
    kind = field.annotation
    if get_origin(kind) in (Union, types.UnionType):
        kind = next(a for a in get_args(kind) if a is not type(None))
    return kind


def value_problems(name: str, values: str, field: FieldInfo) -> list[str]:
    """What the `values` cell says that the field does not accept, or leaves out."""
    problems = []
    kind = plain_type(field)
    if get_origin(kind) is Literal:
        options = set(re.findall(r"`([^`]+)`", values))
        if options != set(get_args(kind)):
            problems.append(f"{name}: values {sorted(options)}, code {sorted(get_args(kind))}")
    if written_bounds(values) != bounds(field):
        problems.append(f"{name}: bounds {written_bounds(values)}, code {bounds(field)}")
    words = {
        bool: "true / false",
        int: "integer",
        float: "number",
        Path: "path",
        SecretStr: "secret",
        list: "comma-separated",
    }
    expected = words.get(get_origin(kind) or kind)
    if expected and expected not in values:
        problems.append(f"{name}: values {values!r} should say {expected!r}")
    if pattern(field) and not LENGTH.search(values):
        problems.append(f"{name}: the values cell gives no length (N–M characters)")
    return problems


LENGTH = re.compile(r"(\d+)\s*[–-]\s*(\d+) characters")


def length_problems(name: str, text: str, field: FieldInfo) -> list[str]:
    """Every "N–M characters" said of a setting whose value must match a pattern, tried against
    the pattern: N and M fit, one fewer and one more do not."""
    regex = pattern(field)
    problems = []
    for low, high in ((int(a), int(b)) for a, b in LENGTH.findall(text) if regex):
        fits = {n: re.fullmatch(regex, "a" * n) is not None for n in (low - 1, low, high, high + 1)}
        if fits != {low - 1: False, low: True, high: True, high + 1: False}:
            problems.append(f"{name}: says {low}–{high} characters; the code accepts {fits}")
    return problems


def test_the_settings_reference_is_every_setting_with_its_default_and_values() -> None:
    rows = table_rows(SETTINGS_PAGE.read_text(encoding="utf-8"))
    fields = {env_name(n): f for n, f in Settings.model_fields.items()}
    assert sorted(set(fields) - set(rows)) == [], "settings without a row in settings.md"
    assert sorted(set(rows) - set(fields)) == [], "rows naming no setting"
    problems = []
    for name, (default, values, *_meaning) in rows.items():
        if not default_matches(default, fields[name]):
            problems.append(f"{name}: default {default}, code {documented_default(fields[name])}")
        problems += value_problems(name, values, fields[name])
        problems += length_problems(name, " ".join([values, *_meaning]), fields[name])
    assert problems == []


def test_the_readme_settings_table_agrees_with_the_code() -> None:
    """The README keeps the most used settings in a short table; each is a setting, with the
    code's default, and the reference has the rest."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = table_rows(section)
    fields = {env_name(n): f for n, f in Settings.model_fields.items()}
    assert rows, "the README's Settings section has no table of settings"
    assert len(rows) == section.count("\n| `NEWSBOT_"), "one setting a row, so each is checked"
    assert sorted(set(rows) - set(fields)) == []
    assert [n for n, (default, *_) in rows.items() if not default_matches(default, fields[n])] == []


def env_example() -> dict[str, str]:
    """.env.example's settings, each with the comment lines just above it."""
    found, comment = {}, []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        setting = re.match(r"^(NEWSBOT_[A-Z0-9_]+)=", line)
        if setting:
            assert setting[1] not in found, f"{setting[1]} twice in .env.example"
            found[setting[1]] = " ".join(comment)
        comment = [*comment, line.lstrip("# ")] if line.startswith("#") else []
    return found


def test_env_example_holds_every_setting() -> None:
    """.env.example is the file to copy: every setting once, and what its comments say of a
    value's length holds (its defaults are the code's: tests/test_settings_defaults.py)."""
    example = env_example()
    fields = {env_name(n): f for n, f in Settings.model_fields.items()}
    assert sorted(example) == sorted(fields)
    assert [p for n, text in example.items() for p in length_problems(n, text, fields[n])] == []


def test_the_checks_catch_what_they_are_for() -> None:
    """The checks above, on rows known to be wrong (so a check that passes everything fails)."""
    field = Settings.model_fields
    assert value_problems("NEWSBOT_LLM", "`none`, `openai`", field["llm"])
    assert length_problems("NEWSBOT_COLLECTION", "(3-63 characters)", field["collection"])
    assert not length_problems("NEWSBOT_COLLECTION", "3–62 characters", field["collection"])
    assert value_problems("NEWSBOT_COLLECTION", "letters, digits", field["collection"])
    assert value_problems("NEWSBOT_TOP_K", "integer, ≥ 1", field["top_k"])
    assert not default_matches("`6`", field["top_k"]) and default_matches("`5`", field["top_k"])
    assert default_matches("`0.10`", field["refusal_threshold"])
    assert default_matches("empty", field["sources"])
    assert missing_paths("`index/no_such_module.py` and `tests/test_docs.py::no_such_test`")
    assert not missing_paths("`tests/test_docs.py::test_the_slugs_are_githubs`")
    assert LINK.findall("[a](b.md#c) and [`d`](../e.md)") == ["b.md#c", "../e.md"]


def test_the_answer_package_names_every_module_it_holds() -> None:
    """The answer stage's docstring is its map: a module it does not name is one a newcomer
    finds only by listing the folder."""
    import index.answer

    folder = Path(index.answer.__file__).parent
    doc = index.answer.__doc__ or ""
    unnamed = [
        p.stem for p in folder.glob("*.py") if p.stem != "__init__" and f"`{p.stem}`" not in doc
    ]
    assert not unnamed, f"index/answer/__init__.py does not name {unnamed}"
