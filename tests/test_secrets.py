"""No secret is ever printed: every `SecretStr` setting is set to a marker, then every error path
of settings validation, every command and `serve` with a rejected token run, and stdout, stderr
and the log are searched for the markers."""

from __future__ import annotations

import asyncio
import subprocess
import typing
from pathlib import Path

import pytest
from pydantic import SecretStr

from index.errors import NewsbotError
from index.settings import Settings, load_settings
from tests.conftest import ROOT, free_port
from tests.fakes.discord_server import FakeDiscord
from tests.test_cli import run
from tests.test_discord_serve import NEWSBOT, child_env


def env_name(field: str) -> str:
    return f"NEWSBOT_{field.upper()}"


SECRET_FIELDS = sorted(
    name
    for name, field in Settings.model_fields.items()
    if field.annotation is SecretStr or SecretStr in typing.get_args(field.annotation)
)
MARKERS = {name: f"Zq9MARKER{name.upper()}" for name in SECRET_FIELDS}
SECRETS = {env_name(name): marker for name, marker in MARKERS.items()}
# Values that at least one field refuses (the rest are free text).
BAD_VALUES = ("maybe-not", "-7", "99999999999", "0", "", "1e309")


def assert_no_marker(*texts: str) -> None:
    for text in texts:
        for marker in MARKERS.values():
            assert marker not in text, f"a secret was printed: {text[:500]}"


def test_the_secret_settings_are_the_token_and_the_api_key() -> None:
    assert {"discord_token", "llm_api_key"} <= set(SECRET_FIELDS)


def cross_field_cases() -> dict[str, dict[str, str]]:
    """Every cross-field rule broken, each on its own (with the variables it must name)."""
    cases = {
        "openai-compatible, no url": {"NEWSBOT_LLM": "openai-compatible", "NEWSBOT_LLM_MODEL": "m"},
        "openai-compatible, no model": {
            "NEWSBOT_LLM": "openai-compatible",
            "NEWSBOT_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        },
    }
    for name in ("embedding_model", "embedding_tokenizer"):
        cases[f"missing {name} file"] = {env_name(name): "/no/such/model.onnx"}
    return cases


@pytest.mark.parametrize("case", sorted(cross_field_cases()))
def test_cross_field_errors_name_the_variables_and_echo_nothing(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**SECRETS, **cross_field_cases()[case]}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(NewsbotError) as caught:
        load_settings()
    message = str(caught.value)
    assert_no_marker(message)
    assert "NEWSBOT_*" not in message and "{" not in message  # no dict of inputs
    named = [k for k in cross_field_cases()[case] if k in message]
    assert named, message


def test_every_field_error_names_its_variable_and_echoes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    refused = set()
    for name in Settings.model_fields:
        if name in MARKERS:
            continue
        for bad in BAD_VALUES:
            monkeypatch.setenv(env_name(name), bad)
            try:
                load_settings()
            except NewsbotError as exc:
                assert_no_marker(str(exc))
                if env_name(name) in str(exc):
                    refused.add(name)
            monkeypatch.delenv(env_name(name))
    # the numbers, choices, patterns and ids: every field that can be invalid on its own
    assert len(refused) >= 25, sorted(set(Settings.model_fields) - refused)


def test_settings_errors_from_the_environment_and_dotenv(tmp_path: Path) -> None:
    env = {**SECRETS, "NEWSBOT_LLM": "openai-compatible"}
    result = run("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "NEWSBOT_LLM_BASE_URL" in result.stderr and "NEWSBOT_*" not in result.stderr
    assert_no_marker(result.stdout, result.stderr)
    # the same from a .env file, with serve, and with a missing embedding model
    lines = [f"{k}={v}" for k, v in SECRETS.items()]
    for extra in ("NEWSBOT_LLM=openai-compatible", "NEWSBOT_EMBEDDING_MODEL=/no/model.onnx"):
        (tmp_path / ".env").write_text("\n".join([*lines, extra]) + "\n")
        result = run("serve", cwd=tmp_path)
        assert result.returncode == 2 and "invalid setting" in result.stderr
        assert_no_marker(result.stdout, result.stderr)


def test_every_command_keeps_the_secrets(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    seed = ROOT / "seeds" / "pakistan-iran-strikes.md"
    (articles / seed.name).write_text(seed.read_text())
    env = {
        **SECRETS,
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_SOURCES": str(articles),
        "NEWSBOT_EMBEDDING_THREADS": "1",
        # a model server that is down: its errors are on the paths too
        "NEWSBOT_LLM": "openai-compatible",
        "NEWSBOT_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "NEWSBOT_LLM_MODEL": "fake",
    }
    commands = [
        ["-vv", "index", "--json"],
        ["-vv", "index"],
        ["-vv", "ask", "How many people did the Pakistani strike kill?", "--json"],
        ["-vv", "ask", "How many people did the Pakistani strike kill?"],
        ["-vv", "sources", "Iran strikes", "--json"],
        ["-vv", "stats", "--json"],
        ["-vv", "stats"],
        ["-vv", "doctor"],
        ["-vv", "forget", "no-such-article"],
        ["-vv", "forget", str(articles / seed.name)],
        ["-vv", "eval", "multihop", "--data", str(tmp_path / "nothing")],
        ["-vv", "serve"],  # the token is refused by a Discord that cannot be reached
        ["--help"],
    ]
    outputs = []
    for args in commands:
        result = run(*args, cwd=tmp_path, env={**env, "NEWSBOT_LOG_LEVEL": "DEBUG"})
        outputs.append((args, result.returncode, result.stdout + result.stderr))
    for _, _, output in outputs:
        assert_no_marker(output)  # at DEBUG, the most the log ever says
    codes = {args[1] if args[0] == "-vv" else args[0]: code for args, code, _ in outputs}
    assert codes["index"] == 0 and codes["ask"] == 0 and codes["stats"] == 0, outputs


def test_serve_with_a_rejected_token_keeps_the_secrets(tmp_path: Path) -> None:
    async def main() -> tuple[int, str]:
        async with FakeDiscord() as fake:
            env = child_env(
                tmp_path,
                fake,
                **SECRETS,
                NEWSBOT_DISCORD_GUILD_ID=str(fake.guild_id),
                NEWSBOT_LOG_LEVEL="DEBUG",
            )
            log = tmp_path / "serve.log"
            with log.open("wb") as out:
                proc = await asyncio.create_subprocess_exec(
                    NEWSBOT, "serve", env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
                )
            code = await asyncio.wait_for(proc.wait(), 120)
            return code, log.read_text()

    code, output = asyncio.run(main())
    assert code == 2 and "Discord rejected NEWSBOT_DISCORD_TOKEN" in output, output
    assert_no_marker(output)
