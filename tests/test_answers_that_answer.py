"""Generated answers that must answer: a reply cut at the token limit loses its unfinished
sentence, and verified text that lost most of its sentences or lacks what the question asks for
is replaced by the extractive answer with a one-line note (real llama-index clients against the
fake OpenAI and Ollama servers)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from index.answer.generated_checks import cut_unfinished, finish_reason, off_question
from tests.fakes.llm_servers import FakeLLMServer, Reply
from tests.test_generation import (  # noqa: F401 - fixtures
    GOOD,
    QUESTION,
    assert_true_citations,
    fake,
    llm_engine,
    passage_with,
    server,
)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("The strike killed nine people [1].", "The strike killed nine people [1]."),
        ("Nine died [1]. The border is", "Nine died [1]."),
        ("Nine died [1]. The border is 560 miles [1", "Nine died [1]."),
        ('He said "no" [2].', 'He said "no" [2].'),
        ("Nine died [1][2]", "Nine died [1][2]"),  # ends at a citation: a finished claim
        ("The border between the two", ""),
        ("", ""),
    ],
)
def test_cut_unfinished_keeps_finished_sentences(text: str, kept: str) -> None:
    assert cut_unfinished(text) == kept


def test_finish_reason_of_each_wire_shape() -> None:
    assert finish_reason({"choices": [{"finish_reason": "length"}]}) == "length"
    assert finish_reason({"done_reason": "length", "done": True}) == "length"
    assert finish_reason(SimpleNamespace(choices=[SimpleNamespace(finish_reason="stop")])) == "stop"
    assert finish_reason(None) is None and finish_reason({}) is None


def test_off_question_rules() -> None:
    q = "When did Pakistan strike Iran?"
    assert off_question(q, ["Pakistan struck on Thursday [1]."], 1) is None
    assert "does not give when" in off_question(q, ["Pakistan struck Iran [1]."], 1)
    assert "only 1 of its 3" in off_question(q, ["Pakistan struck on Thursday [1]."], 3)
    assert off_question(q, ["a [1].", "b on Thursday [1]."], 4) is None  # half kept is enough


@pytest.mark.parametrize("stream", [False, True])
def test_reply_at_the_token_limit_is_cut_at_its_last_verified_sentence(
    llm_engine,  # noqa: F811
    fake: FakeLLMServer,  # noqa: F811
    stream: bool,
) -> None:
    def reply(messages: list[dict]) -> Reply:
        n = passage_with(messages, "death toll of nine")
        text = f"{GOOD} [{n}]. The shared border between the two nations spans 560 mi"
        return Reply(text, finish_reason="length")

    fake.script = reply
    engine = llm_engine()
    seen: list[str] = []
    answer = engine.ask(QUESTION, on_text=seen.append if stream else None)
    v = answer.verification
    assert v.hit_token_limit and v.sentences == 1 and v.kept == 1 and v.fallback is None
    assert answer.answer == f"{GOOD} [1]."
    assert_true_citations(engine, answer)


def test_a_finished_reply_is_not_marked_as_cut(llm_engine, fake: FakeLLMServer) -> None:  # noqa: F811
    fake.script = [Reply(f"{GOOD} [1].")]
    answer = llm_engine().ask(QUESTION)
    assert not answer.verification.hit_token_limit


def test_true_but_off_focus_reply_becomes_the_extractive_answer(
    llm_engine,  # noqa: F811
    fake: FakeLLMServer,  # noqa: F811
) -> None:
    def reply(messages: list[dict]) -> Reply:
        n = passage_with(messages, "precise military strikes")
        return Reply(f"Pakistan launched a series of precise military strikes in Iran [{n}].")

    fake.script = reply
    engine = llm_engine()
    answer = engine.ask("When did Pakistan launch military strikes in Iran?")
    assert answer.verification.kept == 1 and answer.verification.fallback == "off_question"
    assert "does not give when" in answer.note and "extractive answer" in answer.note
    assert not answer.refused and "Thursday" in answer.answer
    assert_true_citations(engine, answer)


def test_mostly_dropped_reply_with_the_answer_unanswerable_stays_refused(
    llm_engine,  # noqa: F811
    fake: FakeLLMServer,  # noqa: F811
) -> None:
    def reply(messages: list[dict]) -> Reply:
        n = passage_with(messages, "precise military strikes")
        return Reply(
            f"Pakistan launched a series of precise military strikes in Iran [{n}]. "
            "France won the 2018 FIFA World Cup. The final was played in Moscow."
        )

    fake.script = reply
    answer = llm_engine().ask("Who won the 2018 FIFA World Cup?")
    assert answer.refused and answer.verification.fallback == "off_question"
    assert "France" not in answer.answer and not answer.citations
