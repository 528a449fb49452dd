"""The answer layer: what the reader gets from the retrieved passages (stored vectors only,
sentences that answer, a lead line, refusals with a reason, clean citations)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.display import shorten
from index.answer.sentences import is_heading, is_residue, split_passages
from index.results import Passage
from index.text import cite

ARTICLES = Path(__file__).parent / "articles"


@pytest.mark.parametrize(
    ("sentence", "cited"),
    [
        ("Nine people died.", "Nine people died [1]."),
        ("The talks were held in the U.S.", "The talks were held in the U.S. [1]"),
        ("Some rivals (i.e.", "Some rivals (i.e. [1]"),
        ("They struck Iran.", "They struck Iran [1]."),
        ("He said “we know.”", "He said “we know.” [1]"),
        ("It was “wildly optimistic.”", "It was “wildly optimistic.” [1]"),
        ("(The figure was revised.)", "(The figure was revised.) [1]"),
        ("They met (on Monday).", "They met (on Monday) [1]."),
        ("No closing mark", "No closing mark [1]."),
    ],
)
def test_citation_marks_never_split_an_abbreviation(sentence: str, cited: str) -> None:
    assert cite(sentence, [1]) == cited


@pytest.mark.parametrize(
    "text",
    [
        "pic.twitter.com/AbC123 — Alder Bay Courier (@alderbaycourier) February 26, 2024",
        "— Jane Doe (@janedoe) October 12, 2023",
        "ALDER BAY, Feb. 26 — ",
        "HALDEN, Feb 18 (MPS) — Jury out.",
    ],
)
def test_embed_residue_and_datelines_are_recognised(text: str) -> None:
    assert is_residue(text)


def test_a_lede_after_its_dateline_is_quoted_without_it() -> None:
    """A wire story's first sentence holds its main facts: it is quotable, its dateline cut
    off the quote (the quote still a slice of the body)."""
    body = "ALDER BAY, Feb. 26 — The town council approved the repainting on Monday. More text."
    passage = Passage(doc_id="d", title="t", chunk_id="d#0", text=body, start=0, end=len(body))
    first = split_passages([passage])[0]
    assert first.text == "The town council approved the repainting on Monday."
    assert body[first.start : first.end] == first.text
    assert first.key == ("d", 0, first.end)  # the stored vector's key: the sentence as split


def test_ordinary_sentences_are_not_residue_or_headings() -> None:
    text = "The council said the work will start in September and take about six weeks."
    assert not is_residue(text) and not is_heading(text)
    assert is_heading("# Harbour lighthouse to be repainted this autumn")
    assert is_heading("Harbour lighthouse to be repainted this autumn")


def test_closest_matches_end_at_a_sentence_or_word() -> None:
    text = "Sam Altman returned as chief executive. " * 3 + "Sam Altman spoke to staff."
    cut = shorten(text, 60)
    assert cut == "Sam Altman returned as chief executive."
    words = shorten("Sam Altman " * 40, 50)
    assert words.endswith("…") and words[:-1].split()[-1] in ("Sam", "Altman")


@pytest.fixture
def courier_engine(make_engine, tmp_path: Path):
    folder = tmp_path / "courier"
    shutil.copytree(ARTICLES, folder)
    engine = make_engine(sources=[folder])
    engine.index()
    engine.warm_up()
    return engine


def test_a_covered_question_is_answered_from_its_sentence(courier_engine) -> None:
    answer = courier_engine.ask("When will the lighthouse work start?")
    assert not answer.refused, answer.answer
    assert "the work will start in September" in answer.answer
    assert answer.refusal_reason is None


def test_headings_datelines_and_embeds_are_never_answer_sentences(courier_engine) -> None:
    for question in (
        "What will happen to the harbour lighthouse?",
        "Who gave the largest gift for the lighthouse?",
        "What did the Alder Bay Courier post about the lighthouse?",
    ):
        answer = courier_engine.ask(question)
        text = answer.answer
        assert "pic.twitter.com" not in text and "@alderbaycourier" not in text
        assert "ALDER BAY, Feb. 26" not in text and "# Harbour" not in text


def test_one_article_gets_one_number_and_one_source_line(courier_engine) -> None:
    answer = courier_engine.ask("What did the council decide about the lighthouse and its work?")
    assert not answer.refused
    docs = [c.doc_id for c in answer.citations]
    assert len(docs) == len(set(docs))
    assert sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}) == [
        c.n for c in answer.citations
    ]
    for c in answer.citations:
        body = courier_engine.article_body(c.doc_id)
        assert body is not None and c.excerpts
        for e in c.excerpts:
            assert body[e.start : e.end] == e.text


def test_a_name_several_articles_mention_leads_the_answer(courier_engine) -> None:
    answer = courier_engine.ask("Which councillor spoke about both the lighthouse and the storm?")
    assert not answer.refused
    assert answer.short_answer == "Mara Feld"
    assert "**" not in answer.answer  # the lead travels as short_answer; front ends show it
    assert any("Mara Feld" in q for c in answer.citations for q in c.quotes)


def test_a_yes_no_question_gets_a_verdict_not_a_name(courier_engine) -> None:
    answer = courier_engine.ask("Did the ferry service resume after the storm?")
    assert not answer.refused and answer.short_answer in ("Yes", "")
    assert answer.verdict is not None and "**" not in answer.answer
    if answer.short_answer:
        assert "resumed" in answer.answer


def test_refusals_say_why(courier_engine) -> None:
    off = courier_engine.ask("Who won the 2018 FIFA World Cup?")
    assert off.refused and off.refusal_reason in ("no_close_passage", "weak_best_sentence")
    named = courier_engine.ask(
        "According to a Reuters report, when will the lighthouse work start?"
    )
    assert named.refused and named.refusal_reason == "publication_not_indexed"
    assert "Reuters" in named.answer


def test_answering_embeds_nothing_but_the_question(make_engine, embedder) -> None:
    """Every sentence vector comes from the store: the model runs for the question and its
    clauses only (one text each), however many sentences the passages hold."""
    engine = make_engine()
    engine.index()
    engine.warm_up()
    embedder.reset()
    question = "How many people did the Pakistani strike kill, and who condemned it?"
    answer = engine.ask(question)
    assert not answer.refused
    from index.retrieval.query_analysis import query_texts

    assert embedder.embedded == len(query_texts(question))


def test_json_says_why_a_question_was_refused(tmp_path: Path) -> None:
    from tests.test_cli import run

    result = run("ask", "Who won the 2018 FIFA World Cup?", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    assert data["refused"] and data["refusal_reason"] in ("no_close_passage", "weak_best_sentence")
    text = run("ask", "Who won the 2018 FIFA World Cup?", cwd=tmp_path).stdout
    assert "won't guess" in text and not re.search(r"\w…”$", text.strip())


def test_quotes_are_shown_as_the_article_has_them() -> None:
    from bot.cli.render_text import render_answer
    from index.results import Answer, Citation

    quote = "“We do know the cause,” the chief said."
    citation = Citation(n=1, doc_id="d", title="T", quote=quote, start=0, end=len(quote))
    text = render_answer(
        Answer(question="q", answer=f"{quote[:-1]} [1].", refused=False, citations=[citation])
    )
    assert "““" not in text and "””" not in text
    assert "“We do know the cause,” the chief said." in text


def test_a_near_miss_is_refused_with_what_the_articles_do_not_say(courier_engine) -> None:
    """The question uses the articles' words but asks what they never state."""
    salary = courier_engine.ask("What is the salary of Councillor Mara Feld?")
    assert salary.refused and salary.refusal_reason == "focus_not_found"
    assert "don't say the salary" in salary.answer and salary.closest
    people = courier_engine.ask("How many people live in Alder Bay?")
    assert people.refused  # "a three-day halt" is a duration, not how many people


def test_a_number_question_quotes_the_number_first(courier_engine) -> None:
    """The sentence stating the amount asked is quoted first; a lead, when the evidence is
    sure enough for one, is that amount."""
    answer = courier_engine.ask("How much did the fishing cooperative give?")
    assert not answer.refused and answer.short_answer in ("", "12,000 euros")
    assert answer.citations[0].quotes[0].startswith("Residents have raised money") or (
        "12,000 euros" in answer.citations[0].quotes[0]
    )
    assert "12,000 euros" in answer.answer.split("[1]")[0] + answer.citations[0].quote
