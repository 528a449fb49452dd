"""`NEWSBOT_LLM=llama-cpp` set up wrong: each mistake is one plain sentence from the settings,
`newsbot doctor` and `newsbot ask`, whether or not the `local` extra is installed (the real
model itself runs in tests/test_real_llm.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from index.answer.llm_backends import LLMUnavailable, build_llm
from index.errors import NewsbotError
from index.settings import load_settings


def env_for(tmp_path: Path, model: Path) -> dict[str, str]:
    return {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_LLM": "llama-cpp",
        "NEWSBOT_LLM_MODEL_PATH": str(model),
    }


def test_settings_name_the_missing_or_wrong_model_path(tmp_path: Path) -> None:
    with pytest.raises(NewsbotError, match="needs NEWSBOT_LLM_MODEL_PATH"):
        load_settings(llm="llama-cpp")
    with pytest.raises(NewsbotError, match="NEWSBOT_LLM_MODEL_PATH names no file"):
        load_settings(llm="llama-cpp", llm_model_path=tmp_path / "absent.gguf")
    with pytest.raises(NewsbotError, match="NEWSBOT_LLM_CONTEXT"):
        load_settings(llm_context=10)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    s = load_settings(llm="llama-cpp", llm_model_path=str(model), llm_threads=3)
    assert s.llm_model_path == model and s.llm_threads == 3 and s.llm_context == 4096


def test_a_file_that_is_no_model_is_one_line_in_doctor_and_ask(tmp_path: Path) -> None:
    model = tmp_path / "notes.gguf"
    model.write_text("these are notes, not a model\n")
    env = env_for(tmp_path, model)
    with pytest.raises(LLMUnavailable) as caught:
        build_llm(load_settings(llm="llama-cpp", llm_model_path=model))
    said = str(caught.value)
    assert "cannot load" in said or "'.[local]'" in said
    result = CliRunner().invoke(cli, ["doctor"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("llm: error:")]
    assert errors == [f"llm: error: {said}"]
    result = CliRunner().invoke(cli, ["ask", "How many people did the strike kill?"], env=env)
    assert result.exit_code == 1 and said in result.stderr


def test_doctor_names_the_local_extra_when_it_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_index.llms.llama_cpp", None)
    monkeypatch.setitem(sys.modules, "index.answer.local_llm", None)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    result = CliRunner().invoke(cli, ["doctor"], env=env_for(tmp_path, model))
    assert result.exit_code == 1
    assert "llm: error: NEWSBOT_LLM=llama-cpp needs the 'local' extra" in result.output
    assert "pip install -e '.[local]'" in result.output
