"""One store shared by the bot and the command line: `newsbot serve` answers from what `newsbot
index` (another process) wrote, within seconds, embedded and with a Chroma server; two processes
never write an embedded store at once."""

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
SEEN_WITHIN = 30.0  # seconds; the bot looks every 2 s (docs/architecture.md has the figure)


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
