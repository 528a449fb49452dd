"""Discord bot under load through the fake Discord (real discord.py client, real sockets, real
engine): members asking at once over the MultiHop-RAG corpus, without and then with an admin
re-indexing throughout.

    python benchmarks/discord_load.py [--questions 200] [--members 20] [--impatient 4]
                                      [--revise 20] [--rate-limit 6] [--json]

Works on a copy of the indexed MultiHop-RAG store (default /tmp/eval-data, collection
multihop-full-c200o1), which is left untouched. The bot's sources are a copy of corpus.json; in
the second scenario the admin revises the next `--revise` articles of that copy (one sentence
appended to each) and runs `/reindex`, round after round until the members are done, so every
round re-embeds real articles while questions are answered.

Members: `--questions` MultiHop-RAG questions dealt round robin to `--members` members. Patient
members ask, wait for the answer, think 0.5-3 s, ask again; the first `--impatient` ask every
0.3-1.5 s without waiting (they are the ones the rate limit stops). Every 4th question of a
member is an `/ask`, the others are mentions.

Reported per scenario: answered, rate-limited, handler errors (ERROR log records: every handler
failure is logged), answer time (question posted -> the answer reached Discord) p50/p95/max,
heartbeats acknowledged on time (sent at most `--heartbeat-slack` late; one every
`--heartbeat-ms`) with the largest delay, and peak RSS of the process during the scenario. After
both: a final re-index must find every article unchanged (nothing lost, nothing stale).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.multihop import load_corpus, load_questions  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.settings import load_settings  # noqa: E402
from tests.discord_members import (  # noqa: E402
    LoadPlan,
    Pacing,
    RevisedCorpus,
    make_members,
    run_load,
)

MULTIHOP = ROOT.parent / "shared/eval/multihop-rag"
SCENARIOS = ("without re-index", "with concurrent /reindex")


def copy_store(source: Path, target: Path, collection: str) -> None:
    """Copy the Chroma store and the collection's BM25 files; the source is only read (sqlite's
    backup API in read-only mode gives a consistent copy even if someone else is reading it)."""
    (target / "chroma").mkdir(parents=True)
    for item in (source / "chroma").iterdir():
        if item.is_dir():
            shutil.copytree(item, target / "chroma" / item.name)
    src_db = f"file:{source / 'chroma' / 'chroma.sqlite3'}?mode=ro"
    with (
        sqlite3.connect(src_db, uri=True) as src,
        sqlite3.connect(target / "chroma" / "chroma.sqlite3") as dst,
    ):
        src.backup(dst)
    shutil.copytree(source / "bm25" / collection, target / "bm25" / collection)


def scenario_row(name: str, s: dict[str, Any]) -> str:
    t = s["answer_seconds"]
    return (
        f"| {name} | {s['questions']} | {s['answered']} | {s['rate_limited']} | "
        f"{s['handler_errors']} | {t['p50']:.1f} s | {t['p95']:.1f} s | {t['max']:.1f} s | "
        f"{s['heartbeats_acked_on_time']}/{s['heartbeats']} | "
        f"{s['heartbeat_max_delay_ms']:.0f} ms | {s['peak_rss_mb']:,.0f} MB |"
    )


def print_table(result: dict[str, Any]) -> None:
    cfg = result["config"]
    print(
        f"Discord bot under load through the fake: {result['articles']} articles, "
        f"{cfg['questions']} questions from {cfg['members']} members ({cfg['impatient']} "
        f"impatient, every 4th question an /ask), rate limit {cfg['rate_limit']}/min, "
        f"{cfg['engine_slots']} engine slots, heartbeat every {cfg['heartbeat_ms']} ms "
        f"(on time = at most {cfg['heartbeat_slack_ms']} ms late); {os.cpu_count()} cores, "
        f"load average {cfg['load_average']} at start"
    )
    print(
        "| scenario | questions | answered | rate-limited | handler errors | answer p50 | "
        "p95 | max | heartbeats acked on time | max heartbeat delay | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in SCENARIOS:
        print(scenario_row(name, result["scenarios"][name]))
    s = result["scenarios"][SCENARIOS[1]]
    print(
        f"\n/reindex: {s['reindex_rounds']} rounds ({s['reindex_failed']} failed), "
        f"{s['articles_reembedded']} articles re-embedded, "
        f"{', '.join(f'{x:.0f}' for x in s['reindex_seconds'])} s each."
    )
    for name in SCENARIOS:
        x = result["scenarios"][name]
        print(
            f"{name}: {x['seconds']:.0f} s, {x['answers_per_minute']} answers a minute; /ask "
            f"acknowledged in {x['ask_acknowledged_seconds']['max']:.2f} s at most "
            f"(of {x['ask_acknowledged_seconds']['n']}; Discord allows 3 s); no reply "
            f"{x['no_reply']}, other replies "
            f"{x['other_replies']}, REST errors {x['rest_errors']}, gateway sessions "
            f"{x['gateway_sessions']}, discord.py heartbeat round trip max "
            f"{x['bot_heartbeat_latency_max_ms']:.0f} ms"
        )
        for line in x["examples_not_ok"] + x["logged_errors_first"]:
            print(f"  {line}")
    print(f"after: {result['after']}")


async def scenarios(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    questions = [q["query"] for q in load_questions(MULTIHOP)[: args.questions]]
    members = make_members(questions, args.members, args.impatient)
    pacing = Pacing(ask_every=4)
    common = {
        "members": members,
        "pacing": pacing,
        "heartbeat_ms": args.heartbeat_ms,
        "bot_settings": {"rate_limit_per_minute": args.rate_limit},
        "seed": args.seed,
    }
    quiet = await run_load(engine, LoadPlan(**common))
    corpus = RevisedCorpus(load_corpus(MULTIHOP), engine.settings.sources[0], args.revise)
    busy = await run_load(engine, LoadPlan(**common, corpus=corpus))
    slack = args.heartbeat_slack
    return {SCENARIOS[0]: quiet.summary(slack), SCENARIOS[1]: busy.summary(slack)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/eval-data"))
    parser.add_argument("--collection", default="multihop-full-c200o1")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--impatient", type=int, default=4, help="members who don't wait")
    parser.add_argument("--revise", type=int, default=20, help="articles changed per re-index")
    parser.add_argument("--rate-limit", type=int, default=6, help="questions per member a minute")
    parser.add_argument("--heartbeat-ms", type=int, default=250)
    parser.add_argument("--heartbeat-slack", type=float, default=1.0, help="seconds late allowed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary store copy")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsbot-discord-load-"))
    load_average = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        copy_store(args.store, work / "data", args.collection)
        sources = work / "sources" / "corpus.json"
        sources.parent.mkdir()
        shutil.copyfile(MULTIHOP / "corpus.json", sources)
        settings = load_settings(
            data_dir=work / "data", collection=args.collection, sources=[sources]
        )
        engine = Engine(settings)
        before = engine.stats()
        started = time.perf_counter()
        result: dict[str, Any] = {
            "articles": before.articles,
            "config": {
                "questions": args.questions,
                "members": args.members,
                "impatient": args.impatient,
                "revise_per_round": args.revise,
                "rate_limit": args.rate_limit,
                "engine_slots": settings.max_concurrent_answers,
                "heartbeat_ms": args.heartbeat_ms,
                "heartbeat_slack_ms": round(args.heartbeat_slack * 1000),
                "load_average": load_average,
            },
            "scenarios": asyncio.run(scenarios(engine, args)),
        }
        final = engine.index()
        after = engine.stats()
        result["after"] = (
            f"final re-index {final.summary()}; {before.articles} articles / {before.chunks:,} "
            f"chunks before, {after.articles} / {after.chunks:,} after"
        )
        result["seconds"] = round(time.perf_counter() - started, 1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
