"""Query analysis (publication names, dates) and the top-k selection of the hybrid retriever."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from llama_index.core.schema import TextNode

from index.dates import find_dates
from index.retrieval.hybrid import FusionConfig, Hit, cover, diversify
from index.retrieval.query_analysis import SourceMatcher, _has_phrase, aliases, analyse

SOURCES = [
    "The Verge",
    "TechCrunch",
    "Fortune",
    "The Independent - Life and Style",
    "The Independent - Sports",
    "Cnbc | World Business News Leader",
    "CBSSports.com",
]


def test_publications_are_found_by_name_or_name_before_the_tagline() -> None:
    matcher = SourceMatcher(SOURCES)
    found = matcher.find("Did CNBC and 'The Verge' agree, as TechCrunch and CBSSports say?")
    cnbc = "Cnbc | World Business News Leader"
    assert found == [cnbc, "The Verge", "TechCrunch", "CBSSports.com"]
    assert matcher.find("The Independent - Sports reported it") == ["The Independent - Sports"]
    assert set(matcher.find("per The Independent")) == {
        "The Independent - Life and Style",
        "The Independent - Sports",
    }


def test_publications_the_index_lacks_are_named_when_a_question_cites_them() -> None:
    matcher = SourceMatcher([*SOURCES, "The New York Times", "BBC News - Technology"])
    cited = (
        "Considering a Bloomberg article and a separate report by 9to5Mac, and what was "
        "reported by The Wall Street Journal, does Reuters' report agree with an article "
        "in The Verge?"
    )
    assert matcher.unknown(cited) == ["9to5Mac", "Wall Street Journal", "Bloomberg", "Reuters"]
    # known publications, also by a shorter name or inside a longer one
    assert matcher.unknown("Does a New York Times article agree with a BBC report?") == []
    assert matcher.unknown("Did the Verge report and a CNBC piece agree?") == []
    # not citations: quoted titles, topics, a verb after a name
    assert matcher.unknown("Do the 'NBA Rookie of the Year Odds' articles agree?") == []
    assert matcher.unknown("Has the focus of Taylor Swift coverage by 'Fortune' changed?") == []
    assert matcher.unknown("Did TechCrunch's article about Sonos report a victory?") == []
    assert matcher.unknown("What did the article say in October?") == []
    # a possessive ends the name: the Ledger's, not a publication called "Ledger's Swiftline"
    ledger = SourceMatcher(["Ledger Business Daily", "Brackenford Evening Post"])
    assert ledger.unknown("Was the Ledger's Swiftline piece out after the Evening Post's?") == []
    assert ledger.unknown("Did Bloomberg's article say the line opens in May?") == ["Bloomberg"]


def test_a_story_a_headline_names_or_a_number_is_not_a_publication() -> None:
    titles = ["Kessing Street Bridge shut for 14 weeks after cracks found"]
    matcher = SourceMatcher(SOURCES, titles)
    assert matcher.unknown("Who is the highways director in the Kessing Street Bridge story?") == []
    assert matcher.unknown("Is the 'Verge' article consistent with the October 28 article?") == []
    # a publication is still one even when an article's body mentions it
    assert matcher.unknown("What did the Bloomberg story say about the bridge?") == ["Bloomberg"]
    assert SourceMatcher(SOURCES).unknown("What did the Kessing Street Bridge story say?") == [
        "Kessing Street Bridge"
    ]


_HEADLINE_WORDS = st.sampled_from(["a", "ab", "b", "ba", "bridge", "street", "1", "14", "x1"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_HEADLINE_WORDS, max_size=6), min_size=1, max_size=4),
    st.lists(_HEADLINE_WORDS, min_size=1, max_size=3),
)
def test_a_headline_phrase_is_found_only_as_whole_words(
    headlines: list[list[str]], words: list[str]
) -> None:
    lines, phrase = "\n".join(" ".join(h) for h in headlines), " ".join(words)
    expected = re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", lines) is not None
    assert _has_phrase(lines, phrase) == expected


def test_lower_case_words_are_not_publications() -> None:
    matcher = SourceMatcher(SOURCES)
    assert matcher.find("they made a fortune on the verge of collapse") == []
    assert matcher.find("according to Fortune") == ["Fortune"]


def test_aliases_drop_taglines_and_dot_com() -> None:
    assert aliases("The Roar | Sports Writers Blog") == {
        "The Roar | Sports Writers Blog",
        "The Roar",
        "Roar | Sports Writers Blog",  # people drop a leading "The"
        "Roar",
    }
    assert "CBSSports" in aliases("CBSSports.com")


def test_dates_in_common_spellings() -> None:
    text = "published on October 7, 2023, then 1st Nov 2023 and 2023-12-25; Sept. 30 2023"
    assert find_dates(text) == ["2023-10-07", "2023-11-01", "2023-12-25", "2023-09-30"]
    assert find_dates("in October 2023") == []


def test_analyse_combines_both() -> None:
    result = analyse("What did TechCrunch say on November 1, 2023?", SourceMatcher(SOURCES))
    assert result.sources == ("TechCrunch",) and result.dates == ("2023-11-01",)


def _hit(doc: str, i: int, score: float, text: str = "") -> Hit:
    node = TextNode(id_=f"{doc}-{i}", text=text or f"{doc} {i}", metadata={"doc_id": doc})
    return Hit(node=node, score=score)


def test_diversify_caps_passages_per_article_and_fills_from_the_rest() -> None:
    ranked = [_hit("a", i, 1 - i / 10) for i in range(4)] + [_hit("b", 0, 0.5)]
    picked = [h.node.node_id for h in diversify(ranked, 4, max_per_article=2)]
    assert picked == ["a-0", "a-1", "b-0", "a-2"]
    assert len(diversify(ranked, 10, 0)) == 5


def test_cover_prefers_a_passage_about_the_uncovered_half_of_the_question() -> None:
    query = "Did the striker score a goal, and what did the chancellor budget announce?"
    pool = [
        _hit("a", 0, 1.0, "The striker scored a late goal."),
        _hit("a", 1, 0.95, "The striker's goal came after a corner; the striker celebrated."),
        _hit("b", 0, 0.9, "The chancellor announced the budget."),
    ]
    picked = cover(query, pool, 2, FusionConfig(coverage_weight=1.0))
    assert [h.node.node_id for h in picked[:2]] == ["a-0", "b-0"]
