"""A keyword search that skips most postings of its common terms still returns bm25s's top k,
with bm25s's scores: the skip is exact, not an approximation."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from llama_index.core.schema import TextNode

from index.store import bm25_blocks, bm25_top
from index.store.keyword_index import KeywordIndex
from index.store.term_reads import TermReads
from tests.test_keyword_incremental import _bm25s_hits, _hits

COMMON = ["said", "report", "company", "city"]
RARE = [f"word{i}" for i in range(300)]
QUERIES = [
    "what did the company report about word250 and word251",
    "city said word42 word43 word44",
    "report said company city",  # common terms only: nothing can be skipped
    "word299 company",
]


def _corpus(count: int, seed: int) -> list[TextNode]:
    """Chunks of varied length, their words from a vocabulary where a few are in most chunks
    and most in few (as words in news are: Zipf's law)."""
    rng = random.Random(seed)
    vocabulary = COMMON + RARE
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    nodes = []
    for i in range(count):
        words = rng.choices(vocabulary, weights, k=rng.randint(4, 60))
        nodes.append(TextNode(id_=f"c{seed}-{i}", text=" ".join(words)))
    return nodes


def _queries(count: int) -> list[str]:
    rng = random.Random(7)
    words = COMMON + RARE
    return QUERIES + [" ".join(rng.sample(words, rng.randint(2, 7))) for _ in range(count)]


def _above_kth(hits: list[tuple[str, float]]) -> dict[str, float]:
    """The hits that do not tie with the last one: their order among equals is free."""
    return {i: s for i, s in hits if s > hits[-1][1]}


def _assert_as_bm25s(keyword: KeywordIndex, nodes: list[TextNode], query: str) -> None:
    """bm25s's top 10 scores, and its chunks above the 10th score."""
    got, expected = _hits(keyword, query, 10), _bm25s_hits(nodes, query, 10)
    assert [s for _, s in got] == [s for _, s in expected], query
    assert _above_kth(got) == _above_kth(expected), query


@pytest.fixture
def skipping(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every term is a candidate for skipping; records the terms scored only in the chunks
    that could still make the top k."""
    monkeypatch.setattr(bm25_top, "SCORE_WHOLE", 0)
    terms_of: dict[int, str] = {}
    skipped: list[str] = []
    whole, among = TermReads.whole, bm25_top._among

    def reading(self: TermReads, term: str):  # noqa: ANN202
        got = whole(self, term)
        terms_of[id(got)] = term
        return got

    def recording(got, *args):  # noqa: ANN001, ANN202
        skipped.append(terms_of[id(got)])
        return among(got, *args)

    monkeypatch.setattr(TermReads, "whole", reading)
    monkeypatch.setattr(bm25_top, "_among", recording)
    return skipped


def test_skipping_common_terms_keeps_bm25s_top_k_and_scores(tmp_path: Path, skipping) -> None:
    nodes = _corpus(3000, seed=1)
    keyword = KeywordIndex(tmp_path / "kw")
    keyword.rebuild(nodes, "x")
    for query in _queries(60):
        skipping.clear()
        _assert_as_bm25s(keyword, nodes, query)
        if query == QUERIES[0]:
            # The rare terms decided the top 10: "report" and "company" were scored in the
            # chunks that could still make it only.
            assert {"report", "compani"} <= set(skipping)


def test_skipping_follows_a_write(tmp_path: Path, skipping) -> None:
    """Document frequencies counted before a write are not used after it."""
    nodes = _corpus(2000, seed=2)
    keyword = KeywordIndex(tmp_path / "kw")
    keyword.rebuild(nodes, "x")
    for query in QUERIES:
        _hits(keyword, query, 10)
    nodes += _corpus(1500, seed=3)
    keyword.rebuild(nodes, "y")
    for query in _queries(20):
        _assert_as_bm25s(keyword, nodes, query)


def test_a_file_without_term_counts_gets_them_on_open(tmp_path: Path, skipping) -> None:
    nodes = _corpus(2000, seed=4)
    keyword = KeywordIndex(tmp_path / "kw")
    keyword.rebuild(nodes, "x")
    keyword.close()
    with sqlite3.connect(keyword.path) as conn:  # as files written before 2026-12-07 are
        conn.execute("ALTER TABLE terms DROP COLUMN df")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'format'")

    reopened = KeywordIndex(tmp_path / "kw")
    for query in _queries(10):
        _assert_as_bm25s(reopened, nodes, query)
    with sqlite3.connect(keyword.path) as conn:
        assert conn.execute("SELECT df FROM terms WHERE term = 'said'").fetchone()[0] > 1000
    reopened.close()
    # A process of the earlier release writing the file since left the counts behind (and
    # marked the file as its format): they are counted again.
    with sqlite3.connect(keyword.path) as conn:
        conn.execute("UPDATE terms SET df = 0")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'format'")
    again = KeywordIndex(tmp_path / "kw")
    for query in _queries(10):
        _assert_as_bm25s(again, nodes, query)


def test_a_file_without_blocks_has_its_common_terms_sealed_on_open(
    tmp_path: Path, skipping, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of the format before blocks (every posting a row) is converted once, in place:
    its common terms move into blocks, and searches score as bm25s's."""
    monkeypatch.setattr(bm25_blocks, "SEAL", 10**9)
    nodes = _corpus(2000, seed=5)
    keyword = KeywordIndex(tmp_path / "kw")
    keyword.rebuild(nodes, "x")
    keyword.close()
    with sqlite3.connect(keyword.path) as conn:  # as files written before blocks are
        conn.execute("DROP TABLE blocks")
        conn.execute("ALTER TABLE terms DROP COLUMN loose")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'format'")

    monkeypatch.setattr(bm25_blocks, "SEAL", 100)
    reopened = KeywordIndex(tmp_path / "kw")
    for query in _queries(10):
        _assert_as_bm25s(reopened, nodes, query)
    with sqlite3.connect(keyword.path) as conn:
        sealed = {t for (t,) in conn.execute("SELECT DISTINCT term FROM blocks")}
        left = dict(conn.execute("SELECT term, count(*) FROM postings GROUP BY term").fetchall())
        assert conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0] == "4"
    assert {"said", "report"} <= sealed and not sealed & set(left)
    assert max(left.values()) < 100
