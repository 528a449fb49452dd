"""A non-editable install works: the wheel holds every module, the prompt templates and the
starter article, and its `newsbot ask`, run from another folder, indexes the packaged seed and
answers from it (`pip install .` or `pipx install` into a fresh environment).

The wheel is built from a copy of the sources (no build/ left in the checkout) by this
interpreter's setuptools (no build isolation: nothing is downloaded), and installed without its
dependencies into a fresh virtual environment that sees this interpreter's packages through a
`.pth` file. (`--system-site-packages` would not do: a venv made from inside a venv gets the base
interpreter's packages, not these.) The `.pth` file of this interpreter's own editable newsbot
is not run there, so the code answering is the wheel's."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "index", "bot", "prompts", "seeds")
QUESTION = "How many people did the Pakistani strike kill?"

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*build, "--no-index", "-w", str(out), str(source)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return next(out.glob("newsbot-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the wheel installed; its bin folder."""
    env_dir = tmp_path_factory.mktemp("env")
    venv.create(env_dir, with_pip=False)
    paths = sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})
    ours = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    Path(paths["purelib"], "dependencies.pth").write_text("\n".join(dict.fromkeys(ours)) + "\n")
    python = Path(paths["scripts"]) / "python"
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed"]
    done = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, env=_plain_env())
    assert done.returncode == 0, done.stdout + done.stderr
    return Path(paths["scripts"])


def _plain_env(**extra: str) -> dict[str, str]:
    """The environment without this checkout on the path and without NEWSBOT_* settings."""
    keep = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and "NEWSBOT_" not in k}
    return {**keep, **extra}


def test_the_wheel_holds_every_module_the_prompts_and_the_seed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        p.relative_to(ROOT).as_posix() for r in ("index", "bot") for p in (ROOT / r).rglob("*.py")
    }
    assert not modules - names, "modules missing from the wheel: add their package to pyproject"
    prompts = {f"index/prompts/{p.name}" for p in (ROOT / "prompts").glob("*.txt")}
    seeds = {f"index/seeds/{p.name}" for p in (ROOT / "seeds").iterdir()}
    assert prompts and seeds and (prompts | seeds) <= names


def test_an_installed_newsbot_answers_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _plain_env(XDG_DATA_HOME=str(tmp_path / "data"), NEWSBOT_WARM_MINUTES="0")
    asked = subprocess.run(
        [str(installed / "newsbot"), "ask", QUESTION],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert asked.returncode == 0, asked.stderr
    assert "death toll of nine" in asked.stdout, asked.stdout
    # It indexed the seed that came with the package, not one in a source checkout.
    assert f"indexing {installed.parent}" in asked.stderr, asked.stderr

    probe = (
        "import index; from index.settings import DEFAULT_PROMPTS;"
        "from index.answer.prompts import Prompts;"
        "print(index.__file__); print(Prompts(DEFAULT_PROMPTS).get('system')[:40])"
    )
    shown = subprocess.run(
        [str(installed / "python"), "-c", probe],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    where, prompt = shown.stdout.splitlines()[:2]
    assert Path(where).is_relative_to(installed.parent) and prompt.strip()
