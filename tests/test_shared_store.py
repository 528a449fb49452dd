"""One store shared by the bot and the command line: `newsbot serve` answers from what `newsbot
index` (another process) wrote, within seconds, embedded and with a Chroma server; two processes
never write an embedded store at once; a run that is killed or fails is seen too, and `doctor`
says it did not finish."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.engine import Engine
from index.store.lock import StoreBusy
from tests.conftest import SEEDS
from tests.fakes.discord_server import FakeDiscord
from tests.test_cli import run
from tests.test_discord_serve import NEWSBOT, child_env
from tests.test_faults import _file_size_limit, big_article, cli

QUESTION = "How steep a slope can the Badger rover climb?"
ROVER = """---
title: Badger rover passes its slope trials
source: Test Wire
published_at: 2026-11-01
---
The Badger rover climbed a slope of 31 degrees during trials in the Atacama desert on Tuesday,
engineers said. The six-wheeled rover can climb slopes as steep as 31 degrees while carrying its
full drill payload, the team added.
"""
SEED = SEEDS / "pakistan-iran-strikes.md"
SEEN_WITHIN = 30.0  # seconds; the bot looks every 2 s (docs/design/architecture.md has the figure)


def rover(tmp_path: Path) -> Path:
    path = tmp_path / "new" / "rover.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(ROVER)
    return path


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_serve_answers_from_what_newsbot_index_wrote_in_another_process(
    tmp_path: Path, mode: str, request: pytest.FixtureRequest
) -> None:
    store = {"NEWSBOT_EMBEDDING_THREADS": "1", "NEWSBOT_RATE_LIMIT_PER_MINUTE": "0"}
    if mode == "server":
        host, port = request.getfixturevalue("chroma_server")
        store |= {
            "NEWSBOT_CHROMA_HOST": host,
            "NEWSBOT_CHROMA_PORT": str(port),
            "NEWSBOT_COLLECTION": f"shared-{time.monotonic_ns() % 10**9}",
        }
    article = rover(tmp_path)

    async def main() -> tuple[int, str, list[str]]:
        async with FakeDiscord() as fake:
            env = child_env(
                tmp_path,
                fake,
                NEWSBOT_DISCORD_TOKEN=fake.token,
                NEWSBOT_DISCORD_GUILD_ID=str(fake.guild_id),
                **store,
            )
            log = tmp_path / "serve.log"
            with log.open("wb") as out:
                proc = await asyncio.create_subprocess_exec(
                    NEWSBOT, "serve", env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
                )
            replies: list[str] = []
            try:
                await fake.wait_until(
                    lambda: "indexed the configured sources" in log.read_text() or None, 120
                )
                replies.append(await ask(fake))
                indexed = await asyncio.to_thread(
                    subprocess.run,
                    [NEWSBOT, "index", "--no-prune", str(article)],
                    env={k: v for k, v in env.items() if not k.startswith("FAKE_")},
                    cwd=tmp_path,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert indexed.returncode == 0, indexed.stderr
                assert "1 added" in indexed.stdout
                deadline = time.monotonic() + SEEN_WITHIN
                while "31 degrees" not in replies[-1] and time.monotonic() < deadline:
                    await asyncio.sleep(1)
                    replies.append(await ask(fake))
            finally:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(proc.wait(), 30)
            return code, log.read_text(), replies

    code, output, replies = asyncio.run(main())
    assert code == 0, output
    assert "31 degrees" not in replies[0]  # not indexed yet: the bot refused
    assert "31 degrees" in replies[-1] and "[1]" in replies[-1], (replies, output)
    assert "Traceback" not in output, output[output.find("Traceback") :]
    # (Whether the bot had to re-open the store, or Chroma already showed it the new vectors,
    # depends on timing; the answer above is what the user needs.)


async def ask(fake: FakeDiscord) -> str:
    msg = await fake.send_message(QUESTION, mentions_bot=True)
    return (await fake.wait_for_reply(msg, timeout=60)).content


def test_a_second_writer_gets_one_line_naming_the_holder(make_engine, tmp_path: Path) -> None:  # noqa: ANN001
    engine: Engine = make_engine()
    engine.index()
    env = {
        "NEWSBOT_DATA_DIR": str(engine.settings.data_dir),
        "NEWSBOT_COLLECTION": engine.settings.collection,
        "NEWSBOT_EMBEDDING_THREADS": "1",
    }
    article = rover(tmp_path)
    with engine.store.writing():  # as the bot holds it during /reindex
        busy = run("index", "--no-prune", str(article), cwd=tmp_path, env=env)
        forget = run("forget", str(SEED), cwd=tmp_path, env=env)
    for result in (busy, forget):
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert f"pid {os.getpid()}" in result.stderr and "/ingest" in result.stderr
        assert "NEWSBOT_CHROMA_HOST" in result.stderr
    # nothing was lost, and once the store is free the same command works
    assert engine.stats().articles == 1
    assert run("index", "--no-prune", str(article), cwd=tmp_path, env=env).returncode == 0
    # and this engine sees it
    assert engine.refresh() and engine.stats().articles == 2
    assert "31 degrees" in engine.ask(QUESTION).answer


def test_an_engine_refuses_to_write_while_another_process_does(make_engine, tmp_path: Path) -> None:  # noqa: ANN001
    engine: Engine = make_engine()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from index.store.lock import StoreLock\n"
            "with StoreLock(Path(sys.argv[1])).exclusive():\n"
            "    print('held', flush=True); time.sleep(60)",
            str(engine.settings.data_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy, match=f"pid {holder.pid}"):
            engine.index()
    finally:
        holder.kill()
        holder.wait()
    assert engine.index().added  # a killed holder leaves no lock behind


@pytest.mark.parametrize("mode", ["server"])
def test_the_keyword_index_of_another_process_notices_the_registry_changed(
    make_engine,
    tmp_path: Path,
    mode: str,  # noqa: ANN001
) -> None:
    serving: Engine = make_engine()
    serving.index()
    # another machine: the same Chroma server, a data folder (and keyword index) of its own
    elsewhere = serving.settings.model_copy(update={"data_dir": tmp_path / "elsewhere"})
    other = Engine(elsewhere, embedder=serving.embedder)
    other.index([rover(tmp_path)], prune=False)
    new = other.keyword.chunk_ids() - serving.keyword.chunk_ids()
    assert new and serving.keyword.chunk_ids().isdisjoint(new)
    assert serving.refresh()
    assert new <= serving.keyword.chunk_ids()
    assert not serving.refresh()  # nothing new since
    assert other.index([rover(tmp_path)], prune=False).unchanged
    assert not serving.refresh()  # a run that changed nothing is nothing new
    assert "31 degrees" in serving.ask(QUESTION).answer


# --- a write that does not finish (issue 27, finding 3) ---------------------------------------

# A writer killed after storing its articles, before its run finishes: it kills itself, so the
# moment is exact (between the last registry flip and the end of the run).
KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from index.engine import Engine
from index.settings import load_settings

def progress(update):
    if update.stage == "done":
        os.kill(os.getpid(), signal.SIGKILL)

Engine(load_settings()).index([Path(sys.argv[1])], progress=progress, prune=False)
"""


def store_env(engine: Engine) -> dict[str, str]:
    return {
        "NEWSBOT_DATA_DIR": str(engine.settings.data_dir),
        "NEWSBOT_COLLECTION": engine.settings.collection,
        "NEWSBOT_EMBEDDING_THREADS": "1",
        "NEWSBOT_WARM_MINUTES": "0",
    }


def test_a_killed_index_run_is_seen_by_a_serving_process_and_doctor_says_so(
    make_engine,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    serving: Engine = make_engine()
    serving.index()
    assert "31 degrees" not in serving.ask(QUESTION).answer
    env = store_env(serving)
    killed = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", KILLED_WRITER, str(rover(tmp_path))],
        env={k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")} | env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # The run never finished, yet the process serving sees what it stored, at its next look.
    assert serving.refresh()
    assert "31 degrees" in serving.ask(QUESTION).answer
    assert not serving.refresh()  # and looks once only

    doctor = run("doctor", cwd=tmp_path, env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "index: consistent: 2 articles" in doctor.stdout
    assert "a write (an index run or a forget) did not finish: it was killed or failed;" in (
        doctor.stdout
    )
    # A run that changes nothing still completes the killed one (it sweeps what it left).
    again = run("index", "--no-prune", str(rover(tmp_path)), cwd=tmp_path, env=env)
    assert again.returncode == 0 and "1 unchanged" in again.stdout, again.stderr
    assert serving.store.last_write() == "finished"
    assert serving.refresh() and "31 degrees" in serving.ask(QUESTION).answer


def test_an_index_run_that_fails_on_a_full_disk_is_seen_by_a_serving_process(
    make_engine,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    serving: Engine = make_engine()
    serving.index()
    folder = rover(tmp_path).parent  # new/rover.md, then a long article the disk has no room for
    (folder / "tunnel.md").write_text(big_article("Tunnel works report", 300, 5))
    data = serving.settings.data_dir
    largest = max(f.stat().st_size for f in data.rglob("*") if f.is_file())
    full = cli(  # 64 kB of room: enough for the rover article, not for the long one
        "index",
        "--no-prune",
        str(folder),
        env=store_env(serving) | {"NEWSBOT_LOG_LEVEL": "DEBUG"},
        cwd=tmp_path,
        preexec=_file_size_limit(largest + 64 * 1024),
    )
    assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr[-3000:]
    assert "stored " in full.stderr and "cannot write the index in" in full.stderr
    assert serving.refresh()  # the failed run stored one article: the serving process sees it
    assert "31 degrees" in serving.ask(QUESTION).answer
