"""A question asking why something happened prefers the sentence stating the cause (issue 26),
on passages made here (no store)."""

from __future__ import annotations

import numpy as np
import pytest

from index.answer.causes import asks_cause, weigh_causes
from index.answer.sentences import answer_sentences
from index.results import Passage


def _passage(doc: str, text: str) -> Passage:
    return Passage(doc_id=doc, title=doc, chunk_id=f"{doc}#0", text=text, start=0, end=len(text))


@pytest.mark.parametrize(
    ("question", "cause"),
    [
        ("why was the Eastfield tram delayed", True),
        ("What started the Juniper Creek fire?", True),
        ("what caused the derailment", True),
        ("what happened to the tram", False),
        ("when will the tram open", False),
    ],
)
def test_a_question_asking_why_is_read_as_one(question: str, cause: bool) -> None:
    assert asks_cause(question) is cause


def test_the_cause_in_the_best_sentence_s_article_comes_next_to_it() -> None:
    tram = _passage(
        "tram",
        "The Eastfield tram line will open a year later than planned, the council admitted. "
        "Councillors voted 9-4 to back the line in March. "
        'Council leader Patrick Odoy blamed "a steel market nobody predicted" for the delay.',
    )
    other = _passage("ferry", "Ferry sailings were cancelled because of high winds.")
    sentences = answer_sentences([tram, other])
    scores = np.array([0.65, 0.26, 0.05, 0.02])
    weighed = weigh_causes(sentences, scores)
    order = [sentences[i].text for i in np.argsort(-weighed)]
    assert order[1].startswith("Council leader Patrick Odoy blamed"), order
    # a cause in another article counts a little more, not as much as the best sentence
    assert weighed[3] == pytest.approx(0.03) and weighed[1] == scores[1]


FRONT = """---
title: Eastfield tram a year late and $53 million over budget
source: Harrowgate Courier
url: https://courier.example/eastfield-tram-late
published_at: 2025-10-14
---
"""
PARAGRAPHS = (
    "The Eastfield tram line will open a year later than planned and cost $53 million more, "
    "the council admitted on Monday.",
    "A revised business case published this week puts the price at $265 million, up from the "
    "$212 million councillors approved in March.",
    "The first trams are now expected to carry passengers in spring 2030.",
    'Council leader Patrick Odoy blamed "a steel market nobody predicted" and a redesign of '
    "the crossing at the old goods yard.",
    '"People in Eastfield have waited long enough for a proper connection," Mr Odoy said.',
)
ARTICLE = FRONT + "\n\n".join(PARAGRAPHS) + "\n"


def test_why_is_answered_by_the_sentence_stating_the_cause(ask_of_article) -> None:  # noqa: ANN001
    answer = ask_of_article(ARTICLE, "why was the Eastfield tram delayed")
    assert not answer.refused
    assert "steel market" in answer.answer, answer.answer
