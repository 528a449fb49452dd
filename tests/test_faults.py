"""Faults from the reliability issue, with real parts: a real `chroma run` server that is stalled,
killed and restarted on the same port and data; a fake LLM server that goes away and comes back;
a read-only data directory and a full disk at index time; SIGTERM to `newsbot serve`.

Only the wire is faked (Discord, the LLM server). The answer times of the outage replies are
printed (run with `-s`), never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from chromadb.errors import InternalError

from bot.discord.client import SHUTTING_DOWN, NewsBot
from bot.discord.replies import INDEX_UNAVAILABLE
from index.engine import Engine
from index.errors import IndexStopped, StoreUnavailable, write_failure
from index.settings import Settings, load_settings
from tests.conftest import SEEDS, CountingEmbedder, free_port
from tests.discord_harness import run_scenario
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.llm_servers import FakeLLMServer, Reply
from tests.test_discord_serve import child_env
from tests.test_generation import passage_with

NEWSBOT = str(Path(sys.executable).parent / "newsbot")
CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
KILLED = "How many people did the Pakistani strike kill?"
GENERATED = "The deputy governor reported a death toll of nine from the Pakistani missile strike"
EXTRA_BYTES = 8192  # a "full disk": files may grow this much past the largest one there


# --- helpers --------------------------------------------------------------------------------


class ChromaServer:
    """A real `chroma run` child on 127.0.0.1 that a test can stall, kill and start again on the
    same port and data path; optionally with a file-size limit (a disk that is full)."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, max_file_bytes: int | None = None) -> ChromaServer:
        preexec = _file_size_limit(max_file_bytes) if max_file_bytes else None
        self.proc = subprocess.Popen(  # noqa: S603 - our own venv's chroma
            [
                CHROMA,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,  # not a file: a size limit must not hit its log
            stderr=subprocess.DEVNULL,
            preexec_fn=preexec,  # noqa: PLW1509 - only sets a limit and a signal disposition
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
                httpx.get(url, timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)

    def pause(self) -> None:
        """SIGSTOP: the kernel still accepts connections, nothing answers (a stalled server)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # works on a stopped process too
            self.proc.wait(10)

    def largest_file(self) -> int:
        return max(f.stat().st_size for f in self.path.rglob("*") if f.is_file())


def _file_size_limit(max_bytes: int) -> Callable[[], None]:
    """For preexec_fn: writes that would grow a file past `max_bytes` fail with EFBIG, as they
    would with ENOSPC on a full disk (SIGXFSZ ignored, so the write fails instead of killing)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def big_article(title: str, sentences: int, seed: int) -> str:
    """A long article in plain sentences (many chunks to embed)."""
    words = [
        "river",
        "council",
        "budget",
        "storm",
        "harbour",
        "election",
        "minister",
        "bridge",
        "school",
        "hospital",
        "farmers",
        "rain",
        "police",
        "festival",
        "museum",
        "railway",
        "tunnel",
        "glacier",
        "vineyard",
        "ferry",
    ]
    body = []
    for i in range(sentences):
        picked = [words[(seed * 7 + i * 3 + j * 5) % len(words)] for j in range(11)]
        body.append(f"The {' '.join(picked)} report number {seed}-{i} was filed.")
    return f"---\ntitle: {title}\nsource: Test Wire\n---\n" + " ".join(body) + "\n"


def cli(
    *args: str, env: dict[str, str], cwd: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")} | env
    return subprocess.run(  # noqa: S603 - our own entry point
        [NEWSBOT, *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,  # noqa: PLW1509
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    # progress lines come before the error (a line per tenth, shown without a terminal too)
    lines = [x for x in result.stderr.strip().splitlines() if not x.startswith("Embedding: ")]
    assert len(lines) == 1 and lines[0].startswith("newsbot: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def embedded_env(settings: Settings) -> dict[str, str]:
    return {
        "NEWSBOT_DATA_DIR": str(settings.data_dir),
        "NEWSBOT_SOURCES": ",".join(str(p) for p in settings.sources),
        "NEWSBOT_EMBEDDING_THREADS": "1",
    }


def indexed_sources(tmp_path: Path, embedder: CountingEmbedder) -> Settings:
    """The seed article indexed into an embedded store under tmp_path (client closed after)."""
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    settings = load_settings(data_dir=tmp_path / "data", sources=[src])
    engine = Engine(settings, embedder=embedder)
    assert engine.index().added
    engine.close()  # the CLI children open the store next
    return settings


def cite_nine(messages: list[dict], delay: float = 0.0) -> Reply:
    """What a model would answer: the passage with the death toll, cited by its number."""
    return Reply(f"{GENERATED} [{passage_with(messages, 'death toll of nine')}].", delay=delay)


async def ask_timed(fake: FakeDiscord, label: str, times: dict[str, float]) -> str:
    msg = await fake.send_message(KILLED, mentions_bot=True)
    started = time.perf_counter()
    reply = await fake.wait_for_reply(msg, timeout=60)
    times[label] = round(time.perf_counter() - started, 2)
    return reply.content


# --- 2. the Chroma server goes away ----------------------------------------------------------


def test_chroma_outage_gets_a_plain_sentence_and_the_bot_recovers_without_restart(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    server = ChromaServer(tmp_path / "chroma-db").start()
    try:
        settings = load_settings(
            data_dir=tmp_path / "data",
            chroma_host="127.0.0.1",
            chroma_port=server.port,
            chroma_timeout=2.0,  # NEWSBOT_CHROMA_TIMEOUT, short to keep the test quick
            sources=[SEEDS],
        )
        engine = Engine(settings, embedder=embedder)
        engine.index()
        times: dict[str, float] = {}

        async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
            assert "[1]" in await ask_timed(fake, "up", times)
            server.pause()  # stalled: accepts TCP, never answers
            assert await ask_timed(fake, "stalled", times) == INDEX_UNAVAILABLE
            server.kill()  # gone: connection refused
            await asyncio.sleep(2.5)  # past the fail-fast window, so a real connect is tried
            assert await ask_timed(fake, "down", times) == INDEX_UNAVAILABLE
            reindex = await fake.slash("reindex", {}, user=fake.admin)
            failed = await reindex.wait_until(lambda: showing(reindex, "failed"), 30)
            assert failed.content == f"Re-index failed: {INDEX_UNAVAILABLE}"
            with pytest.raises(StoreUnavailable):  # `newsbot index` gets the same sentence
                await asyncio.to_thread(engine.index)
            await asyncio.to_thread(server.start)  # same port, same data path
            # The failed `index` above opened a fail-fast window: questions in it are told at
            # once; the first one after it reaches the server again.
            await asyncio.sleep(2.5)
            answer = await ask_timed(fake, "back", times)
            assert "[1]" in answer and "nine" in answer, answer
            assert (await asyncio.to_thread(engine.stats)).articles == 1  # nothing lost

        run_scenario(engine, scenario, timeout=120)
        print(f"\nchroma outage reply times (s, timeout 2.0): {times}")
        engine.close()
    finally:
        server.kill()


def test_cli_with_the_chroma_server_stalled_is_one_line_within_the_timeout(
    tmp_path: Path,
) -> None:
    # (A server that is down, connection refused, is in test_cli's one-line errors.)
    with socket.socket() as stalled:  # listens, so connections are accepted; never answers
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(8)
        env = {
            "NEWSBOT_CHROMA_HOST": "127.0.0.1",
            "NEWSBOT_CHROMA_PORT": str(stalled.getsockname()[1]),
            "NEWSBOT_CHROMA_TIMEOUT": "2",
        }
        result = cli("ask", KILLED, env=env, cwd=tmp_path)
    line = assert_one_line_error(result, "the index is unavailable", "try again shortly")
    assert "ReadTimeout" in line


# --- 2b. the LLM server goes away ------------------------------------------------------------


def test_llm_outage_falls_back_to_extractive_then_generated_answers_resume(
    make_engine: Callable[..., Engine],
) -> None:
    llm = FakeLLMServer(script=cite_nine).start()
    try:
        engine = make_engine(
            llm="openai-compatible",
            llm_base_url=llm.openai_url,
            llm_model="fake",
            llm_timeout=5.0,
        )
        engine.index()
        times: dict[str, float] = {}

        async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
            up = await ask_timed(fake, "up", times)
            assert GENERATED in up and "did not answer" not in up, up
            await asyncio.to_thread(llm.stop)
            down = await ask_timed(fake, "down", times)
            assert "The language model did not answer" in down, down
            assert "death toll of nine" in down and "[1]" in down  # the extractive answer
            await asyncio.to_thread(llm.start)  # back on the same port
            back = await ask_timed(fake, "back", times)
            assert GENERATED in back and "did not answer" not in back, back

        run_scenario(engine, scenario)
        print(f"\nLLM outage reply times (s): {times}")
    finally:
        llm.stop()


# --- 3. read-only data directory and full disk at index time ----------------------------------


@contextlib.contextmanager
def read_only(data_dir: Path) -> Iterator[Callable[[list[str]], list[str]]]:
    """Make `data_dir` read-only for the commands run through the yielded wrapper.

    Not root: chmod. Root ignores file modes, so a child gets a private mount namespace with
    a read-only bind mount of the folder (a genuinely read-only file system, EROFS) instead.
    """
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [data_dir, *data_dir.rglob("*")]}
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        try:
            yield lambda command: command
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    unshare = shutil.which("unshare")
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    wrap = [unshare or "unshare", "--mount", "--propagation", "private", "sh", "-c", script]
    probe = subprocess.run([*wrap, str(data_dir), "true"], capture_output=True)  # noqa: S603
    if unshare is None or probe.returncode != 0:
        pytest.skip("root without CAP_SYS_ADMIN: chmod does not bind and no read-only mount")
    yield lambda command: [*wrap, str(data_dir), *command]


def test_read_only_data_dir_stops_the_run_in_one_line_and_the_index_survives(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = indexed_sources(tmp_path, embedder)
    env = embedded_env(settings)
    (settings.sources[0] / "lake.md").write_text(big_article("Glacier lake report", 20, 1))
    with read_only(settings.data_dir) as wrap:
        result = subprocess.run(  # noqa: S603 - our own entry point
            wrap([NEWSBOT, "index"]),
            env=os.environ | env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    # Embedded Chroma writes to its folder when it opens it (even to answer, so `ask` on the
    # read-only folder says the same): the run stops before anything is read or written.
    assert_one_line_error(result, "cannot open the index in", "Nothing in it was changed")
    assert "read-only" in result.stderr or "permission" in result.stderr
    # writable again: the index answers as before, and the next run adds the new article
    answered = cli("ask", KILLED, env=env, cwd=tmp_path)
    assert answered.returncode == 0 and "nine" in answered.stdout, answered.stderr
    engine = Engine(settings, embedder=embedder)
    assert engine.stats().articles == 1
    assert len(engine.index().added) == 1 and engine.stats().articles == 2
    engine.close()


def test_full_disk_stops_the_run_in_one_line_and_the_index_still_answers(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = indexed_sources(tmp_path, embedder)
    env = embedded_env(settings)
    (settings.sources[0] / "flood.md").write_text(big_article("Valley flood report", 60, 2))
    largest = max(f.stat().st_size for f in settings.data_dir.rglob("*") if f.is_file())
    full = cli("index", env=env, cwd=tmp_path, preexec=_file_size_limit(largest + EXTRA_BYTES))
    line = assert_one_line_error(full, "cannot write the index in", "still answers as before")
    assert "Traceback" not in full.stderr
    print(f"\nfull disk: {line}")
    engine = Engine(settings, embedder=embedder)  # the disk has room again
    assert engine.stats().articles == 1  # the half-written article is not visible
    assert "nine" in engine.ask(KILLED).answer  # the index answers as before
    report = engine.index()  # the next normal run completes
    assert len(report.added) == 1 and engine.stats().articles == 2
    engine.close()


def test_full_disk_on_the_chroma_server_is_one_sentence_in_reindex_and_ingest(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    server = ChromaServer(tmp_path / "chroma-db").start()
    try:
        settings = load_settings(
            data_dir=tmp_path / "data",
            chroma_host="127.0.0.1",
            chroma_port=server.port,
            sources=[src],
        )
        first = Engine(settings, embedder=embedder)
        first.index()
        first.close()
        server.kill()
        server.start(max_file_bytes=server.largest_file() + EXTRA_BYTES)  # the disk is full now
        engine = Engine(settings, embedder=embedder)
        (src / "flood.md").write_text(big_article("Valley flood report", 60, 3))

        async def scenario(fake: FakeDiscord, bot: NewsBot) -> None:
            reindex = await fake.slash("reindex", {}, user=fake.admin)
            failed = await reindex.wait_until(lambda: showing(reindex, "failed"), 60)
            assert "Re-index failed: Cannot write the index on the Chroma server" in failed.content
            assert "still answers as before" in failed.content
            upload = ("storm.md", big_article("Storm report", 40, 4).encode())
            ingest = await fake.slash("ingest", user=fake.admin, attachments={"file": upload})
            refused = await ingest.wait_edit(timeout=60)
            assert "Cannot write the index on the Chroma server" in refused.content
            assert not (bot.settings.data_dir / "uploads" / "storm.md").exists()  # restored
            msg = await fake.send_message(KILLED, mentions_bot=True)
            assert "nine" in (await fake.wait_for_reply(msg, timeout=30)).content

        run_scenario(engine, scenario, timeout=120)
        assert engine.stats().articles == 1
        engine.close()
    finally:
        server.kill()


# A disk that is really full (ENOSPC on every file, not a size limit on one): a small tmpfs, in
# a mount namespace of its own so that nothing outside the test sees it.
SMALL_DISK = """
set -u
mount -t tmpfs -o size=32m tmpfs "$SMALL" || exit 99
cp -a "$DATA/." "$SMALL/"
avail=$(df -k --output=avail "$SMALL" | tail -n 1)
dd if=/dev/zero of="$SMALL/filler" bs=1024 count=$((avail - 200)) 2>/dev/null
export NEWSBOT_DATA_DIR="$SMALL"
run() {
    name=$1; shift
    "$NEWSBOT" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"
}
run index index
run ask ask "$QUESTION"
rm "$SMALL/filler"
run again ask "$QUESTION"
"""


def on_a_small_disk(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `script` (sh) with a private mount namespace, where it may mount a tmpfs; skip the
    test where no such namespace can be made (not root and no user namespaces)."""
    unshare = shutil.which("unshare")
    as_root = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    if unshare is None:
        pytest.skip("no unshare(1): cannot mount a small disk")
    done = subprocess.run(  # noqa: S603 - util-linux's unshare, our script
        [unshare, *as_root, "--mount", "--propagation", "private", "sh", "-c", script],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode == 99 or "unshare failed" in done.stderr:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()[:200]}")
    return done


def test_a_really_full_disk_is_one_sentence_for_index_and_ask_never_chromas_traceback(
    tmp_path: Path,
) -> None:
    # Chroma's own errors on a full disk name no cause ("Error in compaction: Error purging
    # logs", "... Failed to apply logs to the metadata segment"); they were raw tracebacks.
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    settings = load_settings(data_dir=tmp_path / "data", sources=[src])
    assert cli("index", env=embedded_env(settings), cwd=tmp_path).returncode == 0
    for i in range(1, 4):  # a few writes fill Chroma's log, then the disk is full
        (src / f"report{i}.md").write_text(big_article(f"Harbour report {i}", 30, i))
    (src / "valley.md").write_text(big_article("Valley flood report", 200, 9))
    small, out = tmp_path / "small", tmp_path / "out"
    small.mkdir()
    out.mkdir()
    env = embedded_env(settings) | {
        "NEWSBOT_WARM_MINUTES": "0",
        "SMALL": str(small),
        "DATA": str(settings.data_dir),
        "OUT": str(out),
        "NEWSBOT": NEWSBOT,
        "QUESTION": KILLED,
    }
    on_a_small_disk(SMALL_DISK, env)

    def result(name: str) -> subprocess.CompletedProcess[str]:
        read = (out / f"{name}.out").read_text, (out / f"{name}.err").read_text
        code = int((out / f"{name}.rc").read_text())
        return subprocess.CompletedProcess([name], code, read[0](), read[1]())

    line = assert_one_line_error(result("index"), "cannot write the index in", "the disk is full")
    assert "still answers as before" in line
    # Embedded Chroma writes even to answer (what the failed run left in its log, first): then
    # one sentence too; else the answer as before.
    asked = result("ask")
    if asked.returncode != 0:  # when opening the store (applying its log) or using it
        line = assert_one_line_error(asked, "the disk is full")
        assert line.startswith(
            ("newsbot: error: cannot use the index in", "newsbot: error: cannot open the index in")
        ), line
    else:
        assert "nine" in asked.stdout and asked.stderr == ""
    again = result("again")  # room again: answered as before
    assert again.returncode == 0 and "nine" in again.stdout, again.stderr


@pytest.mark.parametrize(
    "text",
    [
        "Error in compaction: Error purging logs",
        "Error in compaction: Failed to apply logs to the metadata segment",
        "Error executing plan: Error sending backfill request to compactor: Failed to apply logs "
        "to the metadata segment",
    ],
)
def test_chroma_failing_to_apply_its_log_is_a_failed_write(tmp_path: Path, text: str) -> None:
    from index.store.connection import store_write_failure

    settings = load_settings(data_dir=tmp_path)  # a disk with room: the cause is not known
    reason = store_write_failure(settings, InternalError(text))
    assert reason is not None and "Chroma could not save its changes" in reason
    assert "is the disk full?" in reason
    assert store_write_failure(settings, InternalError("Collection does not exist")) is None


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/data/x"), "the disk is full"),
        (OSError(errno.EROFS, "Read-only file system", "/data/x"), "it is read-only"),
        (OSError(errno.EACCES, "Permission denied", "/data/x"), "permission was denied"),
        (OSError(errno.EFBIG, "File too large", "/data/x"), "a file size limit was reached"),
        (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "it is read-only"),
        (InternalError("(code: 8) attempt to write a readonly database"), "it is read-only"),
        (InternalError("(code: 778) disk I/O error"), "disk I/O error"),
        (InternalError("Collection does not exist"), None),
        (OSError(errno.ENOENT, "No such file", "/data/x"), None),
    ],
)
def test_write_failures_are_recognised_by_errno_or_by_sqlite_text(
    error: Exception, reason: str | None
) -> None:
    try:
        raise RuntimeError("wrapped") from error  # found through the cause chain too
    except RuntimeError as wrapped:
        found = write_failure(wrapped)
    assert (reason in found) if reason and found else found == reason


# --- 4. SIGTERM and the next start ------------------------------------------------------------


def test_a_stopped_engine_refuses_to_start_an_index_run(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine()
    engine.request_stop()  # what SIGTERM does; a running run stops at its next batch
    with pytest.raises(IndexStopped, match="shutting down"):
        engine.index()
    assert engine.stats().articles == 0


async def _start_serve(
    tmp_path: Path, fake: FakeDiscord, log: Path, **settings: str
) -> asyncio.subprocess.Process:
    env = child_env(
        tmp_path,
        fake,
        NEWSBOT_DISCORD_TOKEN=fake.token,
        NEWSBOT_DISCORD_GUILD_ID=str(fake.guild_id),
        NEWSBOT_SOURCES=str(tmp_path / "src"),
        **settings,
    )
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            NEWSBOT, "serve", env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )


async def _stop(proc: asyncio.subprocess.Process, *, signalled: bool = False) -> int:
    """SIGTERM (unless sent already: a second one means "now") and the exit code."""
    if proc.returncode is None and not signalled:
        proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), 60)


def test_sigterm_finishes_answers_stops_reindex_and_the_next_start_serves_at_once(
    tmp_path: Path,
) -> None:
    shutil.copytree(SEEDS, tmp_path / "src")
    # The model takes 7 s: the question is in flight at SIGTERM and ends within the 8 s grace.
    llm = FakeLLMServer(script=lambda messages: cite_nine(messages, delay=7.0)).start()
    log = tmp_path / "serve.log"

    async def first_run() -> None:
        async with FakeDiscord() as fake:
            proc = await _start_serve(
                tmp_path,
                fake,
                log,
                NEWSBOT_LLM="openai-compatible",
                NEWSBOT_LLM_BASE_URL=llm.openai_url,
                NEWSBOT_LLM_MODEL="fake",
            )
            signalled = False
            try:
                indexed = "indexed the configured sources"
                await fake.wait_until(lambda: indexed in log.read_text() or None, 90)
                for i in range(8):  # a re-index long enough to be running at SIGTERM
                    (tmp_path / "src" / f"long{i}.md").write_text(big_article(f"Long {i}", 500, i))
                reindex = await fake.slash("reindex", {}, user=fake.admin)
                await reindex.wait_until(lambda: showing(reindex, "embedding"), 90)
                question = await fake.send_message(KILLED, mentions_bot=True)
                await fake.wait_until(lambda: llm.requests or None, 30)  # the model is thinking
                proc.send_signal(signal.SIGTERM)
                signalled = True
                stopped = await reindex.wait_until(lambda: showing(reindex, "stopped"), 30)
                assert "Re-index stopped: Indexing stopped because newsbot is shutting down" in (
                    stopped.content
                )
                late = await fake.send_message(KILLED, mentions_bot=True)
                assert (await fake.wait_for_reply(late, timeout=30)).content == SHUTTING_DOWN
                answer = await fake.wait_for_reply(question, timeout=30)
                assert GENERATED in answer.content  # the question in flight got its answer
            finally:
                code = await _stop(proc, signalled=signalled)
            assert code == 0, log.read_text()

    async def second_run() -> None:
        async with FakeDiscord() as fake:
            proc = await _start_serve(tmp_path, fake, log)
            try:
                await fake.wait_for_sync(timeout=90)
                msg = await fake.send_message(KILLED, mentions_bot=True)
                reply = await fake.wait_for_reply(msg, timeout=30)
                assert "nine" in reply.content and "[1]" in reply.content
            finally:
                code = await _stop(proc)
            assert code == 0, log.read_text()

    try:
        asyncio.run(first_run())
        first = log.read_text()
        # the re-index and the question: both ended on their own, nothing was cancelled
        assert re.search(
            r"stopped on SIGTERM: [2-9] request\(s\) in flight finished, 0 cancelled; index closed",
            first,
        ), first
        asyncio.run(second_run())
    finally:
        llm.stop()
    second = log.read_text()[len(first) :]
    assert "indexing the configured sources" not in second  # served at once, no re-index
    assert re.search(r"stopped on SIGTERM: \d request\(s\) in flight finished, 0 cancelled", second)
    assert "SIGTERM again" not in first + second
    assert "Traceback" not in first + second


def showing(interaction, text: str):  # noqa: ANN001, ANN201 - a FakeInteraction wait condition
    """The interaction's message once it contains `text`, else None."""
    message = interaction.original
    return message if message is not None and text in message.content else None
