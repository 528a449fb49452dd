"""The front ends reach the engine through one door: `bot/` imports from `index/` only the engine,
its result shapes, its errors and its settings; and the front ends do not lean on each other
beyond the command line starting the others (and nothing imports the command line back).

Read from the source with `ast`, every import counted (also those inside functions and under
TYPE_CHECKING: a type hint is knowledge of a module too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOOR = {"index.engine", "index.results", "index.errors", "index.settings"}
# Which front-end package may import which: the command line starts the bot, the helper and the
# evaluation. What two of them share lives in bot/ itself (bot.display, bot.logs).
FRONT_ENDS = {"bot.cli", "bot.discord", "bot.warm", "bot.evaluation"}
MAY_IMPORT = {"bot.cli": {"bot.discord", "bot.warm", "bot.evaluation"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in `path`, relative ones made absolute."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # `from index import engine` names the module index.engine
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def within(name: str, packages: set[str]) -> str | None:
    return next((p for p in packages if name == p or name.startswith(f"{p}.")), None)


def front_end_modules() -> list[Path]:
    return sorted((ROOT / "bot").rglob("*.py"))


def test_front_ends_import_only_the_door_of_the_engine() -> None:
    wrong = []
    for path in front_end_modules():
        for line, name in imported(path):
            if not (name == "index" or name.startswith("index.")):
                continue
            if within(name, DOOR) is None:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    door = "index.engine, index.results, index.errors, index.settings"
    assert not wrong, f"front ends go through the door ({door}):\n" + "\n".join(wrong)


def test_front_ends_do_not_import_each_other_but_from_the_command_line() -> None:
    wrong = []
    for path in front_end_modules():
        own = within(module_name(path), FRONT_ENDS)
        for line, name in imported(path):
            other = within(name, FRONT_ENDS)
            if other is None or other == own or other in MAY_IMPORT.get(own or "", set()):
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_every_kind_of_import() -> None:
    """The walk finds imports in functions, under TYPE_CHECKING, and relative ones."""
    path = ROOT / "bot" / "cli" / "main.py"
    names = {name for _, name in imported(path)}
    assert "index.engine.Engine" in names  # imported inside `doctor`
    warm = {name for _, name in imported(ROOT / "bot" / "warm" / "client.py")}
    assert "index.settings.Settings" in warm  # under TYPE_CHECKING
