"""Settings that surprised a new user: `.env.example` copied elsewhere, a misspelled variable, and
where the store lives when NEWSBOT_DATA_DIR is not set."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from index.settings import Settings
from tests.conftest import ROOT
from tests.test_cli import run


def test_env_example_copied_elsewhere_gives_the_real_defaults(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    from_example = Settings()
    defaults = Settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()
    assert all(p.exists() for p in from_example.sources)
    result = run("doctor", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sources: " in result.stdout and "error" not in result.stdout
    assert not result.stderr  # and no warning: every variable in it is a setting


def test_doctor_checks_that_the_sources_exist(tmp_path: Path) -> None:
    result = run("doctor", cwd=tmp_path, env={"NEWSBOT_SOURCES": "seeds"})
    assert result.returncode == 1
    assert "sources: error: no such file or directory: seeds" in result.stdout


def test_a_misspelled_variable_warns_once_with_the_closest_setting(tmp_path: Path) -> None:
    result = run("stats", cwd=tmp_path, env={"NEWSBOT_TOPK": "3"})
    assert result.returncode == 0
    assert result.stderr.count("NEWSBOT_TOPK") == 1, result.stderr
    assert "did you mean NEWSBOT_TOP_K?" in result.stderr
    (tmp_path / ".env").write_text("NEWSBOT_CHUNKSIZE=100\n")
    result = run("stats", cwd=tmp_path)
    assert result.stderr.count("NEWSBOT_CHUNKSIZE") == 1, result.stderr
    assert "did you mean NEWSBOT_CHUNK_SIZE?" in result.stderr


def test_the_default_store_is_the_same_from_every_folder_and_printed(tmp_path: Path) -> None:
    user_data = Path(os.environ["XDG_DATA_HOME"]) / "newsbot"  # conftest points it at tmp_path
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    assert run("index", cwd=here).returncode == 0
    stats = json.loads(run("stats", "--json", cwd=there).stdout)
    assert stats["articles"] == 1 and stats["data_dir"] == str(user_data)
    assert f"data folder: {user_data}" in run("stats", cwd=there).stdout
    assert f"data folder: {user_data}" in run("doctor", cwd=there).stdout
    assert not (here / "data").exists() and not (there / "data").exists()


def test_an_existing_dot_data_is_used_and_pointed_at(tmp_path: Path) -> None:
    assert run("index", cwd=tmp_path, env={"NEWSBOT_DATA_DIR": "data"}).returncode == 0
    result = run("stats", "--json", cwd=tmp_path)
    assert json.loads(result.stdout)["articles"] == 1  # nothing hidden
    assert result.stderr.count("\n") == 1, result.stderr
    assert str((tmp_path / "data").resolve()) in result.stderr
    assert str(Path(os.environ["XDG_DATA_HOME"]) / "newsbot") in result.stderr
    assert "NEWSBOT_DATA_DIR" in result.stderr
    # said explicitly, it is no surprise
    quiet = run("stats", cwd=tmp_path, env={"NEWSBOT_DATA_DIR": "data"})
    assert quiet.returncode == 0 and not quiet.stderr
