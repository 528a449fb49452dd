"""How soon a running `newsbot serve` answers from what `newsbot index` wrote in another process.

    python benchmarks/shared_store.py [--trials 5] [--mode embedded|server|both] [--json]

Starts `newsbot serve` (a real process) against the fake Discord on a fresh store (it indexes
seeds/), then, per trial, writes a new article with a fact of its own, runs `newsbot index
--no-prune` on it in a separate process and asks the bot about that fact by mention every 0.5 s
until the answer cites it. Records the seconds from `newsbot index` exiting to that answer, and
whether any answer before the write already had it (it must not). In server mode a `chroma run`
server is started for the run. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402
from tests.test_discord_serve import NEWSBOT, child_env  # noqa: E402

ARTICLE = """---
title: Rover {n} passes its slope trials
source: Bench Wire
published_at: 2026-11-0{day}
---
The rover called Tester{n} climbed a slope of {degrees} degrees during trials on Tuesday, its
engineers said. Tester{n} carries a drill and six wheels.
"""
QUESTION = "How steep a slope did the rover Tester{n} climb?"
TIMEOUT = 60.0


async def ask(fake: FakeDiscord, question: str) -> str:
    msg = await fake.send_message(question, mentions_bot=True)
    return (await fake.wait_for_reply(msg, timeout=60)).content


async def run_mode(work: Path, trials: int, store: dict[str, str]) -> list[dict[str, object]]:
    async with FakeDiscord() as fake:
        env = child_env(
            work,
            fake,
            NEWSBOT_DISCORD_TOKEN=fake.token,
            NEWSBOT_DISCORD_GUILD_ID=str(fake.guild_id),
            **store,
        )
        log = work / "serve.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                NEWSBOT, "serve", env=env, cwd=work, stdout=out, stderr=subprocess.STDOUT
            )
        cli_env = {k: v for k, v in env.items() if not k.startswith("FAKE_")}
        results = []
        try:
            await fake.wait_until(
                lambda: "indexed the configured sources" in log.read_text() or None, 180
            )
            for n in range(1, trials + 1):
                degrees = 20 + n
                question = QUESTION.format(n=n)
                early = f"{degrees} degrees" in await ask(fake, question)
                path = work / "new" / f"tester{n}.md"
                path.parent.mkdir(exist_ok=True)
                path.write_text(ARTICLE.format(n=n, day=n % 9 + 1, degrees=degrees))
                indexed = await asyncio.to_thread(
                    subprocess.run,
                    [NEWSBOT, "index", "--no-prune", str(path)],
                    env=cli_env,
                    cwd=work,
                    capture_output=True,
                    text=True,
                )
                done = time.monotonic()
                seen = None
                while time.monotonic() - done < TIMEOUT:
                    if f"{degrees} degrees" in await ask(fake, question):
                        seen = round(time.monotonic() - done, 2)
                        break
                    await asyncio.sleep(0.5)
                results.append(
                    {"trial": n, "index_exit": indexed.returncode, "early": early, "seen": seen}
                )
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
    return results


def chroma_server(path: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    return proc, {"NEWSBOT_CHROMA_HOST": "127.0.0.1", "NEWSBOT_CHROMA_PORT": str(port)}


def measure(mode: str, trials: int) -> list[dict[str, object]]:
    work = Path(tempfile.mkdtemp(prefix=f"newsbot-shared-{mode}-"))
    # No rate limit: the bot is asked every 0.5 s by the same member.
    store = {"NEWSBOT_EMBEDDING_THREADS": "1", "NEWSBOT_RATE_LIMIT_PER_MINUTE": "0"}
    server = None
    try:
        if mode == "server":
            server, address = chroma_server(work / "chroma-server")
            store |= address
        return asyncio.run(run_mode(work, trials, store))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--mode", choices=["embedded", "server", "both"], default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.pop("NEWSBOT_DATA_DIR", None)
    modes = ["embedded", "server"] if args.mode == "both" else [args.mode]
    figures = {mode: measure(mode, args.trials) for mode in modes}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        "| mode | trials | answered from the new article | answered it before the write | "
        "seconds after `newsbot index` exited: median | max |"
    )
    print("|---|---|---|---|---|---|")
    for mode, rows in figures.items():
        seen = [r["seen"] for r in rows if r["seen"] is not None]
        early = sum(bool(r["early"]) for r in rows)
        median = f"{statistics.median(seen):.1f}" if seen else "-"
        worst = f"{max(seen):.1f}" if seen else "-"
        print(f"| {mode} | {len(rows)} | {len(seen)} | {early} | {median} | {worst} |")
    print("seconds per trial:", {mode: [r["seen"] for r in rows] for mode, rows in figures.items()})


if __name__ == "__main__":
    main()
