"""Sentence vectors of an embedded store in a file of its own (issue 31): compact entries, not
Chroma metadata; a store of the earlier format converted when first opened; a damaged file set
aside and filled again by the next index run. (Kills mid-write: tests/test_kill_index.py.)"""

from __future__ import annotations

import base64
import logging
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.engine import Engine
from index.store.consistency import check_consistency
from index.store.sentence_file import sentence_file_path
from index.store.sentence_vectors import CODEC, embed_sentences, sentences_of
from tests.conftest import SEEDS
from tests.test_damaged_store import damage_table
from tests.test_discord_serve import NEWSBOT

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
    # the rows themselves: no text, no index of them (float16 here; int8 is half and a scale)
    rows = sum(len(sentences_of(n.get_content())) for n in nodes)
    with sqlite3.connect(f"file:{_file(engine)}?mode=ro", uri=True) as conn:
        stored_bytes = conn.execute("SELECT sum(length(vectors)) FROM sentences").fetchone()[0]
    assert stored_bytes == rows * DIMENSIONS * {"f16": 2, "i8": 1.0 + 2 / DIMENSIONS}[CODEC]


def _as_an_earlier_release_stored_it(engine: Engine, orphans: int = 0) -> dict[str, np.ndarray]:
    """Put the store's sentence vectors back where releases before this one kept them (float16
    base64 text in the records of the `<name>-sentences` collection), with entries of `orphans`
    chunks of an article version no longer registered, and remove the file; the exact vectors
    of the visible chunks, by chunk id."""
    nodes = _visible_nodes(engine)
    exact = embed_sentences(nodes, engine.embedder.embed)
    records = [(n.node_id, n.metadata["doc_id"], n.metadata["content_hash"]) for n in nodes]
    records += [(f"gone-{i:05d}", "gone://article", "0" * 64) for i in range(orphans)]
    rows = [exact.get(i, next(iter(exact.values()))) for i, _, _ in records]
    collection = engine.store.chroma.client.get_or_create_collection(
        f"{engine.settings.collection}-sentences", embedding_function=None
    )
    for start in range(0, len(records), 2000):
        page = range(start, min(start + 2000, len(records)))
        collection.upsert(
            ids=[records[i][0] for i in page],
            embeddings=[[1.0]] * len(page),
            metadatas=[
                {
                    "doc_id": records[i][1],
                    "content_hash": records[i][2],
                    "dimensions": DIMENSIONS,
                    "vectors": base64.b64encode(rows[i].astype("<f2").tobytes()).decode(),
                }
                for i in page
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


ORPHANS = 6000  # entries of no live article in the old collection: a conversion of 4 pages


def test_a_conversion_killed_midway_is_finished_by_the_next_open(
    make_engine: Callable[..., Engine], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL a `newsbot stats` converting an old-format store at random moments: the next
    open converts again from the start, every visible chunk keeps its vectors, and the entries
    of no live article (the old collection had them too) go with the next index run's sweep."""
    engine = make_engine()
    engine.index([SEEDS])
    exact = _as_an_earlier_release_stored_it(engine, orphans=ORPHANS)
    rng = random.Random(31)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")},
        "NEWSBOT_DATA_DIR": str(engine.settings.data_dir),
        "NEWSBOT_COLLECTION": engine.settings.collection,
        "NEWSBOT_LOG_LEVEL": "INFO",
        "NEWSBOT_WARM_MINUTES": "0",
    }
    for _ in range(3):  # each kill lands after a random page of the conversion, not the last
        child = subprocess.Popen(
            [NEWSBOT, "stats", "--json"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
        )
        pages = rng.randint(1, ORPHANS // 2000)
        try:
            assert child.stderr is not None
            for line in child.stderr:
                if "moved the sentence vectors of" in line:
                    pages -= 1
                if pages == 0:
                    break
            time.sleep(rng.uniform(0.0, 0.05))
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL

    with caplog.at_level(logging.INFO):
        opened = make_engine()  # converts whatever the kills left
    assert any("moving the sentence vectors" in r.getMessage() for r in caplog.records)
    assert f"{opened.settings.collection}-sentences" not in _chroma_names(opened)
    stored = opened.store.sentence_vectors_of(list(exact))
    assert all(_cosines(stored[i], rows).min() > 0.999 for i, rows in exact.items())
    assert opened.store.sentence_store.count() == len(exact) + ORPHANS
    opened.index([SEEDS])  # the kills left the store untidy: this run sweeps
    assert opened.store.sentence_store.ids() == set(exact)
    report = check_consistency(opened.store, opened.keyword)
    assert report.ok and report.without_sentences == 0 and report.last_write == "finished"


def test_the_int8_codec_keeps_cosines_and_halves_the_bytes(embedder) -> None:  # noqa: ANN001
    from index.store.sentence_vectors import decode, encode

    rows = embedder.embed(sentences_of(SEEDS.joinpath("pakistan-iran-strikes.md").read_text()))
    question = embedder.embed([QUESTION])[0]
    for codec, size in (("f16", 2 * DIMENSIONS), ("i8", DIMENSIONS + 2)):
        data = encode(rows, codec)
        assert len(data) == len(rows) * size
        back = decode(data, DIMENSIONS, codec)
        assert back.dtype == np.float16 and back.shape == rows.shape
        assert np.abs(back.astype(np.float32) @ question - rows @ question).max() < 2e-3
