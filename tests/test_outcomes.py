"""A question asking what became of someone or something prefers the sentence stating the
outcome (issue 26): the sentences naming the person are mostly the background."""

from __future__ import annotations

import numpy as np
import pytest

from index.answer.outcomes import asks_outcome, weigh_outcomes
from index.answer.sentences import answer_sentences
from index.results import Passage


@pytest.mark.parametrize(
    ("question", "outcome"),
    [
        ("what happened to Lowden's job at the council", True),
        ("What did the appeal court decide in the Fairlie case?", True),
        ("how did the Mariners v Kestrels game end", True),
        ("whats happening to the 14 bus", True),
        ("what was the verdict", True),
        ("what happened", False),
        ("why was the tram delayed", False),
        ("who won the final", False),
    ],
)
def test_a_question_asking_what_became_of_something_is_read_as_one(
    question: str, outcome: bool
) -> None:
    assert asks_outcome(question) is outcome


def test_the_outcome_in_the_best_sentence_s_article_comes_next_to_it() -> None:
    text = (
        "Mara Quist, 41, of Fenwick Road, denied two counts of theft from the charity shop. "
        "The court heard she had managed the shop for nine years. "
        "The jury cleared her of both counts after two hours."
    )
    passage = Passage(
        doc_id="quist", title="quist", chunk_id="quist#0", text=text, start=0, end=len(text)
    )
    sentences = answer_sentences([passage])
    weighed = weigh_outcomes(sentences, np.array([0.6, 0.3, 0.1]))
    order = [sentences[i].text for i in np.argsort(-weighed)]
    assert order[1].startswith("The jury cleared her"), order


FRONT = """---
title: Former harbour master's fraud conviction quashed
source: Tidewater Courts Reporter
url: https://courts.example/okafor-appeal
published_at: 2025-09-03
---
"""
PARAGRAPHS = (
    "Samuel Okafor, 58, the former harbour master of Port Anselm, was convicted in 2023 of "
    "fraud over mooring fees worth £310,000 and sentenced to three years.",
    "Okafor, who ran the harbour for 14 years, always denied taking any of the money.",
    "His barrister told the Court of Appeal that records from the harbour office had been "
    "altered after Okafor left the post.",
    "On Tuesday three judges quashed the conviction, saying the trial judge should not have "
    "admitted the altered ledgers.",
    "Prosecutors have 28 days to decide whether to seek a retrial.",
)
ARTICLE = FRONT + "\n\n".join(PARAGRAPHS) + "\n"


def test_what_happened_is_answered_by_the_sentence_stating_the_outcome(
    ask_of_article,  # noqa: ANN001
) -> None:
    answer = ask_of_article(ARTICLE, "what happened in samuel okafor's appeal")
    assert not answer.refused
    assert "quashed the conviction" in answer.answer, answer.answer
