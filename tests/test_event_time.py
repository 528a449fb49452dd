"""When an event happened, as its sentence dates it (index/answer/event_time.py)."""

from __future__ import annotations

from datetime import date

import pytest

from index.answer.event_time import Days, event_days

PUBLISHED = date(2025, 10, 23)  # a Thursday


def near(text: str, word: str) -> list[int]:
    return [text.index(word)]


@pytest.mark.parametrize(
    ("text", "word", "days"),
    [
        # A month named alone is the last one up to the article.
        ("The contract was signed in September.", "signed",
         Days(date(2025, 9, 1), date(2025, 9, 30))),
        ("Okafor scored at Brackenford in November.", "scored",
         Days(date(2024, 11, 1), date(2024, 11, 30))),
        # May the month, after a preposition.
        ("The authority opened its inquiry in May.", "opened",
         Days(date(2025, 5, 1), date(2025, 5, 31))),
        # A weekday is the last one up to the article, whatever "from" says.
        ("Two walkers were brought down from Ben Carrach early on Sunday.", "brought",
         Days(date(2025, 10, 19), date(2025, 10, 19))),
        # A plan's date is the next one.
        ("Strike days will be spread over three weeks, starting on 1 December.", "starting",
         Days(date(2025, 12, 1), date(2025, 12, 1))),
        # A date that measures from, or dates the report, is not the event's: the article's day.
        ("It was the most powerful storm to hit since February 2014.", "hit",
         Days(PUBLISHED, PUBLISHED)),
        ("Investigators said on Wednesday that sparks started the fire.", "started",
         Days(PUBLISHED, PUBLISHED)),
        # A date too far from the claim's words dates something else.
        ("The plant closed, the council said in a long statement on its plans for the site "
         "that it published in 2023.", "closed", Days(PUBLISHED, PUBLISHED)),
        # A span holding the article's day says no more than the article's date.
        ("The company moved in 2025.", "moved", Days(PUBLISHED, PUBLISHED)),
    ],
)  # fmt: skip
def test_the_days_a_sentence_gives_an_event(text: str, word: str, days: Days) -> None:
    assert event_days(text, PUBLISHED, near(text, word)) == days


def test_an_earlier_time_of_the_same_thing_is_passed_over_unless_asked() -> None:
    text = "Mount Sarang last erupted in 1998, when 19 people died."
    assert event_days(text, PUBLISHED, near(text, "erupted"), "the eruption") == Days(
        PUBLISHED, PUBLISHED
    )
    asked = event_days(text, PUBLISHED, near(text, "erupted"), "its last eruption")
    assert asked == Days(date(1998, 1, 1), date(1998, 12, 31))
