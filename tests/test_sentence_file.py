"""Sentence vectors of an embedded store in a file of its own (issue 31): compact entries, not
Chroma metadata; a store of the earlier format converted when first opened; a damaged file set
aside and filled again by the next index run. (Kills mid-write: tests/test_kill_index.py.)"""

from __future__ import annotations

import base64
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.engine import Engine
from index.store.consistency import check_consistency
from index.store.sentence_file import sentence_file_path
from index.store.sentence_vectors import embed_sentences, sentences_of
from tests.conftest import SEEDS
from tests.test_damaged_store import damage_table

QUESTION = "How many people did the Pakistani strike kill?"
DIMENSIONS = 384


def _chroma_names(engine: Engine) -> set[str]:
    return {c.name for c in engine.store.chroma.client.list_collections()}


def _file(engine: Engine) -> Path:
    return sentence_file_path(engine.settings.data_dir, engine.settings.collection)


def _visible_nodes(engine: Engine) -> list:
    return list(engine.store.live_nodes())


def _cosines(stored: np.ndarray, exact: np.ndarray) -> np.ndarray:
    stored = stored.astype(np.float32)
    return (stored * exact).sum(axis=1) / np.linalg.norm(stored, axis=1)


def test_an_embedded_store_keeps_sentence_vectors_in_its_own_file(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine()
    engine.index([SEEDS])
    nodes = _visible_nodes(engine)
    assert f"{engine.settings.collection}-sentences" not in _chroma_names(engine)
    assert _file(engine).exists()
    assert engine.store.sentence_store.ids() == {n.node_id for n in nodes}

    exact = embed_sentences(nodes, engine.embedder.embed)
    stored = engine.store.sentence_vectors_of([n.node_id for n in nodes])
    for node in nodes:
        rows = stored[node.node_id]
        assert rows.dtype == np.float16
        assert rows.shape == (len(sentences_of(node.get_content())), DIMENSIONS)
        assert _cosines(rows, exact[node.node_id]).min() > 0.999
    # int8 rows and a float16 scale each: half what float16 rows take
    rows = sum(len(sentences_of(n.get_content())) for n in nodes)
    with sqlite3.connect(f"file:{_file(engine)}?mode=ro", uri=True) as conn:
        stored_bytes = conn.execute("SELECT sum(length(vectors)) FROM sentences").fetchone()[0]
    assert stored_bytes == rows * (DIMENSIONS + 2)


def _as_an_earlier_release_stored_it(engine: Engine) -> dict[str, np.ndarray]:
    """Put the store's sentence vectors back where releases before this one kept them (float16
    base64 text in the records of the `<name>-sentences` collection) and remove the file; the
    exact vectors, by chunk id."""
    nodes = _visible_nodes(engine)
    exact = embed_sentences(nodes, engine.embedder.embed)
    collection = engine.store.chroma.client.get_or_create_collection(
        f"{engine.settings.collection}-sentences", embedding_function=None
    )
    collection.upsert(
        ids=[n.node_id for n in nodes],
        embeddings=[[1.0]] * len(nodes),
        metadatas=[
            {
                "doc_id": n.metadata["doc_id"],
                "content_hash": n.metadata["content_hash"],
                "dimensions": DIMENSIONS,
                "vectors": base64.b64encode(exact[n.node_id].astype("<f2").tobytes()).decode(),
            }
            for n in nodes
        ],
    )
    engine.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{_file(engine)}{suffix}").unlink(missing_ok=True)
    return exact


def test_a_store_of_the_earlier_format_is_converted_on_first_open(
    make_engine: Callable[..., Engine], caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine()
    engine.index([SEEDS])
    before = [p.chunk_id for p in engine.sources(QUESTION)]
    exact = _as_an_earlier_release_stored_it(engine)

    with caplog.at_level(logging.INFO):
        opened = make_engine()
    assert any("moving the sentence vectors of" in r.getMessage() for r in caplog.records)
    assert f"{opened.settings.collection}-sentences" not in _chroma_names(opened)
    stored = opened.store.sentence_vectors_of(list(exact))
    assert set(stored) == set(exact)
    for chunk_id, rows in exact.items():
        assert _cosines(stored[chunk_id], rows).min() > 0.999
    report = check_consistency(opened.store, opened.keyword)
    assert report.ok and report.without_sentences == 0 and report.last_write == "finished"
    assert [p.chunk_id for p in opened.sources(QUESTION)] == before
    assert "nine" in opened.ask(QUESTION).answer
    opened.close()

    caplog.clear()
    with caplog.at_level(logging.INFO):
        again = make_engine()  # nothing left to convert
    assert not any("moving the sentence vectors" in r.getMessage() for r in caplog.records)
    assert again.store.sentence_store.count() == len(exact)


def test_a_damaged_sentence_file_is_set_aside_and_filled_again(
    make_engine: Callable[..., Engine], caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine()
    engine.index([SEEDS])
    chunks = engine.store.sentence_store.ids()
    engine.close()
    damage_table(_file(engine), "sentences")

    with caplog.at_level(logging.WARNING):
        damaged = make_engine()
        answer = damaged.ask(QUESTION)  # each chunk's own vector stands in meanwhile
    assert "nine" in answer.answer and answer.citations
    warnings = [r.getMessage() for r in caplog.records if "sentence vectors in" in r.getMessage()]
    assert len(warnings) == 1 and "moved aside" in warnings[0], warnings
    assert list(_file(engine).parent.glob("*.damaged-*"))
    assert "chunks without sentence vectors" in check_consistency(damaged.store).summary()

    report = damaged.index([SEEDS])  # nothing changed, but the sentences are embedded again
    assert report.chunks_embedded == 0 and damaged.store.sentence_store.ids() == chunks
    assert check_consistency(damaged.store, damaged.keyword).ok
