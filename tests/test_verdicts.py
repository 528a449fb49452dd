"""Yes/no verdicts decided on sentences written here (issue 28): what may count as a
contradiction, and what two reports can be compared on. A wrong "No" or "Yes" is worse than
none, so each case checks the verdict a reader would be misled by is not given."""

from __future__ import annotations

import numpy as np

from index.answer.claim_check import check_claim, claim_terms, topical
from index.answer.sentences import Sentence, split_passages
from index.answer.verdicts import decide
from index.answer.yes_no import Part, parse
from index.results import Passage


def sentences_of(*articles: tuple[str, str, str, str]) -> list[Sentence]:
    """The sentences of articles given as (source, published_at, title, body)."""
    passages = [
        Passage(
            doc_id=f"d{i}",
            title=title,
            source=source,
            published_at=day,
            chunk_id=f"d{i}#0",
            text=body,
            start=0,
            end=len(body),
        )  # fmt: skip
        for i, (source, day, title, body) in enumerate(articles)
    ]
    return split_passages(passages)


def flat(sentences: list[Sentence]) -> np.ndarray:
    return np.full(len(sentences), 0.5)


def test_a_report_is_found_by_what_it_reports_not_by_its_name_or_reporting_words() -> None:
    part = Part("the WBN tram story published", ("WBN Westfold News",))
    assert claim_terms(part) == {"tram"}
    other = Part("the Herald's", ("Carrow Valley Herald",))
    # A side that names only its publication takes the other side's own words, not its name.
    assert topical([part, other])[1].text == "the Herald's tram"
    assert topical([part, other])[0] == part


def test_another_figure_beside_the_claimed_one_contradicts_nothing() -> None:
    sentences = sentences_of(
        ("Meridian Press Service", "2025-03-04", "Harlow freight train derails",
         "Nineteen wagons of the Harlow freight train came off the rails on Tuesday. "
         "The Harlow train had 64 wagons."),
    )  # fmt: skip
    outcome = check_claim(Part("the Harlow train had 64 wagons"), sentences, flat(sentences))
    assert outcome.outcome != "no", outcome


def test_a_bound_between_two_figures_is_not_contradicted_by_either() -> None:
    """1,240 robots in 2025, down from 1,610: "fewer than 1,500" is not "a different figure"."""
    sentences = sentences_of(
        ("Nordfjord Business Daily", "2026-02-20", "Halvorsen Robotics to cut jobs",
         "Halvorsen Robotics sold 1,240 robots in 2025, down from 1,610 robots in 2024."),
    )  # fmt: skip
    claim = Part("Halvorsen Robotics sold fewer than 1,500 robots in 2025")
    assert check_claim(claim, sentences, flat(sentences)).outcome != "no"
    above = Part("Halvorsen Robotics sold more than 1,000 robots in 2025")
    assert check_claim(above, sentences, flat(sentences)).outcome == "yes"


SOURCES = ("Carrow Valley Herald", "National Airwaves News")


def test_two_dates_of_different_precision_are_not_a_disagreement() -> None:
    sentences = sentences_of(
        (SOURCES[0], "2025-11-20", "Medical school opens",
         "The Wren-1 satellite was launched in November."),
        (SOURCES[1], "2025-11-20", "Wren-1 in orbit",
         "The Wren-1 satellite was launched on Tuesday."),
    )  # fmt: skip
    question = parse(
        "Is the Carrow Valley Herald consistent with National Airwaves News on when Wren-1 was "
        "launched?",
        SOURCES,
    )
    assert question.kind == "consistency"
    assert decide(question, sentences, flat(sentences)).outcome == "undecided"


def test_two_reports_are_compared_on_the_count_the_question_asks_for() -> None:
    sentences = sentences_of(
        (SOURCES[0], "2025-11-20", "Tram extension approved",
         "The 4 kilometre extension will have six new stops and 2 depots."),
        (SOURCES[1], "2025-11-21", "Tram line to grow", "The extension adds 6 new stops."),
    )  # fmt: skip
    question = parse(
        "Do the Carrow Valley Herald and National Airwaves News give the same number of new stops?",
        SOURCES,
    )
    assert decide(question, sentences, flat(sentences)).outcome == "yes"


def test_a_raise_contradicts_a_cut_and_six_to_one_is_no_unanimous_vote() -> None:
    sentences = sentences_of(
        ("Ledger & Loom", "2025-10-23", "Corvane raises guidance",
         "Corvane Systems raised its full-year revenue guidance on Thursday. "
         "The cabinet vote on fortnightly bins was six to one."),
    )  # fmt: skip
    cut = Part("Corvane cut its full-year revenue guidance")
    assert check_claim(cut, sentences, flat(sentences)).outcome == "no"
    vote = Part("the cabinet voted unanimously for fortnightly bins")
    assert check_claim(vote, sentences, flat(sentences)).outcome == "no"


def test_a_plan_or_a_forecast_is_no_yes() -> None:
    """ "said it would ask the Supreme Court" does not say the court will hear the case, and
    "could make his debut" does not say he scored on it; what a report says will happen is
    still stated when the question asks what the report says."""
    sentences = sentences_of(
        ("Saltmarsh Gazette", "2025-11-20", "Quarry campaigners lose appeal",
         "Tobias Wren said the group would ask the Supreme Court to hear the quarry case."),
        ("Kestrel Wire", "2026-01-21", "Okafor joins Dunmore",
         "Okafor could make his Dunmore debut against Portwell United on Saturday."),
        ("Selby Bay Chronicle", "2025-11-03", "Storm Ingrid power cuts",
         "The company hoped to reconnect the vast majority of homes by Wednesday evening."),
        ("Kestrel Valley Post", "2026-02-10", "Solar farm appeal allowed",
         "The council has six weeks to decide whether to challenge the decision in the High "
         "Court."),
    )  # fmt: skip
    for claim in (
        "the Supreme Court hear the quarry case",
        "Okafor play his Dunmore debut",
        "homes reconnected by Wednesday evening",
        "the council challenge the decision in the High Court",
    ):
        outcome = check_claim(Part(claim), sentences, flat(sentences))
        assert outcome.outcome == "undecided", (claim, outcome)
    said = Part("the Supreme Court hear the quarry case", ("Saltmarsh Gazette",))
    assert check_claim(said, sentences, flat(sentences)).outcome == "yes"


def test_news_says_the_opposite_in_its_own_words() -> None:
    sentences = sentences_of(
        ("Saltmarsh Gazette", "2025-12-03", "Library to reopen",
         "Saltmarsh Central Library will reopen on Saturday after a refurbishment that ran six "
         "weeks late and over budget."),
        ("Westfold News", "2025-08-20", "Brackenridge fire cause found",
         "Investigators said the Brackenridge fire was started accidentally by sparks."),
        ("Kelmouth Post", "2025-03-14", "Kelmouth votes for congestion charge",
         "Residents inside the zone get a 90 per cent discount, and blue badge holders will be "
         "exempt from the Kelmouth congestion charge."),
        ("Westdale Herald", "2025-02-02", "Brack Moor wind farm refused",
         "Westdale District Council refused planning permission for the Brack Moor wind farm by "
         "seven votes to five."),
        ("Calder Post", "2025-06-11", "Kessock Lane homes approved",
         "Plans for 620 homes on the Kessock Lane estate were approved last night."),
        ("Ledger", "2025-09-30", "Brannock holds guidance",
         "Brannock kept its full-year profit guidance of 340 million to 360 million pounds."),
        ("Dock News", "2025-04-01", "Saltmarsh dockers reject pay offer",
         "The union said its members had rejected a 4.5% pay offer from Saltmarsh Port."),
        ("Fell Courier", "2025-01-12", "Walker rescued on Scarth Pike",
         "His daughter, who was cold but unhurt, walked down from Scarth Pike with the team."),
    )  # fmt: skip
    for claim in (
        "the Saltmarsh dockers accept the 4.5% pay offer",
        "his daughter was hurt on Scarth Pike",
        "the Saltmarsh library reopening on schedule",
        "the Brackenridge fire started deliberately",
        "blue badge holders have to pay the Kelmouth congestion charge",
        "Westdale council approved the Brack Moor wind farm",
        "the council turned down the Kessock Lane estate",
        "Brannock cut its full-year profit guidance",
    ):
        outcome = check_claim(Part(claim), sentences, flat(sentences))
        assert outcome.outcome == "no", (claim, outcome)


def test_a_figure_a_correction_retracts_is_no() -> None:
    """ "An earlier version of this article said the fine was £1.24 million": the correction
    says so to say it was wrong; the figure it gives instead is stated."""
    sentences = sentences_of(
        ("Ledger Business Daily", "2025-06-12", "Northgate Mutual fined £12.4m",
         "Correction: An earlier version of this article said the fine was £1.24 million; "
         "it is £12.4 million."),
    )  # fmt: skip
    wrong = check_claim(Part("Northgate fined £1.24 million"), sentences, flat(sentences))
    assert wrong.outcome == "no", wrong
    right = check_claim(Part("Northgate fined £12.4 million"), sentences, flat(sentences))
    assert right.outcome != "no", right


def test_no_one_hurt_is_no_to_anyone_hurt() -> None:
    """ "No deaths were reported" answers "was anyone killed" though it shares few of its
    words; a story that counts the dead or hurt is no such denial."""
    body = (
        "A freight train carrying fertiliser came off the tracks at Harlow Junction on Tuesday, "
        "and 3,100 residents were told to leave their homes. No deaths were reported. The line "
        "will stay closed until Friday."
    )
    sentences = sentences_of(("Midland Wire", "2025-03-04", "Derailment at Harlow Junction", body))
    claim = parse("Was anyone killed in the Harlow Junction derailment?").parts[0]
    assert check_claim(claim, sentences, flat(sentences)).outcome == "no"
    hurt = parse("Was anyone hurt in the Harlow Junction derailment?").parts[0]
    assert check_claim(hurt, sentences, flat(sentences)).outcome != "no"
    counted = sentences_of(
        ("Midland Wire", "2025-03-04", "Derailment at Harlow Junction",
         body.replace("No deaths were reported.", "Two people were killed; no one else was hurt.")),
    )  # fmt: skip
    assert check_claim(claim, counted, flat(counted)).outcome != "no"


def test_no_jobs_lost_is_no_to_anyone_losing_a_job() -> None:
    sentences = sentences_of(
        ("Valley Bulletin", "2025-05-02", "Route 14 to be withdrawn",
         "The route 14 bus will run for the last time next month. Corran Buses said no jobs "
         "would be lost, with drivers moved to other routes."),
    )  # fmt: skip
    claim = parse("is anyone at corran losing their job over the route 14 cut").parts[0]
    assert check_claim(claim, sentences, flat(sentences)).outcome == "no"


def test_the_claim_s_one_figure_stated_nowhere_against_another_is_no() -> None:
    """ "going up 3.99%" against "a 4.99 per cent rise": the sentence about it gives one
    figure of that kind, another, and no sentence gives the claimed one."""
    body = (
        "Westmoor County Council approved its budget on Tuesday, voting through a 4.99 per cent "
        "rise in council tax. Councillors voted 38 to 24 in favour."
    )
    sentences = sentences_of(("Westmoor Post", "2025-02-26", "Westmoor budget approved", body))
    claim = parse("is westmoor's council tax going up 3.99%?").parts[0]
    assert check_claim(claim, sentences, flat(sentences)).outcome == "no"
    stated = sentences_of(
        ("Westmoor Post", "2025-02-26", "Westmoor budget approved",
         body + " Opposition councillors had proposed a 3.99 per cent rise in council tax."),
    )  # fmt: skip
    assert check_claim(claim, stated, flat(stated)).outcome != "no"


def test_a_correction_in_words_retracts_a_vote_given_in_figures() -> None:
    """ "vote 7-4" against "an earlier version ... said governors voted by seven votes to
    four", though another sentence shares more of the claim's words."""
    sentences = sentences_of(
        ("Dunmoor Gazette", "2025-06-20", "Hollins Lane school to close",
         "Hollins Lane governors vote to close the school, said parent Joanne Pickard, whose "
         "sons are in Year 2 and Year 4. Correction: An earlier version of this article said "
         "governors voted by seven votes to four. The vote was eight to three."),
    )  # fmt: skip
    claim = parse("did the hollins lane governors vote 7-4").parts[0]
    assert check_claim(claim, sentences, flat(sentences)).outcome == "no"


def test_a_channel_s_boss_is_the_story_s_chief_executive() -> None:
    sentences = sentences_of(
        ("Harrowgate Business Review", "2025-03-03", "Brackwell and Tamsin to merge",
         "Brackwell chief executive Oliver Strand will lead the merged company, which will keep "
         "its headquarters in Leeford."),
    )  # fmt: skip
    claim = parse("Is Brackwell's boss Oliver Strand going to lead the merged company?").parts[0]
    assert check_claim(claim, sentences, flat(sentences)).outcome == "yes"


def test_a_time_question_is_not_answered_by_a_claim_that_leaves_out_the_time() -> None:
    """ "was hebden convicted before elmcroft house closed": the article states both, and
    their dates, but no order; the claim alone ("hebden convicted") says nothing of it."""
    sentences = sentences_of(
        ("Bench & Bar", "2025-08-28", "Care home manager's conviction quashed",
         "Lorraine Hebden was convicted of wilful neglect at Ellisford Crown Court in 2024. "
         "Elmcroft House was closed by regulators in 2022. Fifty residents were moved to other "
         "homes after the closure."),
    )  # fmt: skip
    scores = flat(sentences)
    order = decide(parse("was hebden convicted before elmcroft house closed"), sentences, scores)
    assert order.outcome == "undecided", order
    told = decide(parse("were fifty residents moved after the closure"), sentences, scores)
    assert told.outcome == "yes", told


def test_two_stories_are_compared_on_the_figure_beside_the_slot_s_words() -> None:
    """Two flood stories of one paper, named by no publication; the fund's share, not the
    cost before it; the count injured, not the part of it hurt seriously."""
    flood = sentences_of(
        ("Tarn Valley Gazette", "2025-10-13", "Kelsby flood",
         "All 31 residents of the Riverside Lodge care home were moved to the leisure centre."),
        ("Tarn Valley Gazette", "2025-10-20", "Riverside Lodge to close",
         "The Riverside Lodge care home, whose 31 residents were evacuated, is to close."),
    )  # fmt: skip
    both = parse("do both flood articles agree on how many residents Riverside Lodge had")
    assert decide(both, flood, flat(flood)).outcome == "yes"
    fund = sentences_of(
        ("Harrowgate Courier", "2025-03-12", "Tram line approved",
         "The council puts the cost at $212 million, of which the regional transport fund is "
         "paying $140 million."),
        ("Harrowgate Courier", "2025-10-14", "Tram line a year late",
         "The regional transport fund is still paying $140 million of the cost."),
    )  # fmt: skip
    paying = parse(
        "do the courier's two tram stories agree on how much the regional fund is paying"
    )
    assert decide(paying, fund, flat(fund)).outcome == "yes"
    quarry = sentences_of(
        ("Meridian Wire", "2025-04-02", "Rock fall at quarry",
         "Six workers were injured, two of them seriously, when a rock face at the quarry fell. "
         "The operator said it was cooperating with inspectors. Work has stopped at the site."),
        ("Dunmoor Evening Post", "2025-04-02", "Seven hurt in quarry collapse",
         "Seven workers were injured, two of them seriously, when the quarry face collapsed. "
         "Residents heard a loud bang at about 2pm. The site will stay closed."),
    )  # fmt: skip
    injured = parse(
        "do the wire and the post agree on how many were injured at the quarry",
        ["Meridian Wire", "Dunmoor Evening Post"],
    )
    assert decide(injured, quarry, flat(quarry)).outcome == "no"


def test_two_reports_named_in_lowercase_are_each_held_to_the_claim() -> None:
    """ "the daily post and bpa" as people type them: each report must state the figure, and
    the one that gives another says no, where one report's sentence alone said yes."""
    ferry = sentences_of(
        ("Fenmouth Daily Post", "2026-05-12", "Ferry strike",
         "Ferry crews will strike for 48 hours from Thursday, cancelling 32 crossings. The union "
         "wants 6 per cent. Islandlink has offered 3.5 per cent."),
        ("Brightwater Press Association", "2026-05-13", "Islandlink strike",
         "Ferry crews will stage a 48-hour strike from Thursday, their union said. The walkout "
         "will force the cancellation of 36 crossings, the company said. A daily freight "
         "sailing will continue."),
    )  # fmt: skip
    retrieved = ["Fenmouth Daily Post", "Brightwater Press Association"]
    both = parse("do the daily post and bpa both say 32 crossings are cancelled", [], retrieved)
    assert [p.sources for p in both.parts] == [(retrieved[0],), (retrieved[1],)]
    assert decide(both, ferry, flat(ferry)).outcome == "no"
    # A publication's short name in a question that sets no two reports side by side is a word.
    office = parse("did the post office in pellworth close", [], ["Fenmouth Daily Post"])
    assert office.kind == "single" and office.parts[0].sources == ()


def test_a_report_giving_the_same_figure_in_other_words_agrees() -> None:
    """One report's "crowd of 8,914", the other's "8,914 spectators": the same figure, in a
    sentence about the same thing, is agreement; a small figure or the same figure about
    something else never makes a "Yes"."""
    gazette = (
        SOURCES[0],
        "2025-10-05",
        "Saltmarsh lift the Coastal Cup",
        "Saltmarsh won the Coastal Cup final at Harker Park among a crowd of 8,914.",
    )
    sport = (
        SOURCES[1],
        "2025-10-05",
        "Okafor header wins the cup",
        "Okafor headed the winner in front of 8,914 spectators at Harker Park.",
    )
    question = parse(
        "Do the Carrow Valley Herald and National Airwaves News give the same crowd figure for "
        "the cup final?",
        SOURCES,
    )
    sentences = sentences_of(gazette, sport)
    decision = decide(question, sentences, flat(sentences))
    assert decision.outcome == "yes"
    assert {sentences[i].passage.source for i in decision.sentences} == set(SOURCES)
    elsewhere = (
        SOURCES[1],
        "2025-10-05",
        "Harbour works",
        "The harbour wall repairs cost 8,914 pounds, the port said.",
    )
    other_thing = sentences_of(gazette, elsewhere)
    assert decide(question, other_thing, flat(other_thing)).outcome == "undecided"
    few = sentences_of(
        (SOURCES[0], "2025-10-05", "Cup final", "A crowd of nine watched at Harker Park."),
        (SOURCES[1], "2025-10-05", "Cup final", "Nine players were booked at Harker Park."),
    )  # fmt: skip
    assert decide(question, few, flat(few)).outcome == "undecided"


def test_a_claim_that_no_one_was_hurt_agrees_with_a_story_saying_so() -> None:
    """ "nobody was hurt in the fire" is stated by "no one was injured" and by "without
    injury" (its own negation is no contradiction of them), and contradicted by a count of
    the injured."""
    fire = sentences_of(
        ("Wessmoor Echo", "2025-11-07", "Fire at Corran Packaging",
         "Fire crews fought the blaze at the Corran factory for six hours. All 140 workers on "
         "the night shift were evacuated, and no one was injured."),
        ("Ledger & Till", "2025-11-07", "Corran counts the cost of fire",
         "Corran Packaging said the fire would cut revenue by about £12 million. All 160 "
         "staff on shift were evacuated without injury."),
    )  # fmt: skip
    retrieved = ["Wessmoor Echo", "Ledger & Till"]
    both = parse("do the echo and ledger & till both say nobody was hurt in the corran fire",
                 [], retrieved)  # fmt: skip
    assert [p.sources for p in both.parts] == [(retrieved[0],), (retrieved[1],)]
    assert decide(both, fire, flat(fire)).outcome == "yes"
    hurt = sentences_of(
        ("Wessmoor Echo", "2025-11-07", "Fire at Corran Packaging",
         "Fire crews fought the blaze at the Corran factory for six hours. Two workers were "
         "injured and taken to hospital."),
    )  # fmt: skip
    claim = parse("was nobody hurt in the corran fire").parts[0]
    assert check_claim(claim, hurt, flat(hurt)).outcome == "no"


def test_reports_named_by_a_first_word_or_a_paper_word_and_a_date_given_alone() -> None:
    """ "meridian" for the Meridian Press Wire, "the echo" for the Wessmoor Echo; "the
    Courier said work starts in January while Meridian said March" holds Meridian to "work
    starts in March", not to any sentence with March in it."""
    retrieved = ["Hollins Vale Courier", "Meridian Press Wire", "Wessmoor Echo"]
    both = parse("did both the echo and meridian say about 90 people stayed at the rest centre",
                 [], retrieved)  # fmt: skip
    assert [p.sources for p in both.parts] == [(retrieved[2],), (retrieved[1],)]
    # a pronoun is the first claim's subject
    fell = parse("did the courier say corvane shares rose while meridian said they fell", [],
                 retrieved)  # fmt: skip
    assert [p.text for p in fell.parts] == ["corvane shares rose", "corvane shares fell"]
    said = parse("did the courier say cycle lane work starts in january while meridian said "
                 "march", [], retrieved)  # fmt: skip
    assert [(p.text, p.sources) for p in said.parts] == [
        ("cycle lane work starts in january", (retrieved[0],)),
        ("cycle lane work starts in march", (retrieved[1],)),
    ]
    lanes = sentences_of(
        ("Hollins Vale Courier", "2025-09-04", "Cycle lanes approved",
         "Work on Station Road will start in January, the council said."),
        ("Meridian Press Wire", "2025-09-03", "City backs cycle lanes",
         "The decision follows an inquiry that sat for nine days in March and April. "
         "Construction is due to begin in January 2026."),
    )  # fmt: skip
    assert decide(said, lanes, flat(lanes)).outcome != "yes"


def test_a_day_of_the_month_is_no_count() -> None:
    """ "30 stores" is not stated by "to August 30", so "close 27 of its 412 stores" is the
    article's only figure for it, and contradicts it."""
    results = sentences_of(
        ("Ledger & Till", "2025-10-01", "Brantwell to close stores",
         "Pre-tax profit at Brantwell for the 26 weeks to August 30 fell to £96.4 million. "
         "Brantwell said it would close 27 of its 412 stores."),
    )  # fmt: skip
    claim = parse("is brantwell closing 30 stores").parts[0]
    assert check_claim(claim, results, flat(results)).outcome == "no"


def test_each_report_said_something_of_its_own() -> None:
    """ "did the echo say 212 homes flooded and meridian say 186": a verb of saying for each
    sets two reports side by side; "the Meridian wire" is one name; "3.52m" of a river is
    metres when the articles give 3.52 and no 3.52 million."""
    flood = sentences_of(
        ("Wessmoor Echo", "2025-11-15", "Lennet bursts its banks in Millbridge",
         "Some 212 homes flooded in Millbridge. The river peaked at 3.52 metres at the "
         "Millbridge gauge on Friday, the highest level since records began."),
        ("Meridian Press Wire", "2025-11-15", "River Lennet floods Millbridge homes",
         "Officials said 186 homes flooded. The river peaked at 3.52 metres at Millbridge "
         "early on Friday."),
    )  # fmt: skip
    retrieved = ["Wessmoor Echo", "Meridian Press Wire"]
    said = parse("did the echo say 212 homes flooded and meridian say 186", [], retrieved)
    assert [(p.text, p.sources) for p in said.parts] == [
        ("212 homes flooded", (retrieved[0],)),
        ("186", (retrieved[1],)),
    ]
    assert decide(said, flood, flat(flood)).outcome == "yes"
    peak = parse("Do both the Wessmoor Echo and the Meridian wire put the Lennet peak at 3.52m?",
                 ["Wessmoor Echo"], retrieved)  # fmt: skip
    assert [p.text for p in peak.parts] == ["put the Lennet peak at 3.52m"] * 2
    assert decide(peak, flood, flat(flood)).outcome == "yes"
