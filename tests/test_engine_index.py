"""Indexing through the engine, on a real embedded Chroma and a real Chroma server."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index.chunks import CHUNK_KEYS
from index.errors import ArticleNotFound, NewsbotError
from index.store.sentence_vectors import embed_sentences, sentences_of
from tests.conftest import SEEDS


def _write(path: Path, title: str, body: str) -> Path:
    header = f"---\ntitle: {title}\nsource: Test Wire\npublished_at: 2024-02-01\n---\n"
    path.write_text(header + body + "\n")
    return path


LIGHTHOUSE = (
    "The old lighthouse on Gull Island was restored by volunteers this spring. "
    "Its lamp, dark since 1962, now shines every night from dusk until dawn. "
    "The restoration cost 48,000 euros, raised entirely through a village bake sale."
)
ORCHARD = (
    "A frost in late April destroyed most of the apple blossom in the valley orchards. "
    "Growers expect the smallest harvest in thirty years. "
    "Cider makers say prices will rise by a fifth."
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(folder / "lighthouse.md", "Lighthouse shines again", LIGHTHOUSE)
    _write(folder / "orchard.md", "Frost ruins apple harvest", ORCHARD)
    shutil.copy(SEEDS / "pakistan-iran-strikes.md", folder)
    return folder


def test_index_then_unchanged_costs_no_embedding(make_engine, corpus, embedder, mode) -> None:
    engine = make_engine()
    first = engine.index([corpus])
    assert len(first.added) == 3 and not first.skipped
    assert engine.stats().articles == 3 and engine.stats().chunks >= 3

    embedder.reset()
    again = make_engine().index([corpus])  # a new process would see the same
    assert len(again.unchanged) == 3 and not again.added and not again.updated
    assert embedder.embedded == 0 and again.chunks_embedded == 0


def test_edited_article_is_replaced_whole(make_engine, corpus, mode) -> None:
    engine = make_engine()
    engine.index([corpus])
    _write(
        corpus / "lighthouse.md",
        "Lighthouse shines again",
        LIGHTHOUSE.replace("48,000 euros", "95,000 euros"),
    )
    report = engine.index([corpus])
    assert len(report.updated) == 1 and len(report.unchanged) == 2
    passages = engine.sources("How much did the lighthouse restoration cost?", k=10)
    texts = " ".join(p.text for p in passages if "Lighthouse" in p.title)
    assert "95,000" in texts and "48,000" not in texts
    assert engine.stats().chunks == sum(r.chunks for r in engine.store.articles().values())
    # no chunk of the old version is left in Chroma at all
    assert engine.store.sweep_orphans() == 0


def test_dense_search_within_one_publication(make_engine, corpus, mode, monkeypatch) -> None:
    from index.store import chroma as chroma_store

    engine = make_engine()
    engine.index([corpus])
    wire = engine.keyword.ids_where("source", "Test Wire")
    assert len(wire) == 2 and engine.keyword.ids_where("source", "Nobody") == []
    vector = engine.embedder.embed(["apple harvest frost"])[0].tolist()
    found = engine.store.dense(vector, 5, among=wire)
    assert {n.metadata["source"] for n, _ in found} == {"Test Wire"}
    assert found[0][0].metadata["title"] == "Frost ruins apple harvest"
    assert engine.store.dense(vector, 5, among=[]) == []
    # Ids another process's re-index already deleted are skipped, not an error: by Chroma's
    # search among them, and by a process that reads their vectors to compare them.
    engine.store.chroma.chunks.delete(ids=[wire[1]])
    assert [n.node_id for n, _ in make_engine().store.dense(vector, 5, among=wire)] == [wire[0]]
    monkeypatch.setattr(chroma_store, "exact_up_to", lambda chunks: 0)
    assert [n.node_id for n, _ in engine.store.dense(vector, 5, among=wire)] == [wire[0]]
    assert engine.store.dense(vector, 5, among=[wire[1]]) == []
    # The lists follow the index: a new version's chunks replace the old ones.
    _write(corpus / "orchard.md", "Frost ruins apple harvest", ORCHARD + " Growers want aid.")
    engine.index([corpus])
    assert set(engine.keyword.ids_where("source", "Test Wire")) == {
        n.node_id for n in engine.store.live_nodes() if n.metadata["source"] == "Test Wire"
    }


def test_dense_search_within_a_large_set_asks_chroma_without_the_ids(
    make_engine, corpus, mode, monkeypatch
) -> None:
    """Past a size, the set's nearest chunks are the whole store's nearest kept to the set:
    the same chunks and distances as Chroma's search among the ids, without sending them."""
    from index.store import chroma as chroma_store
    from index.store import nearest_among

    engine = make_engine()
    engine.index([corpus])
    vector = engine.embedder.embed(["apple harvest frost"])[0].tolist()
    pakistan = [n.node_id for n in engine.store.live_nodes() if "Pakistan" in n.text]
    sets = [engine.keyword.ids_where("source", "Test Wire"), pakistan, pakistan[:1]]
    # Chroma's own search among the ids, for reference
    monkeypatch.setattr(chroma_store, "exact_up_to", lambda chunks: 0)
    filtered = [engine.store.dense(vector, 3, among=ids) for ids in sets]
    asked: list[object] = []
    query = engine.store._query
    monkeypatch.setattr(
        engine.store, "_query", lambda v, n, ids: asked.append(ids) or query(v, n, ids)
    )
    monkeypatch.setattr(nearest_among, "POST_FILTER_FROM", 1)
    for ids, expected in zip(sets, filtered, strict=True):
        found = engine.store.dense(vector, 3, among=ids)
        assert [(n.node_id, round(d, 6)) for n, d in found] == [
            (n.node_id, round(d, 6)) for n, d in expected
        ]
    assert asked and all(ids is None for ids in asked)


def test_dense_search_within_a_small_set_compares_its_vectors_without_asking_chroma(
    make_engine, corpus, mode, monkeypatch
) -> None:
    """Up to a size, the set's chunk vectors are read and compared: the same chunks and
    distances as Chroma's search among the ids, without that search."""
    from index.store import chroma as chroma_store

    engine = make_engine()
    engine.index([corpus])
    vector = engine.embedder.embed(["apple harvest frost"])[0].tolist()
    pakistan = [n.node_id for n in engine.store.live_nodes() if "Pakistan" in n.text]
    sets = [engine.keyword.ids_where("source", "Test Wire"), pakistan, pakistan[:1]]
    monkeypatch.setattr(chroma_store, "exact_up_to", lambda chunks: 0)
    searched = [engine.store.dense(vector, 3, among=ids) for ids in sets]
    monkeypatch.undo()
    monkeypatch.setattr(engine.store, "_query", lambda *a: pytest.fail("Chroma was searched"))
    for ids, expected in zip(sets, searched, strict=True):
        found = engine.store.dense(vector, 3, among=ids)
        assert [(n.node_id, round(d, 5)) for n, d in found] == [
            (n.node_id, round(d, 5)) for n, d in expected
        ]
    assert len(searched[0]) == 2 and len(searched[2]) == 1


def _registry_reads(engine) -> list[str]:  # noqa: ANN001
    """A list that grows by one with each registry read the engine makes from now on."""
    reads: list[str] = []
    call = engine.store.chroma.call

    def counting(collection: str, method: str, *args, **kwargs):  # noqa: ANN202
        if (collection, method) == ("registry", "get"):
            reads.append(collection)
        return call(collection, method, *args, **kwargs)

    engine.store.chroma.call = counting
    return reads


def test_registered_versions_are_read_once_per_write(make_engine, corpus, mode) -> None:
    """Which version of an article is visible is read from the registry once per settled
    generation: questions after it read no registry, a write (here or in another process)
    makes the next question read it again."""
    engine = make_engine()
    engine.index([corpus])
    doc_ids = [a.id for a in engine.store.articles().values()]
    reads = _registry_reads(engine)
    before = engine.store.article_hashes(doc_ids)
    assert engine.store.article_hashes(doc_ids) == before and len(reads) == 1
    _write(corpus / "orchard.md", "Frost ruins apple harvest", ORCHARD + " Growers want aid.")
    other = make_engine()  # another process's write
    other.index([corpus])
    after = engine.store.article_hashes(doc_ids)
    orchard = next(a.id for a in other.store.articles().values() if "orchard" in a.origin)
    assert after[orchard] != before[orchard]
    assert {i: h for i, h in after.items() if i != orchard} == {
        i: h for i, h in before.items() if i != orchard
    }


def test_a_warmed_up_engine_reads_no_registry_for_its_questions_until_a_write(
    make_engine, corpus, mode
) -> None:
    engine = make_engine()
    engine.index([corpus])
    articles = engine.store.articles()
    reads = _registry_reads(engine)
    assert engine.store.preload_hashes() == len(articles) == 3  # what warm_up does first
    reads.clear()
    assert engine.store.article_hashes(list(articles)) == {
        i: r.content_hash for i, r in articles.items()
    }
    assert reads == []
    engine.warm_up()
    reads.clear()
    first = engine.sources("How much did the lighthouse restoration cost?")
    assert engine.sources("Did frost ruin the apple harvest?") and first and reads == []
    _write(corpus / "lighthouse.md", "Lighthouse shines again", LIGHTHOUSE.replace("48", "95"))
    make_engine().index([corpus])  # another process's write
    texts = " ".join(p.text for p in engine.sources("How much did the lighthouse cost?", k=10))
    assert reads and "95,000" in texts and "48,000" not in texts


def test_chunks_are_read_from_the_keyword_file_as_chroma_holds_them(
    make_engine, corpus, mode
) -> None:
    engine = make_engine()
    engine.index([corpus])
    ids = [n.node_id for n in engine.store.live_nodes()]
    from_chroma = engine.store.reads.fetch_nodes(ids)
    from_keyword = engine.keyword.nodes_by_id(ids)
    assert set(from_keyword) == set(ids)
    for i in ids:
        assert from_keyword[i].text == from_chroma[i].text
        assert from_keyword[i].metadata == from_chroma[i].metadata
    asked: list[tuple] = []
    call = engine.store.chroma.call
    engine.store.chroma.call = lambda c, m, *a, **k: asked.append((c, m)) or call(c, m, *a, **k)
    vector = engine.embedder.embed(["apple harvest frost"])[0].tolist()
    assert engine.store.dense(vector, 3)
    assert ("chunks", "get") not in asked and ("bodies", "get") not in asked


def test_deleted_file_is_pruned(make_engine, corpus, mode) -> None:
    engine = make_engine()
    engine.index([corpus])
    (corpus / "orchard.md").unlink()
    report = engine.index([corpus])
    assert len(report.removed) == 1
    assert all("apple" not in p.text for p in engine.sources("apple harvest frost", k=10))
    kept = make_engine().index([corpus], prune=False)
    assert not kept.removed


def test_identical_text_under_two_names_is_stored_once(make_engine, corpus, mode) -> None:
    shutil.copy(corpus / "orchard.md", corpus / "orchard-copy.md")
    engine = make_engine()
    report = engine.index([corpus])
    assert len(report.added) == 3
    assert len(report.duplicates) == 1 and "same text as" in report.duplicates[0].reason
    assert engine.stats().articles == 3


def test_renamed_file_is_not_a_duplicate_of_its_old_self(make_engine, corpus) -> None:
    engine = make_engine()
    engine.index([corpus])
    (corpus / "orchard.md").rename(corpus / "apples.md")
    report = engine.index([corpus])
    assert len(report.added) == 1 and len(report.removed) == 1 and not report.duplicates


def test_bad_files_are_skipped_and_nothing_indexed_is_lost(make_engine, corpus, mode) -> None:
    engine = make_engine(max_file_bytes=5_000)
    engine.index([corpus])
    before = engine.stats()
    (corpus / "lighthouse.md").write_bytes(b"\xff\xfe\x00binary\x00junk")  # was indexed
    (corpus / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (corpus / "empty.txt").write_text("")
    (corpus / "huge.txt").write_text("word " * 2_000)
    (corpus / "broken.json").write_text('[{"title": 1,')
    report = engine.index([corpus])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert "binary" in reasons["lighthouse.md"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "too large" in reasons["huge.txt"]
    assert "JSON" in reasons["broken.json"]
    assert not report.removed  # the unreadable lighthouse file keeps its indexed version
    assert engine.stats().articles == before.articles


def test_json_corpus_shape_and_bad_records(make_engine, tmp_path: Path) -> None:
    data = tmp_path / "corpus.jsonl"
    good = {
        "title": "Frost",
        "body": ORCHARD,
        "source": "Wire",
        "url": "https://x/1",
        "published_at": "2023-10-01T08:00:00+00:00",
        "author": None,
        "category": "business",
    }
    data.write_text(
        "\n".join(__import__("json").dumps(r) for r in [good, {"title": "no body"}, [1, 2]])
    )
    engine = make_engine()
    report = engine.index([data])
    assert report.added == ["https://x/1"]
    assert len(report.skipped) == 2
    assert engine.forget("https://x/1") == "Frost"
    assert engine.stats().articles == 0


def test_forget_by_path_and_unknown(make_engine, corpus) -> None:
    engine = make_engine()
    engine.index([corpus])
    assert engine.forget(str(corpus / "orchard.md")) == "Frost ruins apple harvest"
    assert engine.stats().articles == 2
    with pytest.raises(ArticleNotFound):
        engine.forget("https://nowhere.example/x")


def test_missing_path_is_an_error(make_engine, tmp_path: Path) -> None:
    with pytest.raises(NewsbotError, match="no such file"):
        make_engine().index([tmp_path / "nope"])


def test_keyword_index_is_rebuilt_from_chroma_when_missing(make_engine, corpus, tmp_path) -> None:
    engine = make_engine()
    engine.index([corpus])
    shutil.rmtree(tmp_path / "data" / "bm25")
    fresh = make_engine()
    hits = fresh.keyword.search("lighthouse Gull Island lamp", 3)
    assert hits and "Lighthouse" in hits[0][0].metadata["title"]


def test_interrupted_replacement_stays_invisible_and_is_swept(make_engine, corpus) -> None:
    """Chunks written for a new version whose registry flip never happened are not served."""
    engine = make_engine()
    engine.index([corpus])
    from index.ingest.loaders import load_file
    from index.ingest.run import Indexer

    article = load_file(corpus / "orchard.md", 10**6)[0][0]
    changed = article.model_copy(update={"body": article.body + " Foxes ate the rest."})
    indexer = Indexer(engine.store, engine.embedder, engine.settings)
    nodes = indexer._nodes(changed)
    vectors = engine.embedder.embed([n.get_content("embed") for n in nodes])
    for node, vector in zip(nodes, vectors, strict=True):
        node.embedding = vector.tolist()
    engine.store.writes.add_chunks(nodes)
    engine.store.add_sentences(nodes, embed_sentences(nodes, engine.embedder.embed))
    engine.store.registry.stored_bodies.put([(changed.id, changed.content_hash, changed.body)])
    # ...and the process dies before the registry upsert
    found = engine.sources("Foxes ate the rest of the apples", k=10)
    assert all("Foxes" not in p.text for p in found)
    assert engine.store.sweep_orphans() == len(nodes)
    assert engine.store.sentence_store.ids() == _ids(engine.store.chroma.chunks)
    assert _body_versions(engine) == _registered_versions(engine)


def _ids(collection) -> set[str]:  # noqa: ANN001
    return set(collection.get(include=[])["ids"])


def _body_versions(engine) -> set[tuple[str, str]]:  # noqa: ANN001
    got = engine.store.chroma.bodies.get(include=["metadatas"])
    return {(m["doc_id"], m["content_hash"]) for m in got["metadatas"]}


def _registered_versions(engine) -> set[tuple[str, str]]:  # noqa: ANN001
    return {(i, r.content_hash) for i, r in engine.store.articles().items()}


def test_each_article_version_s_body_is_one_compressed_record_that_goes_with_its_chunks(
    make_engine, corpus, mode
) -> None:
    """A body was the registry record's document, which Chroma indexes word by word (3.8 kB a
    chunk of the MultiHop-RAG store); now each version's body is one compressed record."""
    engine = make_engine()
    engine.index([corpus])
    assert not any(engine.store.chroma.registry.get(include=["documents"])["documents"])
    got = engine.store.chroma.bodies.get(include=["documents", "metadatas"])
    assert not any(got["documents"])
    texts = [engine.article_body(m["doc_id"]) for m in got["metadatas"]]
    assert sum(len(m["body"]) for m in got["metadatas"]) < 0.8 * sum(map(len, texts))
    assert _body_versions(engine) == _registered_versions(engine)
    doc_id = next(i for i, r in engine.store.articles().items() if r.title.startswith("Light"))
    assert engine.article_body(doc_id) == LIGHTHOUSE

    _write(corpus / "lighthouse.md", "Lighthouse shines again", LIGHTHOUSE + " It was repainted.")
    assert len(engine.index([corpus]).updated) == 1
    assert engine.article_body(doc_id) == LIGHTHOUSE + " It was repainted."
    assert _body_versions(engine) == _registered_versions(engine)
    engine.forget(str(corpus / "orchard.md"))
    assert _body_versions(engine) == _registered_versions(engine)
    assert len(_registered_versions(engine)) == 2


def test_every_chunk_keeps_its_sentence_vectors_through_edits_and_removal(
    make_engine, corpus, mode
) -> None:
    engine = make_engine()
    engine.index([corpus])
    store = engine.store
    assert store.sentence_store.ids() == _ids(store.chroma.chunks)
    node = next(iter(store.live_nodes()))
    rows = store.sentence_vectors_of([node.node_id])[node.node_id].astype(np.float32)
    assert rows.shape == (len(sentences_of(node.get_content())), 384)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-2)
    first = engine.embedder.embed(sentences_of(node.get_content())[:1])[0]
    assert np.allclose(rows[0], first, atol=1e-2)

    _write(corpus / "lighthouse.md", "Lighthouse shines again", LIGHTHOUSE + " It was repainted.")
    assert len(engine.index([corpus]).updated) == 1
    assert store.sentence_store.ids() == _ids(store.chroma.chunks)
    engine.forget(str(corpus / "orchard.md"))
    assert store.sentence_store.ids() == _ids(store.chroma.chunks)
    assert len(_ids(store.chroma.chunks)) >= 2


def test_an_index_from_before_sentence_vectors_gets_them_on_the_next_run(
    make_engine, corpus, mode
) -> None:
    engine = make_engine()
    engine.index([corpus])
    chunk_ids = _ids(engine.store.chroma.chunks)
    for doc_id in engine.store.articles():  # as an older newsbot left it,
        engine.store.sentence_store.delete(doc_id)
    engine.store.chroma.registry.modify(metadata={"generation": "older"})  # which kept no "tidy"
    older = make_engine()
    from index.store.consistency import check_consistency

    assert "chunks without sentence vectors" in check_consistency(older.store).summary()
    # Until then each chunk's own vector stands for its sentences: questions still work.
    hits = older.retriever.search("How much did restoring the lighthouse cost?", 3).hits
    assert hits[0].node.metadata["title"] == "Lighthouse shines again"

    ticks: list = []
    report = older.index([corpus], progress=ticks.append)
    assert len(report.unchanged) == 3 and report.chunks_embedded == 0
    assert older.store.sentence_store.ids() == chunk_ids
    filled = [t for t in ticks if t.stage == "sentences"]
    assert filled[-1].done == filled[-1].total == len(chunk_ids)
    ticks.clear()
    older.index([corpus], progress=ticks.append)
    assert not [t for t in ticks if t.stage == "sentences"]


def test_a_chunk_record_holds_its_vector_and_metadata_not_its_text(
    make_engine, corpus, mode
) -> None:
    """The text is `body[start:end]` of the registry's body: stored again in the chunk record
    (and, through llama-index's writer, in its node JSON) it cost Chroma most of its disk."""
    engine = make_engine()
    engine.index([corpus])
    got = engine.store.chroma.chunks.get(include=["documents", "metadatas"])
    assert got["ids"] and all(text is None for text in got["documents"])
    assert all(set(meta) <= set(CHUNK_KEYS) for meta in got["metadatas"])
    hits = engine.retriever.search("How much did restoring the lighthouse cost?", 3).hits
    body = engine.store.registry.body(hits[0].node.metadata["doc_id"])
    meta = hits[0].node.metadata
    assert hits[0].node.get_content() == body[meta["start"] : meta["end"]]
    assert "48,000 euros" in hits[0].node.get_content()


def test_a_store_written_by_llama_index_s_chroma_writer_still_reads(
    make_engine, corpus, tmp_path
) -> None:
    """Stores made before the records lost their text hold llama-index's layout (the text as
    the document, the node as JSON) and the bodies as the registry records' documents:
    questions, the keyword rebuild and the check read both."""
    engine = make_engine()
    engine.index([corpus])
    from llama_index.vector_stores.chroma import ChromaVectorStore

    nodes = list(engine.store.live_nodes())
    vectors = engine.store.vectors_of([n.node_id for n in nodes])
    for node in nodes:
        node.embedding = vectors[node.node_id].tolist()
    chunks = engine.store.chroma.chunks
    chunks.delete(ids=[n.node_id for n in nodes])
    ChromaVectorStore(chroma_collection=chunks).add(nodes)
    assert all(chunks.get(include=["documents"])["documents"])
    registry, bodies = engine.store.chroma.registry, engine.store.chroma.bodies
    records = registry.get(include=["metadatas", "embeddings"])
    texts = [engine.article_body(i) for i in records["ids"]]
    registry.upsert(
        ids=records["ids"],
        documents=texts,
        metadatas=records["metadatas"],
        embeddings=records["embeddings"],
    )
    bodies.delete(ids=bodies.get(include=[])["ids"])  # and the bodies in the registry
    shutil.rmtree(tmp_path / "data" / "bm25")

    older = make_engine()
    hits = older.retriever.search("How much did restoring the lighthouse cost?", 3).hits
    assert "48,000 euros" in hits[0].node.get_content()
    assert older.keyword.search("lighthouse Gull Island lamp", 3)
    from index.store.consistency import check_consistency

    assert check_consistency(older.store, older.keyword).ok
    # An article indexed again takes the new layout: its old body goes from the registry.
    _write(corpus / "lighthouse.md", "Lighthouse shines again", LIGHTHOUSE + " It was repainted.")
    assert len(older.index([corpus]).updated) == 1
    doc_id = next(i for i, r in older.store.articles().items() if r.title.startswith("Light"))
    assert registry.get(ids=[doc_id], include=["documents"])["documents"] == [""]
    assert older.article_body(doc_id) == LIGHTHOUSE + " It was repainted."
    assert check_consistency(older.store, older.keyword).ok
