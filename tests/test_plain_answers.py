"""Plain answers a short question must not miss (issue 26): the sentence that states the thing
asked says it in other words than the question's. A later paragraph's "the museum" is the
Ferrand museum its article's lede names; a depot that will "shut for good" is one that will
"close completely"."""

from __future__ import annotations

FRONT = """---
title: Stolen clock and silver found in warehouse, two men charged
source: Calder Valley Wire
url: https://caldervalleywire.example/2025/11/clock-found
published_at: 2025-11-21
---
"""
PARAGRAPHS = [
    (
        "HOLLIN BRIDGE, Nov 21 (CVW) - Police have recovered a carriage clock and five pieces of "
        "eighteenth-century silver stolen from the Ferrand Gallery and Museum last month, and "
        "charged two men, Hollin Valley Police said on Friday."
    ),
    (
        "The items were found on Wednesday in a rented unit on an industrial estate on the edge "
        "of Marstow, about 30 miles from the town, after a tip-off from a member of the public "
        "who had seen an advert for antique silver on a second-hand website."
    ),
    (
        "Detective Inspector Carla Brennan said officers had searched the unit under a warrant "
        "and found the clock wrapped in a blanket inside a tool chest, with the silver packed in "
        "newspaper in two cardboard boxes beside it."
    ),
    (
        "The two men, aged 41 and 56 and both from Marstow, have been charged with burglary and "
        "handling stolen goods and will appear before magistrates next week. A third man who was "
        "arrested has been released on bail while inquiries continue."
    ),
    (
        "The break-in happened in the early hours of October 12, when thieves climbed onto a flat"
        " roof at the back of the building, forced a skylight and lowered themselves into the "
        "upper gallery. An alarm sounded but the intruders had gone by the time officers arrived "
        "eleven minutes later."
    ),
    (
        "Four pieces of silver, among them a pair of sauce boats made in 1771, are still missing,"
        " and police said they had not ruled out that they had already been sold abroad. Insurers"
        " have offered a reward for information that leads to their return."
    ),
    (
        "Curator Owen Lathbury said staff had been overwhelmed by messages of support from "
        "visitors, and that new locks, cameras and a second alarm system had been fitted during "
        "the closure."
    ),
    (
        "The museum will reopen to the public on December 6, with the recovered clock back on "
        "display in a new case, he said."
    ),
]
ARTICLE = FRONT + "\n\n".join(PARAGRAPHS) + "\n"


def test_a_later_paragraph_that_calls_it_the_museum_answers_for_the_story_its_lede_names(
    ask_of_article,
) -> None:
    """The sentence that says when says "the museum"; its article's lede, retrieved apart
    from it, names the Ferrand museum: the date's sentence is quoted first."""
    answer = ask_of_article(ARTICLE, "when's the ferrand museum reopening")
    assert not answer.refused, answer.answer
    first = answer.answer.split(" [", 1)[0]
    assert "December 6" in first, answer.answer


DEPOT = """---
title: Parcel firm to close Ashgrove depot with 240 jobs lost
source: Ashgrove Courier
url: https://ashgrovecourier.example/2025/08/depot-closure
published_at: 2025-08-14
---
Parcel firm Swiftbox is to close its depot at Ashgrove, one of five it runs in the north, \
with the loss of 240 jobs, the company said on Thursday.

The depot, which opened in 2011, will stop taking new parcels at the end of October and \
close completely on 30 November, once the last deliveries have gone out.

Staff will be offered jobs at the company's other sites, the nearest of them 40 miles away.
"""


def test_a_question_in_its_own_verb_is_answered_by_news_in_another(ask_of_article) -> None:
    """ "Shut for good" is news's "close completely"."""
    answer = ask_of_article(DEPOT, "when does the ashgrove depot shut for good")
    assert not answer.refused, answer.answer
    assert "30 November" in answer.answer.split(" [", 1)[0]
