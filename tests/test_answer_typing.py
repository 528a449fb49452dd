"""Answers that hold on news nobody tuned for (issue 26) and yes/no verdicts (issue 28), end to
end through the engine on short articles written here: the lead is of the kind asked or there
is none, a question whose fact no article states is refused by the slot it asks, the answer's
text carries no Markdown (the lead is `short_answer`), and a yes/no question gets a verdict only
from a sentence that decides it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.engine import Engine

TRIAL = Path(__file__).parent / "trial_articles"  # short articles like a new user's trial


@pytest.fixture(scope="module")
def news_engine(tmp_path_factory: pytest.TempPathFactory, embedder) -> Engine:  # noqa: ANN001
    from index.settings import load_settings

    data = tmp_path_factory.mktemp("typing-data")
    engine = Engine(load_settings(data_dir=data, sources=[TRIAL]), embedder)
    engine.index()
    engine.warm_up()
    yield engine
    engine.close()


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many runners were taken to hospital?", "count"),
        ("How many runners finished the Kessel half marathon?", "count"),
        ("When is the Blue Line extension expected to open?", "date"),
        ("How much will the Blue Line extension cost?", "money"),
        ("How many robots did Halvorsen Robotics sell in 2025?", "count"),
        ("How many jobs is Halvorsen Robotics cutting?", "count"),
        ("when do the kids go back to school?", "date"),
    ],
)
def test_a_lead_is_of_the_kind_asked_or_there_is_none(
    news_engine: Engine, question: str, kind: str
) -> None:
    answer = news_engine.ask(question)
    assert "**" not in answer.answer  # the lead travels as short_answer, not as Markdown
    lead = answer.short_answer
    if not lead:
        return
    checks = {
        "count": r"^(?:about\s+)?(?:\d[\d,]*|[A-Z]?[a-z]+(?:-[a-z]+)?)$",
        "date": r"\b(?:19|20)\d\d\b|January|February|March|April|May|June|July|August|"
        r"September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|"
        r"Saturday|Sunday",
        "money": r"[$£€]\s?\d",
    }
    assert re.search(checks[kind], lead), (question, lead)
    assert lead.split(" (")[0] in " ".join(q for c in answer.citations for q in c.quotes)


def test_number_words_and_totals_are_read_as_written(news_engine: Engine) -> None:
    hospital = news_engine.ask("How many runners were taken to hospital, says the Gazette?")
    assert not hospital.refused
    assert "Forty-one" in hospital.answer or "Forty-one" in hospital.short_answer
    assert hospital.short_answer in ("", "Forty-one", "Forty-one runners")
    cost = news_engine.ask("How much will the Blue Line extension cost?")
    assert cost.short_answer in ("", "$48 million")  # the total, not the federal share
    robots = news_engine.ask("How many robots did Halvorsen Robotics sell in 2025?")
    assert robots.short_answer in ("", "1,240")  # not the 2 of "February 2"


@pytest.mark.parametrize(
    "question",
    [
        "How much prize money did Daniel Kiprop win?",
        "How many drinks stations were on the Kessel course?",
        "How many passengers did the Alder Bay ferry carry in 2023?",
    ],
)
def test_a_near_miss_is_refused_by_the_slot_it_asks(news_engine: Engine, question: str) -> None:
    """On topic, but the articles never state the thing asked: no lead, and a refusal that says
    what is missing (or that nothing close enough says it)."""
    answer = news_engine.ask(question)
    assert answer.refused, answer.answer
    assert answer.refusal_reason in ("focus_not_found", "weak_best_sentence", "no_close_passage")


def test_a_yes_no_question_gets_a_verdict_from_the_sentence_that_decides_it(
    news_engine: Engine,
) -> None:
    no = news_engine.ask("Were fifty runners taken to hospital after the Kessel half marathon?")
    assert no.short_answer in ("No", "") and no.verdict is not None
    if no.short_answer:
        assert no.verdict.outcome == "no"
        assert any("Forty-one" in q or "Thirty-eight" in q for c in no.citations for q in c.quotes)
    yes = news_engine.ask("Did Daniel Kiprop win the men's race at the Kessel half marathon?")
    assert yes.verdict is not None and yes.short_answer in ("Yes", "")
    assert yes.short_answer != "No"


def test_two_reports_that_disagree_on_a_figure_are_not_consistent(news_engine: Engine) -> None:
    answer = news_engine.ask(
        "Do the Kessel Gazette and the Valley Courier give the same number of runners taken "
        "to hospital?"
    )
    assert answer.verdict is not None and answer.verdict.kind == "consistency"
    assert answer.short_answer in ("No", "")
    assert answer.short_answer != "Yes"


def test_two_reports_set_side_by_side_are_compared_though_no_passage_is_near_the_question(
    news_engine: Engine,
) -> None:
    """A question naming two publications shares few words with any one passage; the two
    reports' own sentences decide it (both name Daniel Kiprop; 41 against 38 in hospital)."""
    same = news_engine.ask(
        "Is the Valley Courier consistent with the Kessel Gazette on who won the race?"
    )
    assert not same.refused and same.short_answer == "Yes"
    assert {c.source for c in same.citations} >= {"Valley Courier", "Kessel Gazette"}
    differ = news_engine.ask("do the gazette and the courier agree on the number in hospital")
    assert not differ.refused and differ.short_answer == "No"


def test_the_seed_question_is_answered_yes_with_the_sentence_that_says_so(
    make_engine, tmp_path: Path
) -> None:
    engine = make_engine()
    engine.index()
    answer = engine.ask("Did Pakistan strike Iran after Iran struck Pakistan?")
    assert answer.short_answer == "Yes" and answer.verdict is not None
    assert answer.verdict.kind == "temporal" and answer.verdict.outcome == "yes"
    assert "in response to similar attacks carried out by Iran" in answer.answer
    reverse = engine.ask("Did Iran strike Pakistan after Pakistan struck Iran?")
    assert reverse.short_answer in ("No", "")


def test_two_reports_are_put_in_order_by_what_they_report(news_engine: Engine) -> None:
    """ "report", "story", "published", "come out" are about the reports: each side is found by
    what it reports (the race, the ferry), and the order is their publication dates'."""
    before = news_engine.ask(
        "Was the Valley Courier's race report published before the ferry story?"
    )
    assert before.short_answer == "Yes", before.answer
    assert before.verdict is not None and before.verdict.kind == "temporal"
    after = news_engine.ask("Did the Valley Courier's race report come out after the ferry story?")
    assert after.short_answer == "No", after.answer


def test_a_compared_figure_is_decided_by_the_figure_stated(news_engine: Engine) -> None:
    assert news_engine.ask("Did Halvorsen's shares rise more than 2 percent?").short_answer == "Yes"
    assert news_engine.ask("Did Halvorsen's shares rise more than 5 percent?").short_answer == "No"
    # 1,240 robots in 2025, down from 1,610 in 2024: neither contradicts "fewer than 1,500".
    fewer = news_engine.ask("Did Halvorsen Robotics sell fewer than 1,500 robots in 2025?")
    assert fewer.short_answer != "No", fewer.answer


def test_how_much_a_figure_changed_is_answered_by_a_share(news_engine: Engine) -> None:
    """ "How much did the shares rise" wants the 3 percent, which is not money."""
    answer = news_engine.ask("How much did Halvorsen's shares rise?")
    assert not answer.refused, answer.answer
    assert "3 percent" in answer.answer


def test_a_role_beside_a_name_answers_who_though_its_sentence_is_about_something_else(
    news_engine: Engine,
) -> None:
    """ "Chief executive Ingrid Halvorsen said the cuts were ...": the sentence is about the
    cuts, so it scores low as a whole, but it states who the CEO is."""
    answer = news_engine.ask("Who is the CEO of Halvorsen Robotics?")
    assert not answer.refused, answer.answer
    assert answer.answer.startswith("Chief executive Ingrid Halvorsen")
    # No role beside a name, no answer: the article names no chairman.
    chairman = news_engine.ask("Who is the chairman of Halvorsen Robotics?")
    assert chairman.refused, chairman.answer


_STORY = """---
title: {title}
source: Harbour Evening Post
url: https://hep.example/{slug}
published_at: {date}
---
{text}
"""


def test_two_stories_of_one_paper_are_compared_with_each_other(
    tmp_path: Path,
    embedder,  # noqa: ANN001
) -> None:
    """ "the Evening Post's February and December stories": the two sides are that paper's two
    articles, by month, not that paper against another."""
    from index.settings import load_settings

    stories = {
        "wing-plan": ("2025-02-18", "Hospital's new wing to open next spring",
                      "The new wing at Harbour General will have 46 beds and open in March 2026."),
        "wing-delay": ("2025-12-02", "Hospital wing delayed to summer",
                       "The new wing will still have 46 beds but will now open in June 2026."),
        "ferry": ("2025-12-03", "Ferry fares rise", "Ferry fares will rise by 4 percent in March."),
    }  # fmt: skip
    for slug, (day, title, text) in stories.items():
        (tmp_path / f"{slug}.md").write_text(
            _STORY.format(title=title, slug=slug, date=day, text=text), encoding="utf-8"
        )
    engine = Engine(load_settings(data_dir=tmp_path / "data", sources=[tmp_path]), embedder)
    engine.index()
    beds = engine.ask(
        "Do the Evening Post's February and December hospital stories give the same number of beds?"
    )
    assert beds.short_answer == "Yes", beds.answer
    opening = engine.ask(
        "Do the Evening Post's February and December stories agree on when the new wing opens?"
    )
    assert opening.short_answer == "No", opening.answer
    engine.close()


def test_a_question_whose_words_the_passages_lack_is_refused(news_engine: Engine) -> None:
    """Off topic, but sharing a word or two with an article ("this week", "central"): the
    question's own words are mostly absent from what the answer would quote."""
    answer = news_engine.ask("what did the central bank do with interest rates this week")
    assert answer.refused, answer.answer
    assert answer.refusal_reason == "no_close_passage"


def test_what_a_thing_costs_is_the_whole_not_a_share(news_engine: Engine) -> None:
    """ "the $48 million Blue Line extension" states what it costs; "$30 million of the cost"
    is what one payer gives, the answer when that is what is asked."""
    cost = news_engine.ask("How much will the extension cost?")
    assert cost.answer.startswith("The city council on Tuesday approved the $48 million"), (
        cost.answer
    )
    share = news_engine.ask("How much is the federal government paying for the extension?")
    assert share.answer.startswith("The federal government will pay $30 million"), share.answer


def test_a_short_question_far_from_any_passage_is_answered_by_the_count_it_asks(
    news_engine: Engine,
) -> None:
    """ "how many finished in kessel" is close to no passage as a whole; the sentence stating
    how many runners finished answers it first."""
    answer = news_engine.ask("how many finished in kessel")
    assert not answer.refused
    assert "2,406" in answer.answer.split("[1]")[0], answer.answer


def test_a_thing_no_article_mentions_is_not_answered_by_a_figure_of_the_kind_asked(
    news_engine: Engine,
) -> None:
    """The articles hold the Blue Line extension's cost, but none mentions a motorway bypass:
    a figure of the kind asked from another story is no answer."""
    answer = news_engine.ask("How much will the motorway bypass extension cost?")
    assert answer.refused and answer.refusal_reason == "no_close_passage", answer.answer
