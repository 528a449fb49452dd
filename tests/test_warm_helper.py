"""The warm helper as a user meets it: real `newsbot` processes, a real helper on a real Unix
socket, real stores. Every test has its own data folder and its own socket folder, and stops
(or kills, by pid) every helper it started, whatever happens."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_shared_store import KILLED_WRITER

# Helpers are found (and killed if need be) through /proc.
pytestmark = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="Linux only")

NEWSBOT = str(Path(sys.executable).parent / "newsbot")
QUESTION = "How many people did the Pakistani strike kill?"
ARTICLE = """---
title: Zorblat lantern festival draws record crowd in Quenton
source: Quenton Herald
published_at: 2024-03-02
---
The Zorblat lantern festival in Quenton drew 41,000 visitors on Saturday, the organisers said.
It was the largest crowd in the festival's twelve-year history.
"""


@dataclass
class Place:
    """Where a test runs newsbot: a folder, its data folder, and a private socket folder."""

    cwd: Path
    runtime: str
    env: dict[str, str]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [NEWSBOT, *args],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def status(self, **env: str) -> dict:
        result = self.run("warm", "status", "--json", **env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def start(self, **env: str) -> dict:
        result = self.run("warm", "start", **env)
        assert result.returncode == 0, result.stderr
        assert "listens on" in result.stdout
        status = self.status(**env)
        assert status["running"], status
        return status


def helper_pids(runtime: str) -> list[int]:
    """The live helpers whose socket is in `runtime` (only this test's)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"bot.cli.warm_process" in argv and any(runtime.encode() in a for a in argv):
            pids.append(int(entry.name))
    return pids


def gone(pid: int, within: float = 15.0) -> bool:
    """The process has exited (a zombie waiting for its reaper counts as exited)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Place]:
    # Under /tmp and short: a socket path must stay under ~100 bytes, and tmp_path may not.
    runtime = tempfile.mkdtemp(prefix="nbw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(XDG_RUNTIME_DIR=runtime, NEWSBOT_DATA_DIR=str(tmp_path / "data"))
    here = Place(tmp_path, runtime, env)
    try:
        yield here
    finally:
        here.run("warm", "stop")
        for pid in helper_pids(runtime):
            if not gone(pid, within=5):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def warm(place: Place) -> Place:
    """A seeded store with a helper answering for it."""
    assert place.run("index").returncode == 0
    place.start()
    return place


def without_timings(text: str) -> dict:
    payload = json.loads(text)
    payload.pop("timings")
    return payload


def test_served_answers_read_exactly_as_in_process(warm: Place) -> None:
    served, here = warm.run("ask", QUESTION), warm.run("ask", QUESTION, NEWSBOT_WARM_MINUTES="0")
    assert served.returncode == here.returncode == 0, served.stderr
    assert "nine" in served.stdout
    assert (served.stdout, served.stderr) == (here.stdout, here.stderr)

    served = warm.run("ask", QUESTION, "--json")
    here = warm.run("ask", QUESTION, "--json", NEWSBOT_WARM_MINUTES="0")
    assert without_timings(served.stdout) == without_timings(here.stdout)

    served = warm.run("sources", "Iran strikes", "--json", "-k", "2")
    here = warm.run("sources", "Iran strikes", "--json", "-k", "2", NEWSBOT_WARM_MINUTES="0")
    assert served.stdout == here.stdout and served.returncode == 0

    # The served command line never loads the engine's libraries: that is the point.
    profiled = warm.run("ask", QUESTION, PYTHONPROFILEIMPORTTIME="1")
    assert profiled.returncode == 0 and "import time:" in profiled.stderr
    for heavy in ("llama_index", "chromadb", "onnxruntime"):
        assert heavy not in profiled.stderr
    assert warm.status()["requests"] == 4  # ask, ask --json, sources, profiled ask


def test_an_article_indexed_by_another_process_is_found(warm: Place) -> None:
    more = warm.cwd / "more"
    more.mkdir()
    (more / "zorblat.md").write_text(ARTICLE)
    assert warm.run("index", str(more)).returncode == 0

    sources = warm.run("sources", "Zorblat lantern festival", "--json")
    assert sources.returncode == 0, sources.stderr
    assert "Zorblat" in json.loads(sources.stdout)["passages"][0]["title"]
    answer = warm.run("ask", "How many visitors did the Zorblat lantern festival draw?")
    assert answer.returncode == 0 and "41,000" in answer.stdout
    assert warm.status()["requests"] == 2


def test_other_settings_are_not_served_by_that_helper(warm: Place, tmp_path: Path) -> None:
    other = {"NEWSBOT_DATA_DIR": str(tmp_path / "other-data")}
    result = warm.run("ask", QUESTION, **other)
    assert result.returncode == 0 and "nine" in result.stdout
    assert "indexing" in result.stderr  # its own, empty store: indexed here, in process
    assert not warm.status(**other)["running"]
    assert warm.status()["requests"] == 0


def test_stop_ends_the_helper_and_an_idle_one_leaves_by_itself(place: Place) -> None:
    assert place.run("index").returncode == 0
    status = place.start()
    stopped = place.run("warm", "stop")
    assert stopped.returncode == 0 and "Stopped" in stopped.stdout
    assert gone(status["pid"]) and not Path(status["socket"]).exists()
    again = place.run("warm", "stop")
    assert again.returncode == 0 and "No warm helper was running" in again.stdout

    status = place.start(NEWSBOT_WARM_MINUTES="0.05")  # 3 seconds
    assert gone(status["pid"], within=30)
    assert not Path(status["socket"]).exists() and not place.status()["running"]


def test_a_killed_helper_leaves_a_socket_that_is_ignored(warm: Place) -> None:
    status = warm.status()
    os.kill(status["pid"], signal.SIGKILL)
    assert gone(status["pid"]) and Path(status["socket"]).exists()
    result = warm.run("ask", QUESTION)
    assert result.returncode == 0 and "nine" in result.stdout
    assert result.stderr == ""
    assert not warm.status()["running"]


def test_an_empty_question_fails_the_same_through_the_helper(warm: Place) -> None:
    served, here = warm.run("ask", "  "), warm.run("ask", "  ", NEWSBOT_WARM_MINUTES="0")
    assert served.returncode == here.returncode == 1
    assert served.stderr == here.stderr
    assert served.stderr.startswith("newsbot: error: the question is empty")
    assert len(served.stderr.splitlines()) == 1
    assert warm.status()["requests"] == 1


def test_piped_questions_start_no_helper(place: Place) -> None:
    for _ in range(2):
        result = place.run("ask", QUESTION)
        assert result.returncode == 0 and "warm helper" not in result.stderr
    assert not place.status()["running"]
    assert helper_pids(place.runtime) == []


def test_a_question_at_a_terminal_starts_a_helper(place: Place) -> None:
    assert place.run("index").returncode == 0
    stderr = run_at_terminal(place, "ask", QUESTION)
    assert "keeping a warm helper for 10 minutes" in stderr
    deadline = time.monotonic() + 60
    while not place.status()["running"]:
        assert time.monotonic() < deadline, "no helper answered"
        time.sleep(0.2)
    assert "keeping a warm helper" not in run_at_terminal(place, "ask", QUESTION)
    assert place.status()["requests"] == 1


def run_at_terminal(place: Place, *args: str) -> str:
    """Run newsbot with stdin and stdout on a pseudo-terminal; its stderr."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [NEWSBOT, *args],
        cwd=place.cwd,
        env=place.env,
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(terminal)
    try:
        while True:  # drain the terminal, or the command blocks writing to it
            try:
                if not os.read(controller, 65536):
                    break
            except OSError:  # EIO: the command has closed the terminal
                break
        _, stderr = process.communicate(timeout=300)
    finally:
        os.close(controller)
    assert process.returncode == 0, stderr
    return stderr


def test_a_socket_folder_others_can_write_to_is_not_used(place: Place) -> None:
    folder = Path(place.runtime) / f"newsbot-{os.getuid()}"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)  # anyone could plant a socket answering for us there
    started = place.run("warm", "start")
    assert started.returncode == 1 and "no private folder" in started.stderr
    assert "is not a private folder" in started.stderr
    assert list(folder.iterdir()) == [] and helper_pids(place.runtime) == []


# --- the store, not the path (issue 27, findings 3 and 13) ------------------------------------

ZORBLAT = "How many visitors did the Zorblat lantern festival draw?"


def zorblat_folder(cwd: Path) -> Path:
    more = cwd / "more"
    more.mkdir(exist_ok=True)
    (more / "zorblat.md").write_text(ARTICLE)
    return more


def test_a_killed_index_run_is_answered_from(warm: Place) -> None:
    killed = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", KILLED_WRITER, str(zorblat_folder(warm.cwd))],
        cwd=warm.cwd,
        env=warm.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    answer = warm.run("ask", ZORBLAT)
    assert answer.returncode == 0 and "41,000" in answer.stdout, answer.stdout + answer.stderr
    assert warm.status()["requests"] == 1  # the helper answered it


def test_the_helper_answers_from_the_store_now_in_its_data_folder(
    place: Place, tmp_path: Path
) -> None:
    link, first, second = tmp_path / "data-link", tmp_path / "first", tmp_path / "second"
    first.mkdir()
    link.symlink_to(first)
    env = {"NEWSBOT_DATA_DIR": str(link)}
    assert place.run("index", **env).returncode == 0  # the seed article, into `first`
    place.start(**env)
    more = zorblat_folder(tmp_path)
    assert place.run("index", str(more), NEWSBOT_DATA_DIR=str(second)).returncode == 0

    def served_as_here(question: str, requests: int) -> str:
        served = place.run("ask", question, **env)
        here = place.run("ask", question, NEWSBOT_WARM_MINUTES="0", **env)
        assert served.returncode == here.returncode == 0, served.stderr
        assert (served.stdout, served.stderr) == (here.stdout, here.stderr)
        assert place.status(**env)["requests"] == requests  # the helper answered it
        return served.stdout

    link.unlink()
    link.symlink_to(second)  # the data folder re-pointed: another store at the same path
    assert "41,000" in served_as_here(ZORBLAT, 1)

    shutil.rmtree(second)  # deleted and built again: the seed article only
    second.mkdir()
    assert place.run("index", **env).returncode == 0
    assert "nine" in served_as_here(QUESTION, 2)
    assert "41,000" not in served_as_here(ZORBLAT, 3)
