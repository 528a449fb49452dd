"""A question asking the names of things the articles only count is a near miss (issue 26)."""

from __future__ import annotations

import pytest

from index.answer.asks import analyse
from index.answer.unnamed import only_counted


@pytest.mark.parametrize(
    ("question", "text", "refused"),
    [
        (
            "which charities got the grants in the Haldane case",
            "Haldane approved 17 grants to three charities that then paid fees to Brightwell.",
            True,
        ),
        (
            "which countries was the trial run in?",
            "It enrolled 1,148 adults at 64 hospitals in nine countries.",
            True,
        ),
        (
            "Which supplier made the faulty ventilation parts?",
            "The contractor said the fault lay with a supplier's components.",
            True,
        ),
        # named after the count, or not counted at all
        (
            "which charities got the grants",
            "Two charities, Hope House and Kestrel Aid, did.",
            False,
        ),
        (
            "which other routes are losing evening buses?",
            "Routes 12 and 15 will lose theirs.",
            False,
        ),
        # a kind the question names is the slot ranker's to find
        ("which judge sentenced him", "He was sentenced by a judge on Friday.", False),
        # the names asked in other words than "which"
        (
            "who are tallis's two biggest customers",
            "Analyst Priya Anand noted that two customers accounted for 31 per cent of revenue.",
            True,
        ),
        (
            "What are the names of the two walkers rescued on Ben Carrach?",
            "The pair, a 34-year-old man and a 29-year-old woman from Leeds, were two walkers.",
            True,
        ),
        ("who are the new owners", "The new owners, Calloway Media, paid £2m.", False),
        (
            "who were the private collectors bidding against the trust",
            "The trust bid by telephone against two private collectors.",
            True,
        ),
        # a person described by age or deed, never named
        (
            "whats the name of the woman arrested with colley",
            "A 29-year-old woman arrested with him was released on bail.",
            True,
        ),
        (
            "what was the firefighter who got burned at the mill called",
            "A firefighter suffered burns to his hands.",
            True,
        ),
        ("what was the firefighter who got burned called", "Firefighter Jo Reed was hurt.", False),
    ],
)
def test_things_only_counted_are_not_named(question: str, text: str, refused: bool) -> None:
    found = only_counted(question, analyse(question), [text])
    assert (found is not None) is refused, found


PARAGRAPHS = (
    "A former Lowmoor councillor has been found guilty of diverting $410,000 of community grant "
    "money into a property company he secretly controlled.",
    "The court heard that Victor Haldane approved 17 grants to three charities that then paid "
    '"consultancy fees" to Brightwell Estates Ltd, a company registered in his brother-in-law\'s '
    "name.",
    "Haldane will be sentenced on March 27.",
)
ARTICLE = (
    "---\ntitle: Former Lowmoor councillor guilty of grant fraud\nsource: Lowmoor Post\n"
    "url: https://post.example/haldane-guilty\npublished_at: 2025-02-20\n---\n"
    + "\n\n".join(PARAGRAPHS)
    + "\n"
)


def test_which_things_only_counted_is_refused_by_what_it_asks(ask_of_article) -> None:  # noqa: ANN001
    answer = ask_of_article(ARTICLE, "which charities got the grants in the Haldane case")
    assert answer.refused and answer.refusal_reason == "focus_not_found", answer.answer
    assert "the names of the charities" in answer.answer
