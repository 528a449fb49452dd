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


# ------------------------------------------------- issue 27: findings 11 and 17 (secrets)

# A secret goes into an HTTP header: httpcore refuses these characters and prints the whole
# value in its error ("Illegal header value b'...'"), and a non-ASCII one crashed `ask`.
BAD_SECRET_CHARACTERS = {
    "space": " ",
    "tab": "\t",
    "newline": "\n",
    "escape": "\x1b",
    "delete": "\x7f",
    "accent": "é",
    "zero-width space": "\u200b",
}


@pytest.mark.parametrize("bad", sorted(BAD_SECRET_CHARACTERS))
@pytest.mark.parametrize("field", SECRET_FIELDS)
def test_a_secret_that_cannot_go_into_a_header_is_a_settings_error(field: str, bad: str) -> None:
    value = f"Zq9MARKER{BAD_SECRET_CHARACTERS[bad]}tail"
    with pytest.raises(NewsbotError) as caught:
        load_settings(**{field: value})
    message = str(caught.value)
    assert message.startswith(f"invalid setting {env_name(field)}:"), message
    assert "Zq9MARKER" not in message and "tail" not in message and "\n" not in message


def test_a_secret_pasted_with_white_space_around_it_is_trimmed() -> None:
    settings = load_settings(llm_api_key="  sk-abc123\n", chroma_token="\ttok-1 ")
    assert settings.llm_api_key.get_secret_value() == "sk-abc123"
    assert settings.chroma_token.get_secret_value() == "tok-1"


@pytest.mark.parametrize("command", ["ask", "doctor"])
def test_a_non_ascii_api_key_is_one_line_not_a_traceback(tmp_path: Path, command: str) -> None:
    env = {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_LLM": "openai-compatible",
        "NEWSBOT_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "NEWSBOT_LLM_MODEL": "fake",
        "NEWSBOT_LLM_API_KEY": "clé-Zq9MARKER",
    }
    args = [command, "How many people did the Pakistani strike kill?"][
        : 2 if command == "ask" else 1
    ]
    result = run(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith(
        "newsbot: error: invalid setting NEWSBOT_LLM_API_KEY:"
    ), result.stderr
    assert "Traceback" not in result.stderr and "Zq9MARKER" not in result.stderr


@pytest.fixture
def echo_server():  # noqa: ANN201
    from tests.fakes.llm_servers import FakeLLMServer, Reply

    server = FakeLLMServer(echo_auth=True).start()
    server.script = [Reply("The deputy governor reported a death toll of nine [1].")]
    yield server
    server.stop()


def llm_env(tmp_path: Path, server) -> dict[str, str]:  # noqa: ANN001
    return {
        **SECRETS,
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_EMBEDDING_THREADS": "1",
        "NEWSBOT_LLM": "openai-compatible",
        "NEWSBOT_LLM_BASE_URL": server.openai_url,
        "NEWSBOT_LLM_MODEL": "fake",
        "NEWSBOT_LOG_LEVEL": "DEBUG",
    }


@pytest.mark.parametrize("stream", ["false", "true"])
def test_a_server_echoing_the_key_does_not_get_it_logged(
    tmp_path: Path,
    echo_server,
    stream: str,  # noqa: ANN001
) -> None:
    """httpcore and openai log response headers at DEBUG: the echoed key must not be in them."""
    env = {**llm_env(tmp_path, echo_server), "NEWSBOT_LLM_STREAM": stream}
    result = run(
        "-vv", "ask", "How many people did the Pakistani strike kill?", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert echo_server.requests, "the model was never asked"
    assert "x-echo-authorization" in result.stderr.lower()  # the header was logged ...
    assert_no_marker(result.stdout, result.stderr)  # ... without the key


def test_every_secret_is_redacted_in_every_form_by_the_log_filter() -> None:
    """Each secret as text, as the bytes of a header, inside an exception's traceback and in a
    message that cannot be formatted: none reaches the handler's output."""
    import io
    import logging

    from bot.logs import guard_handler

    settings = Settings(**MARKERS)
    out = io.StringIO()
    handler = guard_handler(logging.StreamHandler(out), settings)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tests.secrets")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        for marker in MARKERS.values():
            logger.debug("key %s", marker)
            logger.debug("headers %r", [(b"authorization", f"Bearer {marker}".encode())])
            logger.debug("headers %r", {"x-chroma-token": marker})
            try:
                raise ValueError(f"Illegal header value {marker.encode()!r}")
            except ValueError:
                logger.exception("send_request_headers.failed")
            logger.debug("broken %s %s", marker)  # too few arguments
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert text.count("send_request_headers.failed") == len(MARKERS)
    assert_no_marker(text)


def test_the_warm_helper_log_is_private_and_keeps_the_secrets(
    tmp_path: Path,
    echo_server,  # noqa: ANN001
) -> None:
    import os
    import shutil
    import signal
    import tempfile

    from tests.test_warm_helper import Place, helper_pids

    runtime = tempfile.mkdtemp(prefix="nbw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(XDG_RUNTIME_DIR=runtime, **llm_env(tmp_path, echo_server))
    place = Place(tmp_path, runtime, env)
    try:
        assert place.run("index").returncode == 0
        place.start()
        result = place.run("ask", "How many people did the Pakistani strike kill?")
        assert result.returncode == 0, result.stderr
        assert echo_server.requests
        log = tmp_path / "data" / "warm.log"
        assert log.stat().st_mode & 0o077 == 0, oct(log.stat().st_mode)
        text = log.read_text()
        assert "x-echo-authorization" in text.lower()
        assert_no_marker(text, result.stdout, result.stderr)
    finally:
        place.run("warm", "stop")
        for pid in helper_pids(runtime):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(runtime, ignore_errors=True)
