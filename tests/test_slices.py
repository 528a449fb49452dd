"""Asking within a slice: a publication and/or a date range restrict retrieval, on the real
engine; relative dates in a question are read against today."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from index.engine import Engine
from index.results import ArticleSlice
from index.retrieval.slices import EmptySlice, from_source, relative_slice
from tests.feed_site import PAGES

VOLTERA = "How many jobs will Voltera cut?"


@pytest.fixture
def engine(make_engine: Callable[..., Engine], tmp_path: Path) -> Engine:
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in ("chipmaker", "drought", "harbour"):  # 26, 28 and 27 November 2026
        shutil.copy(PAGES / f"{page}.html", folder / f"{page}.html")
    engine = make_engine(sources=[folder])
    engine.index()
    return engine


BY_SOURCE = {
    "TechLedger": "chipmaker",
    "Daily Meridian": "drought",
    "The Coastline Courier": "harbour",
}


def _docs(passages: list) -> set[str]:  # noqa: ANN001
    return {BY_SOURCE[p.source] for p in passages}


def test_a_slice_restricts_what_is_found_and_answered(engine: Engine) -> None:
    assert "chipmaker" in _docs(engine.sources(VOLTERA))
    techledger = engine.ask(VOLTERA, within=ArticleSlice(source="techledger"))
    assert not techledger.refused and "1,200" in techledger.answer
    meridian = ArticleSlice(source="Daily Meridian")
    assert _docs(engine.sources(VOLTERA, within=meridian)) == {"drought"}
    assert "1,200" not in engine.ask(VOLTERA, within=meridian).answer
    later = ArticleSlice(since=date(2026, 11, 27))
    assert _docs(engine.sources(VOLTERA, within=later)) == {"drought", "harbour"}
    earlier = ArticleSlice(until=date(2026, 11, 27))
    assert _docs(engine.sources("water limits", within=earlier)) == {"chipmaker", "harbour"}
    with pytest.raises(EmptySlice, match="no indexed article is from Nobody"):
        engine.ask(VOLTERA, within=ArticleSlice(source="Nobody"))


def test_relative_dates_are_read_against_today() -> None:
    today = date(2026, 11, 29)  # a Sunday
    assert relative_slice("What happened yesterday?", today) == ArticleSlice(
        since=date(2026, 11, 28), until=date(2026, 11, 28)
    )
    assert relative_slice("news today", today) == ArticleSlice(since=today, until=today)
    assert relative_slice("What did the council decide this week?", today) == ArticleSlice(
        since=date(2026, 11, 23), until=today
    )
    assert relative_slice("Who scored last week?", today) == ArticleSlice(
        since=date(2026, 11, 16), until=date(2026, 11, 22)
    )
    assert not relative_slice("How many points in last week's game?", today)
    assert not relative_slice("What is the latest tour?", today)


def test_sources_are_matched_as_people_type_them(engine: Engine) -> None:
    """ "Coastline Courier" is "The Coastline Courier", in any case; a tagline need not be
    typed; a part of a name is not the name."""
    for typed in ("Coastline Courier", "the coastline courier", "THE COASTLINE COURIER"):
        found = engine.sources("harbour", within=ArticleSlice(source=typed))
        assert _docs(found) == {"harbour"}, typed
    assert from_source(ArticleSlice(source="The Roar"), "The Roar | Sports Writers Blog")
    assert from_source(ArticleSlice(source="Fox News"), "Fox News - Breaking News")
    assert not from_source(ArticleSlice(source="Coastline"), "The Coastline Courier")


def test_a_date_range_says_how_many_undated_articles_it_left_out(
    engine: Engine, tmp_path: Path
) -> None:
    """A .txt file cannot carry a date: a date range leaves such articles out, and the answer
    says so instead of only "no article is close"."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "voltera.txt").write_text(
        "Voltera memo\n\nVoltera will cut 1,200 jobs at its Lindholm plant, the memo says.\n"
    )
    (notes / "ferry.txt").write_text("Ferry memo\n\nThe ferry to Skarholm stops in winter.\n")
    engine.index([notes], prune=False)
    late = ArticleSlice(since=date(2026, 11, 29))
    with pytest.raises(EmptySlice, match="2 articles have no publication date"):
        engine.ask(VOLTERA, within=late)
    answer = engine.ask(VOLTERA, within=ArticleSlice(since=date(2026, 11, 27)))
    assert "Left out: 2 articles have no publication date" in answer.note
    assert not engine.ask(VOLTERA, within=ArticleSlice(source="TechLedger")).note
