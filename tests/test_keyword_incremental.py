"""The keyword side follows the registry one article at a time: after adds, edits and forgets it
holds what a full rebuild from Chroma holds, with bm25s's own scores (the learned ranker's keyword
features); a write whose keyword update never happened is detected and repaired on open; the
caches stay within their limits."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
import pytest
import Stemmer
from llama_index.retrievers.bm25 import BM25Retriever

from index.engine import keyword_folder
from index.store import bm25_blocks
from index.store.bm25_postings import Postings
from index.store.caches import PostingsCache
from index.store.consistency import check_consistency
from index.store.keyword_index import KeywordIndex
from index.store.keyword_stamps import versions_stamp
from tests.conftest import SEEDS

QUERIES = [
    "lighthouse lamp restored by volunteers",
    "frost apple harvest cider prices",
    "Pakistan Iran strikes",
    "what did the village bake sale raise",
    "orchard growers expect the smallest harvest",
]


@pytest.fixture(autouse=True, params=["rows", "blocks"])
def sealing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: postings kept as rows (as a small store's are), and sealed into blocks
    once a term has two (as a large store's common terms are)."""
    if request.param == "blocks":
        monkeypatch.setattr(bm25_blocks, "SEAL", 2)
    return request.param


def _every_posting(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(term, chunk position, tf) of every posting in a keyword file, rows and blocks."""
    found = conn.execute("SELECT term, pos, tf FROM postings").fetchall()
    for term, *block in conn.execute("SELECT term, first, n, data FROM blocks"):
        pos, tf = bm25_blocks.decode(*block)
        found += [(term, int(p), int(t)) for p, t in zip(pos, tf, strict=True)]
    return found


def _write(path: Path, title: str, body: str) -> Path:
    header = f"---\ntitle: {title}\nsource: Test Wire\npublished_at: 2024-02-01\n---\n"
    path.write_text(header + body + "\n")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(
        folder / "lighthouse.md",
        "Lighthouse shines again",
        "The old lighthouse on Gull Island was restored by volunteers this spring. Its lamp, "
        "dark since 1962, shines every night. The restoration cost 48,000 euros, raised "
        "through a village bake sale.",
    )
    _write(
        folder / "orchard.md",
        "Frost ruins apple harvest",
        "A frost in late April destroyed the apple blossom in the valley orchards. Growers "
        "expect the smallest harvest in thirty years. Cider makers say prices will rise.",
    )
    shutil.copy(SEEDS / "pakistan-iran-strikes.md", folder)
    return folder


def _bm25s_hits(nodes: list, query: str, k: int) -> list[tuple[str, float]]:
    """What the bm25s index of earlier releases returned for `query` over `nodes`."""
    old = BM25Retriever.from_defaults(
        nodes=nodes, stemmer=Stemmer.Stemmer("english"), language="english", similarity_top_k=1
    )
    tokens = bm25s.tokenize(
        query, stemmer=old.stemmer, token_pattern=old.token_pattern, show_progress=False
    )
    found, scores = old.bm25.retrieve(
        tokens, corpus=np.arange(len(nodes)), k=min(k, len(nodes)), show_progress=False
    )
    ids = [n.node_id for n in nodes]
    return [(ids[i], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]


def _hits(keyword: KeywordIndex, query: str, k: int = 50) -> list[tuple[str, float]]:
    return [(n.node_id, s) for n, s in keyword.search(query, k)]


def test_adds_edits_and_forgets_agree_with_a_full_rebuild(
    make_engine, corpus, tmp_path, sealing
) -> None:
    engine = make_engine()
    engine.index([corpus])
    if sealing == "blocks":  # the edits below change terms sealed in blocks
        with sqlite3.connect(engine.keyword.path) as conn:
            assert conn.execute("SELECT count(*) FROM blocks").fetchone()[0] > 20
    _write(
        corpus / "orchard.md",
        "Frost ruins apple harvest",
        "A late frost destroyed the blossom. Growers expect a poor harvest; cider will cost more.",
    )
    engine.index([corpus])  # a replace
    engine.forget(str(corpus / "lighthouse.md"))
    _write(corpus / "lighthouse.md", "Lighthouse", "The lighthouse lamp shines again at night.")
    engine.index([corpus])  # an add after a forget

    nodes = list(engine.store.live_nodes())
    rebuilt = KeywordIndex(tmp_path / "rebuilt")
    rebuilt.rebuild(nodes, "rebuilt")
    assert engine.keyword.chunk_ids() == rebuilt.chunk_ids() == {n.node_id for n in nodes}
    for query in QUERIES:
        ranked = _hits(engine.keyword, query)
        assert ranked, query
        assert sorted(ranked) == sorted(_hits(rebuilt, query)), query
        # bm25s's own scores, bit for bit: the ranker's keyword features mean what they meant.
        assert dict(ranked) == dict(_bm25s_hits(nodes, query, 50)), query
    # Removal finds a chunk's postings by tokenizing it again: none is left behind.
    assert _postings(engine.keyword.path) == _postings(rebuilt.path)
    # Each term's count of chunks (what a search skips common terms by) followed every write.
    assert _document_frequencies(engine.keyword.path) == _document_frequencies(rebuilt.path)


def _document_frequencies(path: Path) -> dict[str, int]:
    """Each term's stored count of chunks holding it, checked against its postings."""
    with sqlite3.connect(path) as conn:
        stored = dict(conn.execute("SELECT term, df FROM terms WHERE df > 0").fetchall())
        counted = Counter(term for term, _, _ in _every_posting(conn))
    assert stored == dict(counted)
    return stored


def _postings(path: Path) -> set[tuple[str, str, int]]:
    """(term, chunk id, tf) of every posting in a keyword file."""
    with sqlite3.connect(path) as conn:
        ids = dict(conn.execute("SELECT pos, chunk_id FROM chunks").fetchall())
        found = _every_posting(conn)
    assert len(found) == len(set(found)) and {pos for _, pos, _ in found} <= set(ids)
    return {(term, ids[pos], tf) for term, pos, tf in found}


def test_a_chunk_tokenized_otherwise_than_when_added_still_leaves_no_postings(
    make_engine, corpus
) -> None:
    """Should a chunk's text no longer tokenize as it did (a header made differently by a
    later release), its removal finds its postings by reading them all."""
    engine = make_engine()
    engine.index([corpus])
    path = engine.keyword.path
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE chunks SET metadata = json_set(metadata, '$.title', 'Other words entirely')"
        )
        before = len(_every_posting(conn))
        gone = {
            p for (p,) in conn.execute("SELECT pos FROM chunks WHERE doc_id LIKE '%lighthouse%'")
        }
        lighthouse = sum(pos in gone for _, pos, _ in _every_posting(conn))
    engine.forget(str(corpus / "lighthouse.md"))
    with sqlite3.connect(path) as conn:
        assert len(_every_posting(conn)) == before - lighthouse
        live = {p for (p,) in conn.execute("SELECT pos FROM chunks")}
        assert {pos for _, pos, _ in _every_posting(conn)} <= live
    assert not [n for n, _ in engine.keyword.search("lighthouse Gull Island", 5)]


def test_rebuilt_index_ranks_as_bm25s_does(tmp_path: Path) -> None:
    """Same scores and the same order, ties included (many chunks here score alike)."""
    from llama_index.core.schema import TextNode

    words = ["court", "ruling", "market", "storm", "vaccine", "budget", "poll", "court ruling"]
    nodes = [
        TextNode(id_=f"n{i}", text=f"{words[i % 8]} {words[(i * 3) % 8]} {words[i % 5]} item")
        for i in range(200)
    ]
    keyword = KeywordIndex(tmp_path / "kw")
    keyword.rebuild(nodes, "x")
    for query in ("court ruling", "storm budget poll", "vaccine market court"):
        assert _hits(keyword, query, 30) == _bm25s_hits(nodes, query, 30), query


def test_a_write_the_keyword_side_missed_is_detected_and_repaired(make_engine, corpus) -> None:
    """What a process killed between Chroma's commit and the keyword transaction leaves."""
    engine = make_engine()
    engine.index([corpus])
    with engine.store.writing():  # the store changes; the keyword sync never happens
        engine.store.delete_article(next(iter(engine.store.articles())))
    folder = keyword_folder(engine.settings)
    report = check_consistency(engine.store, KeywordIndex(folder))
    assert report.keyword == "stale" and "rebuilt from Chroma" in report.summary()

    reopened = make_engine()  # the next process to open the engine repairs it
    report = check_consistency(reopened.store, KeywordIndex(folder))
    assert report.ok and report.keyword == "current"
    versions = {r.id: r.content_hash for r in reopened.store.articles().values()}
    assert KeywordIndex(folder).stored_stamp() == versions_stamp(versions)


def test_a_write_killed_before_it_finished_is_caught_up_on_open(make_engine, corpus) -> None:
    """Articles committed by a run that never finished (no new generation): the next process
    must not trust the generation the keyword index was synced at."""
    engine = make_engine()
    engine.index([corpus])
    engine.store.delete_article(next(iter(engine.store.articles())))  # no operation around it
    reopened = make_engine()
    report = check_consistency(reopened.store, KeywordIndex(keyword_folder(engine.settings)))
    assert report.ok and report.keyword == "current"
    _write(corpus / "extra.md", "Extra", "A new bakery opened on the harbour front on Friday.")
    reopened.index([corpus / "extra.md"], prune=False)  # after an unfinished write: full compare
    report = check_consistency(reopened.store, KeywordIndex(keyword_folder(engine.settings)))
    assert report.ok and report.keyword == "current"


def test_another_process_write_is_followed_on_refresh(make_engine, corpus, tmp_path) -> None:
    reader = make_engine()
    writer = make_engine()
    writer.index([corpus])
    assert reader.refresh()
    assert reader.keyword.chunk_ids() == {n.node_id for n in reader.store.live_nodes()}
    assert _hits(reader.keyword, "lighthouse lamp")


def test_postings_cache_keeps_within_its_bytes() -> None:
    cache = PostingsCache(limit=10_000)
    for i in range(100):
        got = Postings(1, [(p, 1) for p in range(i * 10, i * 10 + 50)])
        cache.put(f"t{i}", got)
        assert cache.used <= cache.limit
    assert cache.get("t99", 1) is not None and cache.get("t0", 1) is None
    assert cache.get("t99", 2) is None  # a term changed since: read again


def test_keyword_node_cache_keeps_within_its_count(corpus, make_engine, tmp_path) -> None:
    engine = make_engine()
    engine.index([corpus])
    keyword = KeywordIndex(keyword_folder(engine.settings), node_cache_bytes=8_000)
    for query in QUERIES:
        assert len(keyword.search(query, 10)) == len(_hits(engine.keyword, query, 10))
        assert keyword._nodes.used <= 8_000


def test_chunks_of_an_article_publication_or_date_are_found_through_an_index(
    tmp_path: Path,
) -> None:
    """`ids_where` (a dense search within a publication or a date, a slice's articles) looks
    these up in an index of the keyword file, not by reading every chunk's metadata: at a
    million chunks that read took seconds for each publication or date a question named."""
    import sqlite3

    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    nodes = [
        TextNode(
            id_=f"n{i}",
            text=f"storm item {i}",
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=f"d{i % 7}")},
            metadata={
                "doc_id": f"d{i % 7}",
                "source": f"Wire {i % 3}",
                "date": f"2024-01-0{i % 5}",
            },
        )
        for i in range(60)
    ]
    keyword = KeywordIndex(tmp_path / "kw")
    keyword.rebuild(nodes, "x")
    plans: list[str] = []
    conn = keyword._db()
    conn.set_trace_callback(lambda sql: plans.append(sql) if "FROM chunks WHERE" in sql else None)
    for key, value in (("doc_id", "d3"), ("source", "Wire 1"), ("date", "2024-01-02")):
        want = {n.node_id for n in nodes if n.metadata[key] == value}
        assert set(keyword.ids_where(key, value)) == want
    conn.set_trace_callback(None)
    assert len(plans) == 3
    with sqlite3.connect(keyword.path) as reader:
        for sql in plans:
            plan = " ".join(str(row[-1]) for row in reader.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING INDEX" in plan and not plan.startswith("SCAN"), (sql, plan)
