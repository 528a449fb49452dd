"""`newsbot serve` as a separate process: the real entry point against the fake Discord server.

The child is pointed at the fake by a `sitecustomize` module on its PYTHONPATH that sets
`discord.http.Route.BASE` and `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`: no product
code exists only for tests.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakes.discord_server import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
NEWSBOT = str(Path(sys.executable).parent / "newsbot")

SITECUSTOMIZE = """\
import os

if os.environ.get("FAKE_DISCORD_API"):
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["FAKE_DISCORD_GATEWAY"])
"""


def child_env(tmp_path: Path, fake: FakeDiscord | None, **settings: str) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    env["NEWSBOT_DATA_DIR"] = str(tmp_path / "data")
    env["NEWSBOT_SOURCES"] = str(ROOT / "seeds")
    env["NEWSBOT_EMBEDDING_THREADS"] = "1"
    if fake is not None:
        env["FAKE_DISCORD_API"] = fake.base_url
        env["FAKE_DISCORD_GATEWAY"] = fake.gateway_url
    env.update(settings)
    return env


def test_missing_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [NEWSBOT, "serve"],
        env=child_env(tmp_path, None),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "NEWSBOT_DISCORD_TOKEN is not set" in result.stderr


async def _serve(
    tmp_path: Path, fake: FakeDiscord, token: str, log: Path
) -> asyncio.subprocess.Process:
    env = child_env(
        tmp_path, fake, NEWSBOT_DISCORD_TOKEN=token, NEWSBOT_DISCORD_GUILD_ID=str(fake.guild_id)
    )
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            NEWSBOT, "serve", env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )


def test_rejected_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async def main() -> tuple[int, str]:
        async with FakeDiscord() as fake:
            log = tmp_path / "serve.log"
            proc = await _serve(tmp_path, fake, "not-the-token", log)
            code = await asyncio.wait_for(proc.wait(), 60)
            return code, log.read_text()

    code, output = asyncio.run(main())
    assert code == 2, output
    assert "Discord rejected NEWSBOT_DISCORD_TOKEN" in output
    assert "Traceback" not in output and "not-the-token" not in output
    assert output.count("newsbot: error:") == 1


def test_newsbot_serve_answers_through_the_fake(tmp_path: Path) -> None:
    async def main() -> tuple[int, str, str]:
        async with FakeDiscord(bot_public=False) as fake:  # set up as the README says
            log = tmp_path / "serve.log"
            proc = await _serve(tmp_path, fake, fake.token, log)
            try:
                commands = await fake.wait_for_sync(timeout=60)
                assert {c["name"] for c in commands} >= {"ask", "sources", "reindex", "ingest"}
                # the store was empty: the bot indexes the configured sources (seeds/) itself
                await fake.wait_until(
                    lambda: "indexed the configured sources" in log.read_text() or None, 60
                )
                msg = await fake.send_message(
                    "How many people did the Pakistani strike kill?", mentions_bot=True
                )
                reply = await fake.wait_for_reply(msg, timeout=30)
                assert "nine" in reply.content and "[1]" in reply.content
                await fake.wait_until(lambda: "serving 1 guild(s)" in log.read_text() or None, 10)
            finally:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(proc.wait(), 30)
            return code, log.read_text(), fake.token

    code, output, token = asyncio.run(main())
    assert code == 0, output
    assert "WARNING" not in output, output
    assert "serving 1 guild(s): Fake Guild" in output
    assert "synced 7 slash commands to guild" in output
    assert token not in output and "Traceback" not in output
    assert "How many people" not in output  # message contents are not logged
