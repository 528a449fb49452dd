"""Load through the fake Discord: members asking at once (some impatient, some via /ask) while an
admin keeps re-indexing with /reindex. Every question gets an answer or a rate-limit message, no
handler fails, every heartbeat is acknowledged and the gateway never reconnects, and the index
ends up matching its sources. The full-size run is benchmarks/discord_load.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.evaluation.multihop import load_corpus, load_questions, slice_corpus
from index.embedding import OnnxEmbedding
from index.engine import Engine
from index.settings import load_settings
from tests.conftest import MULTIHOP, SEEDS
from tests.discord_members import (
    OK_KINDS,
    LoadPlan,
    Pacing,
    RevisedCorpus,
    make_members,
    run_load,
)

ARTICLES = 20
BODY_CHARS = 1_200  # a couple of chunks per article: indexing stays a few seconds on 2 cores
QUESTIONS = 30
MEMBERS = 8


def slice_of_multihop(path: Path) -> tuple[list[dict[str, object]], list[str]]:
    """The first articles of MultiHop-RAG (cut short) and `QUESTIONS` questions about them."""
    articles, questions = slice_corpus(load_corpus(MULTIHOP), load_questions(MULTIHOP), ARTICLES)
    records = [{**a, "body": a["body"][:BODY_CHARS]} for a in articles]
    path.write_text(json.dumps(records), encoding="utf-8")
    asked = [q["query"] for q in questions] or ["How many people did the Pakistani strike kill?"]
    return records, [asked[i % len(asked)] for i in range(QUESTIONS)]


def test_members_asking_during_reindexes_all_get_answers_or_rate_limit_messages(
    embedder: OnnxEmbedding, tmp_path: Path
) -> None:
    corpus_file = tmp_path / "sources" / "multihop-slice.json"
    corpus_file.parent.mkdir()
    records, questions = slice_of_multihop(corpus_file)
    settings = load_settings(
        data_dir=tmp_path / "data", collection="discord-load", sources=[SEEDS, corpus_file]
    )
    engine = Engine(settings, embedder=embedder)
    engine.index()
    plan = LoadPlan(
        members=make_members(questions, MEMBERS, impatient=2),
        pacing=Pacing(think=(0.05, 0.3), impatient_gap=(0.05, 0.2), stagger=0.5, reply_timeout=90),
        corpus=RevisedCorpus(records, corpus_file, per_round=4),
        max_rounds=3,  # enough to overlap the questions; more only slows the test down
        heartbeat_ms=100,
        bot_settings={"rate_limit_per_minute": 2, "data_dir": tmp_path / "bot"},
        progress_interval=0.05,
        fail_on_errors=True,  # the fake raises at the first error discord.py logs
    )

    run = asyncio.run(asyncio.wait_for(run_load(engine, plan), 240))

    assert len(run.outcomes) == QUESTIONS
    not_ok = [o for o in run.outcomes if o.kind not in OK_KINDS]
    assert not not_ok, not_ok
    assert run.count("answer") > 0
    assert run.logged_errors == []
    assert run.rest_errors == []  # e.g. an /ask not acknowledged in time (10062)
    # the admin re-indexed while the members asked, each round re-embedding what it revised
    assert run.rounds and all(r.ok and r.updated == r.revised == 4 for r in run.rounds), run.rounds
    # heartbeats: every one acknowledged, and the gateway session never dropped
    assert len(run.beats) >= 3 and all(b.acked_at is not None for b in run.beats)
    assert run.sessions == 1
    # nothing lost: the index matches the revised file exactly
    again = engine.index()
    assert (again.added, again.updated, again.removed) == ([], [], [])
    assert len(again.unchanged) == engine.stats().articles == ARTICLES + 1
