"""LLM mode around the answer: verification rules on their own, prompts, settings, backend
construction and health checks, `newsbot doctor`, `ask --json`, and Discord follow-ups."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from index.answer.llm_backends import LLMUnavailable, build_llm, check_llm
from index.answer.prompts import Prompts, load_prompt, strip_header
from index.answer.verification import split_sentences, verify
from index.errors import NewsbotError
from index.results import Answer, Passage
from index.settings import DEFAULT_PROMPTS, load_settings
from tests.conftest import free_port
from tests.fakes.llm_servers import FakeLLMServer, Reply
from tests.test_generation import GOOD, QUESTION, passage_with, scripted

PASSAGE = Passage(
    chunk_id="c1",
    doc_id="d1",
    title="Pakistan strikes targets in Iran",
    published_at="2024-01-18",
    text="The deputy governor reported a death toll of nine from the Pakistani missile strike. "
    "Iranian state TV said four children were among those killed.",
    start=0,
    end=140,
)


@pytest.fixture(scope="module")
def server():  # noqa: ANN201
    srv = FakeLLMServer().start()
    yield srv
    srv.stop()


# --- verification -----------------------------------------------------------------------------


def check(text: str):  # noqa: ANN201
    return verify(
        text, [PASSAGE], refusal="The articles do not contain the answer.", min_support=0.5
    )


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    assert split_sentences("Nine died. [1] Four were children.[1]") == [
        "Nine died. [1]",
        "Four were children. [1]",
    ]
    kept, v = check("A death toll of nine was reported. [1] Four children were killed, [1, 3].")
    assert [k.refs for k in kept] == [[1], [1]] and v.out_of_range_removed == 1


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("The strike killed nine people.", "uncited_dropped"),
        ("The strike killed 12 people [1].", "unsupported_dropped"),
        ("Parliament approved a new budget for railways [1].", "unsupported_dropped"),
        ('The governor said "nine soldiers died in the attack" [1].', "quotes_rejected"),
    ],
)
def test_each_rule_drops_its_sentence(text: str, field: str) -> None:
    kept, v = check(f"{text} A death toll of nine was reported [1].")
    assert len(kept) == 1 and getattr(v, field) == 1 and v.dropped == 1


def test_refusal_phrase_and_empty_text() -> None:
    assert check("The articles do not contain the answer.")[1].model_refused
    kept, v = check("")
    assert not kept and v.replaced_by_refusal and v.sentences == 0


# --- prompts ----------------------------------------------------------------------------------


def test_every_prompt_has_a_header_comment_that_is_stripped() -> None:
    for name in ("system", "cited_answer", "refusal", "condense"):
        raw = (DEFAULT_PROMPTS / f"{name}.txt").read_text()
        assert raw.startswith("# ")
        assert not load_prompt(name, DEFAULT_PROMPTS).startswith("#")
    assert strip_header("# what\n# more\nbody {x}\n") == "body {x}\n"


def test_prompts_dir_overrides_by_name_and_falls_back(tmp_path: Path) -> None:
    (tmp_path / "refusal.txt").write_text("# mine\nNo idea.\n")
    prompts = Prompts(tmp_path)
    assert prompts.get("refusal") == "No idea.\n"
    assert "{passages}" in prompts.get("cited_answer")
    with pytest.raises(NewsbotError, match="not found"):
        prompts.get("nope")


# --- settings and backends --------------------------------------------------------------------


def test_openai_compatible_needs_a_base_url_and_a_model() -> None:
    with pytest.raises(NewsbotError, match="NEWSBOT_LLM"):
        load_settings(llm="openai-compatible", llm_model="m")
    with pytest.raises(NewsbotError, match="NEWSBOT_LLM"):
        load_settings(llm="chatgpt")


def test_backends_are_built_from_settings() -> None:
    llm = build_llm(
        load_settings(
            llm="openai",
            llm_api_key="sk-secret",
            llm_timeout=7,
            llm_max_tokens=99,
            llm_temperature=0.3,
        )
    )
    assert (llm.model, llm.timeout, llm.max_tokens, llm.temperature) == ("gpt-4o-mini", 7, 99, 0.3)
    assert "sk-secret" not in repr(load_settings(llm="openai", llm_api_key="sk-secret"))
    ollama = build_llm(load_settings(llm="ollama"))
    assert ollama.base_url == "http://localhost:11434" and ollama.model == "llama3.1"
    with pytest.raises(LLMUnavailable, match="NEWSBOT_LLM_API_KEY"):
        build_llm(load_settings(llm="openai"))


def test_missing_extra_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_index.llms.ollama", None)
    with pytest.raises(LLMUnavailable) as info:
        build_llm(load_settings(llm="ollama"))
    assert "pip install -e '.[ollama]'" in str(info.value) and "\n" not in str(info.value)


def test_health_check(server: FakeLLMServer) -> None:
    ok = load_settings(llm="openai-compatible", llm_base_url=server.openai_url, llm_model="fake")
    assert "reachable" in check_llm(ok)
    assert "reachable" in check_llm(
        load_settings(llm="ollama", llm_base_url=server.url, llm_model="fake")
    )
    wrong = ok.model_copy(update={"llm_model": "other"})
    with pytest.raises(LLMUnavailable, match="no model 'other'"):
        check_llm(wrong)
    down = ok.model_copy(update={"llm_base_url": f"http://127.0.0.1:{free_port()}/v1"})
    with pytest.raises(LLMUnavailable, match="unreachable"):
        check_llm(down)


# --- the CLI ----------------------------------------------------------------------------------


def llm_env(tmp_path: Path, url: str) -> dict[str, str]:
    return {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_LLM": "openai-compatible",
        "NEWSBOT_LLM_BASE_URL": url,
        "NEWSBOT_LLM_MODEL": "fake",
        "NEWSBOT_LLM_API_KEY": "sk-never-shown",
    }


def test_doctor_and_ask_json(server: FakeLLMServer, tmp_path: Path) -> None:
    runner = CliRunner()
    env = llm_env(tmp_path, server.openai_url)
    result = runner.invoke(cli, ["doctor"], env=env)
    assert result.exit_code == 0, result.output
    assert "llm: openai-compatible at" in result.output and "reachable" in result.output

    server.script = scripted(lambda n: f"{GOOD} [{n('death toll of nine')}][7].")
    result = runner.invoke(cli, ["ask", QUESTION, "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verification"]["out_of_range_removed"] == 1
    assert data["verification"]["kept"] == 1 and data["answer"] == f"{GOOD} [1]."
    assert "sk-never-shown" not in result.output

    down = {**env, "NEWSBOT_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1"}
    result = runner.invoke(cli, ["doctor"], env=down)
    assert (
        result.exit_code == 1 and "llm: error:" in result.output and "unreachable" in result.output
    )
    result = runner.invoke(cli, ["ask", QUESTION], env=down)
    assert result.exit_code == 0
    assert result.stderr.count("\n") == 1 and "warning" in result.stderr
    assert "language model did not answer" in result.stdout and "nine" in result.stdout


def test_cli_json_without_llm_has_null_verification() -> None:
    answer = Answer(question="q", answer="a", refused=False)
    assert json.loads(answer.model_dump_json())["verification"] is None


# --- Discord: a follow-up in a reply chain is condensed with the previous turns ---------------


def test_discord_reply_chain_follow_up_is_condensed(make_engine, server: FakeLLMServer) -> None:  # noqa: ANN001
    from tests.discord_harness import run_scenario

    def reply(messages: list[dict]) -> Reply:
        if "Follow-up question:" in messages[-1]["content"]:
            return Reply("What did Iran's Foreign Ministry say about the Pakistani strikes?")
        if "Foreign Ministry say" in messages[-1]["content"]:
            n = passage_with(messages, "Kanaani")
            return Reply(
                f"Iran's Foreign Ministry spokesman condemned the Pakistani strikes [{n}]."
            )
        return Reply(f"{GOOD} [{passage_with(messages, 'death toll of nine')}].")

    server.requests.clear()
    server.script = reply
    engine = make_engine(llm="openai-compatible", llm_base_url=server.openai_url, llm_model="fake")
    engine.index()

    async def scenario(fake, bot) -> None:  # noqa: ANN001
        msg = await fake.send_message(QUESTION, mentions_bot=True)
        first = await fake.wait_for_reply(msg, timeout=15)
        assert "death toll of nine" in first.content
        follow = await fake.send_message("and what did Iran say?", reply_to=first)
        second = await fake.wait_for_reply(follow, timeout=15)
        assert "condemned" in second.content and "[1]" in second.content
        await asyncio.sleep(0)

    run_scenario(engine, scenario)
    condense = [r for r in server.requests if "Follow-up question:" in r["messages"][-1]["content"]]
    assert len(condense) == 1
    prompt = condense[0]["messages"][-1]["content"]
    assert QUESTION in prompt and "death toll of nine" in prompt


def test_discord_streaming_edits_then_posts_the_verified_answer(
    make_engine,  # noqa: ANN001
    server: FakeLLMServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.discord import streaming
    from tests.discord_harness import run_scenario

    monkeypatch.setattr(streaming, "EDIT_INTERVAL", 0.3)

    def reply(messages: list[dict]) -> Reply:
        n = passage_with(messages, "death toll of nine")
        text = f"{GOOD} [{n}][7]. Pakistan apologised to Iran for the strikes."
        return Reply(text, chunk=8, chunk_delay=0.05)

    server.script = reply
    engine = make_engine(
        llm="openai-compatible", llm_base_url=server.openai_url, llm_model="fake", llm_stream=True
    )
    engine.index()

    async def scenario(fake, bot) -> None:  # noqa: ANN001
        msg = await fake.send_message(QUESTION, mentions_bot=True)
        first = await fake.wait_for_reply(msg, timeout=15)
        for _ in range(100):
            if first.edits and first.edits[-1].get("components"):
                break
            await asyncio.sleep(0.1)
        streamed, final = first.edits[:-1], first.edits[-1]
        assert streamed and all(e["content"].endswith("▌") for e in streamed)
        assert final["content"] == f"{GOOD} [1]." and final["embeds"]
        assert len(streamed) <= 1 + 6.5 / 0.3  # throttled: ~6 s of text at most
        assert len(fake.bot_messages()) == 1

    run_scenario(engine, scenario)


def test_doctor_names_a_missing_extra_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_index.llms.openai_like", None)
    env = llm_env(tmp_path, "http://127.0.0.1:9/v1")
    result = CliRunner().invoke(cli, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "store: " in result.output and "store: error" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("llm: error:")]
    assert len(errors) == 1 and "pip install -e '.[openai]'" in errors[0]
    result = CliRunner().invoke(cli, ["ask", QUESTION], env=env)
    assert result.exit_code == 1 and "pip install -e '.[openai]'" in result.stderr
    assert "Traceback" not in result.output
