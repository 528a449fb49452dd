"""Reading a question and a sentence as the answer stage does: what the question asks for
(asks.py), the dates, numbers and names a sentence states, with their kinds (dates.py,
spans.py, names.py), and the parts of a yes/no question (yes_no.py). The examples are the
classes of error a new user met on news nobody tuned for (issue 26)."""

from __future__ import annotations

from datetime import date

import pytest

from index.answer.asks import (
    AMOUNT,
    COUNT,
    DATE,
    DESCRIPTION,
    DURATION,
    MEASURE,
    MONEY,
    ORGANISATION,
    PERCENT,
    PERSON,
    PLACE,
    VERDICT,
    analyse,
)
from index.answer.names import name_spans
from index.answer.refusal import unknown_thing
from index.answer.spans import number_spans
from index.answer.yes_no import parse
from index.dates import date_phrases, resolve


@pytest.mark.parametrize(
    ("question", "expects"),
    [
        ("How many runners were taken to hospital?", COUNT),
        ("How much will the extension cost?", MONEY),
        ("How much did the company's shares drop after the ruling?", AMOUNT),  # 6.2 per cent
        ("By how much did hot nights raise emergency visits?", AMOUNT),
        ("How much did the appeal raise?", MONEY),
        ("How big is the town's budget?", MONEY),
        ("how big was the crowd at harker park for the final", COUNT),  # 8,914 spectators
        ("how much more sleep did teens get with the later start", DURATION),  # 34 minutes
        ("whats the fare on the hollin hopper", MONEY),  # typed without the apostrophe
        ("What pre-tax profit did Northfold Airport make?", MONEY),
        ("whats the name of the engineer who found the culvert", PERSON),
        ("How many cubic metres of water did the hydrologists count?", MEASURE),
        ("What's the new cost estimate for the Line 3 extension?", MONEY),
        ("When is the Blue Line extension expected to open?", DATE),
        ("when do the kids go back to school", DATE),
        ("Who is the CEO of Halvorsen Robotics?", PERSON),
        ("Which judge dissented in the appeal?", PERSON),
        ("Which company ran the train that derailed?", ORGANISATION),
        ("Where did the freight train derail?", PLACE),
        ("who manages Saltmarsh Town", PERSON),  # a person, though "Town" names a place
        ("who is the council leader in harrowgate", PERSON),  # and "council" a body
        ("What was Brimwick's pretax profit in 2024?", MONEY),  # "Brimwick's" as "the"
        ("what was Kiprono's winning time", DURATION),  # how long the race took
        ("what was halden robotics net loss last year", MONEY),  # no apostrophe, no "the"
        ("what was st aldhelms overall pass rate", PERCENT),
        ("what share of the patients were seen within four hours", PERCENT),  # not a count
        ("what are the candlesticks stolen from the museum worth", MONEY),
        ("what did the inspectors find at the quarry", DESCRIPTION),
        ("whats happening with the bus fare cap", DESCRIPTION),  # not the fare
        ("what was the university's deficit", MONEY),
        ("what is the council's savings target", MONEY),
        ("Did Pakistan strike Iran after Iran struck Pakistan?", VERDICT),
        ("In the Delane case, was the appeal decision unanimous?", VERDICT),
    ],
)
def test_what_a_question_asks_for(question: str, expects: str) -> None:
    assert analyse(question).expects == expects


def test_a_count_question_knows_what_it_counts() -> None:
    asks = analyse("How many robots did Halvorsen Robotics sell in 2025?")
    assert asks.counted == ("robots",) and "2025" in asks.qualifiers
    assert analyse("which councillor voted against the plan").roles == ("councillor",)
    # "who leads the union" asks for its leader, a person, as "who is the union's leader" does
    leads = analyse("who leads the union at Tenby Road")
    assert (leads.expects, leads.roles) == (PERSON, ("leader",))
    assert analyse("who runs tern valley hospitals trust").expects == PERSON
    # a channel's shorthand is read as the word news spells out
    assert analyse("how many ppl went to st aldric's a&e in march").counted[0] == "people"


def test_number_words_are_counts_and_dates_are_not() -> None:
    spans = {s.text: s for s in number_spans("Forty-one runners were taken to hospital.")}
    assert spans["Forty-one"].value == 41 and spans["Forty-one"].kind == "count"
    assert spans["Forty-one"].counted == ("runners",)
    sold = number_spans("Halvorsen sold 1,240 robots in 2025, the figures of February 2 show.")
    assert [(s.text, s.kind) for s in sold] == [("1,240", "count")]
    kinds = {
        s.text: s.kind
        for s in number_spans("It is cutting 320 jobs, or 14 percent, after a three-day strike.")
    }
    assert kinds == {"320": "count", "14 percent": "percent", "three-day": "duration"}
    money = number_spans("The $48 million extension, of which the state pays $30 million.")
    assert [(s.text, s.kind) for s in money] == [("$48 million", "money"), ("$30 million", "money")]
    assert [s.value for s in number_spans("two hundred and ten homes")] == [210.0]
    pence = number_spans("The standing charge will rise by 1.2p to 54.3p from 9pm on Friday.")
    assert [(s.text, s.kind) for s in pence] == [("1.2p", "money"), ("54.3p", "money")]


def test_a_count_is_of_the_words_after_it_not_across_a_comma() -> None:
    spans = number_spans("The group will have about 9,300 employees, 5,100 trucks and 64 depots.")
    assert [s.counted for s in spans] == [("employees",), ("trucks",), ("depots",)]


def test_date_phrases_and_what_a_relative_day_means() -> None:
    text = "The line is expected to open in late 2029; the vote was on Thursday."
    found = {p.text: p for p in date_phrases(text)}
    assert set(found) == {"late 2029", "Thursday"}
    # an article of Friday 19 January 2024: "on Thursday" is the day before
    assert resolve(found["Thursday"], date(2024, 1, 19), text) == date(2024, 1, 18)
    later = "Residents will be allowed back on Thursday."
    ahead = date_phrases(later)[0]
    assert resolve(ahead, date(2024, 1, 16), later) == date(2024, 1, 18)
    # race times and decimals are not clock times
    assert not date_phrases("She won in 2:31:18 with 12.5 mm of rain.")
    # nor sums and shares with two decimals, which "at 2.30pm" and "the 7.45 train" are
    money = "He must repay $1.34 million; tickets are £12.50 and shares fell 2.45 per cent."
    assert not date_phrases(money)
    assert [s.text for s in number_spans(money)] == ["$1.34 million", "£12.50", "2.45 per cent"]
    assert [p.text for p in date_phrases("It left at 2.30pm, the 7.45 train.")] == [
        "at 2.30pm",
        "7.45",
    ]


def test_names_lose_their_titles_and_say_what_they_look_like() -> None:
    (ceo,) = name_spans("Chief executive Ingrid Halvorsen said the cuts were painful.")
    assert ceo.text == "Ingrid Halvorsen" and ceo.titled and ceo.person_like
    court = [n for n in name_spans("The case was heard at Halden District Court.")][0]
    assert court.text == "Halden District Court" and court.organisation_like
    # A title of hyphenated titles is a title too; a hyphenated name is not.
    (head,) = name_spans("Vice-chancellor Professor Rhys Abernathy said the school would open.")
    assert head.text == "Rhys Abernathy" and head.titled
    assert name_spans("The Anglo-Saxon Chronicle records it.")[0].text == "Anglo-Saxon Chronicle"


@pytest.mark.parametrize(
    ("question", "kind", "sources"),
    [
        ("Did the council approve the budget?", "single", [()]),
        (
            "Do both the Carrow Valley Herald and WBN report the tram vote as 9-2?",
            "two_sources",
            [("Carrow Valley Herald",), ("WBN Westfold News",)],
        ),
        (
            "Did MPS say the train had 64 wagons and WBN say 19 of them derailed?",
            "two_sources",
            [("Meridian Press Service",), ("WBN Westfold News",)],
        ),
        (
            "Is the Herald consistent with WBN on the number of new tram stops?",
            "consistency",
            [("Carrow Valley Herald",), ("WBN Westfold News",)],
        ),
        ("Was the mine ruling after the flood act passed parliament?", "temporal", [(), ()]),
        # "the match" is a game, not two reports matching
        ("Was Ben Talbot player of the match?", "single", [()]),
        (
            "Do the Herald and WBN figures match?",
            "consistency",
            [("Carrow Valley Herald",), ("WBN Westfold News",)],
        ),
    ],
)
def test_the_parts_of_a_yes_no_question(question: str, kind: str, sources: list) -> None:
    known = ["Carrow Valley Herald", "WBN Westfold News", "Meridian Press Service"]
    parsed = parse(question, known)
    assert parsed.kind == kind
    assert [p.sources for p in parsed.parts] == sources


def test_a_two_report_question_splits_its_claims() -> None:
    parsed = parse(
        "Did MPS say the train had 64 wagons and WBN say 19 of them derailed?",
        ["WBN Westfold News", "Meridian Press Service"],
    )
    assert [p.text for p in parsed.parts] == ["the train had 64 wagons", "19 of them derailed"]
    temporal = parse("After Iran struck Pakistan, did Pakistan strike Iran?")
    assert temporal.kind == "temporal" and temporal.relation == "after"
    assert temporal.parts[0].text == "Pakistan strike Iran"


def test_two_reports_put_in_order_are_named_as_people_type_them() -> None:
    retrieved = ("Northgate Wire", "Carrick Evening Post", "Kelburn Chronicle")
    parsed = parse("was the wire's skerrow bank story out before the evening post's", (), retrieved)
    assert parsed.kind == "temporal"
    assert [p.sources for p in parsed.parts] == [("Northgate Wire",), ("Carrick Evening Post",)]
    # a name's first word, as people shorten it
    first = parse("was northgate's bank story out before the post's", (), retrieved)
    assert [p.sources for p in first.parts] == [("Northgate Wire",), ("Carrick Evening Post",)]
    # two events, not two reports: a lowercase "post" is no publication
    events = parse("did the council vote before the post office closed", (), retrieved)
    assert [p.sources for p in events.parts] == [(), ()]


def test_a_consistency_question_names_the_slot_the_two_reports_are_compared_on() -> None:
    sources = ["WBN Westfold News", "Carrow Valley Herald"]
    own = parse("Is WBN's number of new stops consistent with the Herald's follow-up?", sources)
    assert own.kind == "consistency" and own.slot == "number of new stops"
    same = parse("Do WBN and the Herald give the same number of new stops?", sources)
    assert same.slot == "number of new stops"


def test_a_body_s_name_keeps_its_plural_possessive_and_a_determiner_is_no_name() -> None:
    text = (
        "The case was brought by the Upper Westfold Water Users' Association, a group of farmers."
    )
    assert [n.text for n in name_spans(text)] == ["Upper Westfold Water Users' Association"]
    assert [n.text for n in name_spans("The Chiefs' Patrick Mahomes threw two.")] == [
        "Chiefs",
        "Patrick Mahomes",
    ]
    assert [n.text for n in name_spans("Neither club was named by Dunmore.")] == ["Dunmore"]


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("how much will the new motorway bypass cost", True),  # "motorway bypass": in none
        ("who won the national chess championship", True),
        ("how much will the extension cost", False),  # one word of it in the passages
        ("whats the fare on the hollin hopper", False),  # asking words don't count
        ("According to the Harbour Gazette, how much will it cost?", False),  # a publication
        ("where was that 117 km/h gust measured during the storm", False),  # a figure quoted
    ],
)
def test_a_thing_of_two_words_no_passage_mentions_is_unknown(question: str, unknown: bool) -> None:
    passages = [
        "Blue Line extension to cost $48 million. The extension will add six stops.",
        "Hollin Hopper bus starts Monday. Fares are £2 a trip.",
        "The strongest gust of the storm was measured on Tor Hill.",
    ]
    asks = analyse(question)
    assert unknown_thing(question, asks, passages, ["Harbour Gazette"]) is unknown
