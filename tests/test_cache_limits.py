"""Memory that stays bounded: the store's caches keep within the bytes their settings give,
warm-up loads only what fits, and answers read what the caches miss."""

from __future__ import annotations

import gc

import numpy as np

from index.store.byte_cache import ByteLRU, size_of
from index.store.caches import ByChunkId
from tests.conftest import SEEDS


def test_byte_lru_drops_the_least_recently_used_first() -> None:
    cache: ByteLRU[str, np.ndarray] = ByteLRU(limit=3 * size_of(np.zeros(100)))
    for key in "abc":
        cache.put(key, np.zeros(100))
    cache.get("a")  # a is now the most recent
    cache.put("d", np.zeros(100))
    assert "b" not in cache and {"a", "c", "d"} <= {k for k in "abcd" if k in cache}
    assert cache.used <= cache.limit
    cache.put("big", np.zeros(10_000))  # larger than the whole cache: not kept
    assert "big" not in cache and cache.used <= cache.limit


def test_by_chunk_id_returns_what_it_cannot_keep() -> None:
    fetched: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, np.ndarray]:
        fetched.append(ids)
        return {i: np.zeros(1000, dtype=np.float32) for i in ids}

    cache = ByChunkId(limit=10_000, fetch=fetch)
    got = cache.get([f"c{i}" for i in range(20)])  # 80 kB asked, 10 kB of room
    assert len(got) == 20 and cache.used <= 10_000
    assert not cache.keep_if_room({"x": np.zeros(10_000, dtype=np.float32)})


def test_warm_up_loads_what_fits_and_answers_read_the_rest(make_engine) -> None:  # noqa: ANN001
    roomy = make_engine()
    roomy.index([SEEDS])
    roomy.warm_up()
    chunks = roomy.stats().chunks
    assert roomy.store.reads.sentences.used > 0

    tight = make_engine(sentence_cache_mb=0, node_cache_mb=0, keyword_cache_mb=0)
    tight.warm_up()
    assert tight.store.reads.sentences.used == 0 and tight.store.preload_sentence_vectors() == 0
    question = "What did Pakistan say about the strikes?"
    assert [p.chunk_id for p in tight.sources(question)] == [
        p.chunk_id for p in roomy.sources(question)
    ]
    assert tight.ask(question).answer == roomy.ask(question).answer
    assert chunks > 0


def test_a_warmed_up_engine_keeps_what_it_loaded_from_the_collector_until_closed(
    make_engine,  # noqa: ANN001
) -> None:
    engine = make_engine()
    engine.index([SEEDS])
    gc.unfreeze()
    engine.warm_up()
    assert gc.get_freeze_count() > 10_000  # the modules, the models, the caches
    assert engine.ask("What did Pakistan say about the strikes?").citations
    engine.close()
    assert gc.get_freeze_count() == 0
