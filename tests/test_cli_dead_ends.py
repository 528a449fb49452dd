"""A newcomer's dead ends on the command line (issue 30): each failure says what to change, with
the exit code the README promises (1, or 2 for a setting), as JSON under --json, and -v says
what newsbot does. Real processes, real stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run


def test_a_data_folder_that_cannot_exist_is_a_settings_error(tmp_path: Path) -> None:
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("a file where a folder should go")
    places = [in_the_way / "data", in_the_way]
    if Path("/proc").is_dir():
        places.append(Path("/proc/nope"))
    for place in places:
        result = run("stats", cwd=tmp_path, env={"NEWSBOT_DATA_DIR": str(place)})
        assert result.returncode == 2, (place, result.stderr)
        assert result.stderr.startswith("newsbot: error: invalid settings: NEWSBOT_DATA_DIR")
        assert "try again" not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (("ask", "   ", "--json"), {}, 1, "the question is empty"),
        (("ask", "who?", "--since", "soon", "--json"), {}, 2, "is not a date"),
        (("stats", "--json"), {"NEWSBOT_TOP_K": "many"}, 2, "NEWSBOT_TOP_K"),
        (("forget", "nothing-like-it", "--json"), {}, 2, "No such option '--json'"),
    ],
)
def test_errors_under_json_are_json(tmp_path: Path, args, env, code, says) -> None:
    env = {"NEWSBOT_DATA_DIR": str(tmp_path / "data"), **env}
    result = run(*args, cwd=tmp_path, env=env)
    assert result.returncode == code and result.stderr == "", result.stderr
    error = json.loads(result.stdout)
    assert error["exit_code"] == code and says in error["error"]


def test_indexing_only_unreadable_files_fails(tmp_path: Path) -> None:
    env = {"NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "broken.pdf").write_bytes(b"\xff\xfe not a pdf")
    bad = run("index", "empty.txt", "broken.pdf", cwd=tmp_path, env=env)
    assert bad.returncode == 1, bad.stdout
    assert "2 skipped" in bad.stdout and "nothing was indexed" in bad.stderr
    as_json = run("index", "empty.txt", "--json", cwd=tmp_path, env=env)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["skipped"]
    (tmp_path / "good.txt").write_text("Harbour opens\n\nThe new harbour opened on Monday.\n")
    mixed = run("index", "good.txt", "empty.txt", cwd=tmp_path, env=env)
    assert mixed.returncode == 0 and "1 added" in mixed.stdout and "1 skipped" in mixed.stdout


def test_an_invalid_log_level_is_named_plainly(tmp_path: Path) -> None:
    result = run("stats", cwd=tmp_path, env={"NEWSBOT_LOG_LEVEL": "loud"})
    assert result.returncode == 2
    assert "NEWSBOT_LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR" in result.stderr
    assert "pattern" not in result.stderr and "(?i)" not in result.stderr
    quiet = run("stats", cwd=tmp_path, env={"NEWSBOT_LOG_LEVEL": "error"})
    assert quiet.returncode == 0, quiet.stderr


def test_verbose_says_what_newsbot_does(tmp_path: Path) -> None:
    env = {"NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    assert run("stats", cwd=tmp_path, env=env).stderr == ""
    said = run("-v", "stats", cwd=tmp_path, env=env).stderr
    assert "INFO index.engine: opened" in said and "collection 'newsbot'" in said


def test_the_readme_lists_every_command_and_only_those() -> None:
    """`newsbot --help` and the README's "Using it" block name the same commands."""
    import click

    from bot.cli.main import cli
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Using it", 1)[1].split("```")[1]
    listed = {line.split()[1] for line in block.splitlines() if line.startswith("newsbot ")}
    listed.discard("-v")
    assert listed == set(cli.commands), listed ^ set(cli.commands)
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            line = next(x for x in block.splitlines() if x.startswith(f"newsbot {name} "))
            said = set(line.split()[2].split("|"))
            assert said == set(command.commands), (name, said ^ set(command.commands))


def test_help_names_the_setting_each_default_comes_from(tmp_path: Path) -> None:
    assert "NEWSBOT_ANSWER_PASSAGES" in run("ask", "--help", cwd=tmp_path).stdout
    assert "NEWSBOT_TOP_K" in run("sources", "--help", cwd=tmp_path).stdout
