"""Discord bot latency through the fake Discord server (real discord.py client, real sockets).

    python benchmarks/discord_latency.py [--data-dir DIR] [--collection NAME] [--questions 100]
                                         [--inflight 20]

Uses an already indexed store (default: the MultiHop-RAG benchmark store) read-only; the bot's
own files (answers log, uploads) go to a temporary folder. Measures, over `--questions`
MultiHop-RAG questions asked one at a time by mention:

* first sign of work: question posted -> the bot's typing indicator (POST /typing),
* answer: question posted -> the cited reply;
* and for the first `--slash` of them via `/ask`: the deferral and the edited-in answer;

then posts `--inflight` questions at once (from different users) and records the gateway
heartbeat round trip (discord.py's `latency`) and the gaps between heartbeats while they are
answered. Prints a markdown table; --json prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.discord.client import NewsBot  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.settings import load_settings  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402

QUESTIONS = ROOT.parent / "shared/eval/multihop-rag/MultiHopRAG.json"
HEARTBEAT_MS = 100


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def measure(
    engine: Engine, questions: list[str], inflight: int, slash: int
) -> dict[str, object]:
    bot_dir = Path(tempfile.mkdtemp(prefix="newsbot-discord-bench-"))
    settings = engine.settings.model_copy(update={"data_dir": bot_dir, "rate_limit_per_minute": 0})
    async with FakeDiscord(heartbeat_interval_ms=HEARTBEAT_MS) as fake:
        served = settings.model_copy(update={"discord_guild_id": [fake.guild_id]})
        bot = NewsBot(served, engine, guild_ready_timeout=0.01)
        async with fake.running(bot):
            await fake.wait_for_sync()
            typing_ms: list[float] = []
            answer_ms: list[float] = []
            for question in questions:
                since = len(fake.calls)
                started = time.perf_counter()
                msg = await fake.send_message(question, mentions_bot=True)
                reply = await fake.wait_for_reply(msg, timeout=60)
                typing = next(
                    c for c in fake.calls[since:] if c.route.endswith("/typing") and c.status
                )
                typing_ms.append(ms(typing.at - started))
                answer_ms.append(ms(reply.request.at - started))

            # /ask: the deferral ("newsbot is thinking…") and the edited-in answer
            defer_ms: list[float] = []
            slash_ms: list[float] = []
            for question in questions[:slash]:
                started = time.perf_counter()
                handle = await fake.slash("ask", {"question": question})
                await handle.wait_response(timeout=3)
                callback = next(
                    c for c in fake.calls if c.route.endswith(f"{handle.token}/callback")
                )
                defer_ms.append(ms(callback.at - started))
                await handle.wait_edit(timeout=60)
                slash_ms.append(ms(handle.original.requests[-1].at - started))

            # N questions at once, from N users; heartbeats every HEARTBEAT_MS meanwhile
            users = [fake.add_user(f"reader{i}") for i in range(inflight)]
            beats_before = len(fake.heartbeats)
            latencies: list[float] = []
            lags: list[float] = []
            burst_started = time.perf_counter()
            sent = [
                await fake.send_message(questions[i % len(questions)], mentions_bot=True, author=u)
                for i, u in enumerate(users)
            ]
            pending = {asyncio.ensure_future(fake.wait_for_reply(m, timeout=120)) for m in sent}
            while pending:  # event-loop lag: how late a 10 ms sleep wakes up
                before = time.perf_counter()
                _, pending = await asyncio.wait(pending, timeout=0.01)
                if pending:
                    lags.append(max(0.0, time.perf_counter() - before - 0.01))
                latencies.append(bot.latency)
            burst_s = time.perf_counter() - burst_started
            beats = fake.heartbeats[beats_before:]
            # discord.py's keep-alive thread sends a beat `interval` after the previous send
            # finished; the excess is the time the bot's event loop took to send it.
            delays = [
                max(0.0, b.sent_at - a.sent_at - HEARTBEAT_MS / 1000)
                for a, b in zip(beats, beats[1:], strict=False)
            ]
            acked = [b.latency for b in beats if b.latency is not None]
    return {
        "questions": len(questions),
        "typing_ms": {"p50": pct(typing_ms, 0.5), "p95": pct(typing_ms, 0.95)},
        "answer_ms": {"p50": pct(answer_ms, 0.5), "p95": pct(answer_ms, 0.95)},
        "slash_asks": len(defer_ms),
        "ask_defer_ms": {"p50": pct(defer_ms, 0.5), "p95": pct(defer_ms, 0.95)}
        if defer_ms
        else None,
        "ask_answer_ms": {"p50": pct(slash_ms, 0.5), "p95": pct(slash_ms, 0.95)}
        if slash_ms
        else None,
        "inflight": inflight,
        "burst_seconds": round(burst_s, 2),
        "heartbeats_during_burst": len(beats),
        "heartbeat_interval_ms": HEARTBEAT_MS,
        "heartbeat_send_delay_ms": {
            "p50": ms(statistics.median(delays)),
            "p95": ms(pct(delays, 0.95)),
            "max": ms(max(delays)),
        },
        "heartbeat_acked": f"{len(acked)}/{len(beats)}",
        "discordpy_latency_ms_max": ms(max(latencies)),
        "event_loop_lag_ms": {
            "p50": ms(statistics.median(lags)),
            "p95": ms(pct(lags, 0.95)),
            "max": ms(max(lags)),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/newsbot-bench-ocqp4nrd"))
    parser.add_argument("--collection", default="bench-multihop")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--inflight", type=int, default=20)
    parser.add_argument("--slash", type=int, default=20, help="questions also asked with /ask")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    engine = Engine(load_settings(data_dir=args.data_dir, collection=args.collection))
    articles = engine.stats().articles
    records = json.loads(QUESTIONS.read_text())
    questions = [r["query"] for r in records[: args.questions]]
    result = asyncio.run(measure(engine, questions, args.inflight, args.slash))
    result["articles"] = articles
    if args.json:
        print(json.dumps(result, indent=2))
        return
    t, a = result["typing_ms"], result["answer_ms"]
    h, lag = result["heartbeat_send_delay_ms"], result["event_loop_lag_ms"]
    d, sa = result["ask_defer_ms"], result["ask_answer_ms"]
    print(f"Discord bot through the fake, {articles} articles, {result['questions']} questions")
    print("| measure | p50 | p95 | max |\n|---|---|---|---|")
    print(f"| question -> typing indicator | {t['p50']} ms | {t['p95']} ms | |")  # type: ignore[index]
    print(f"| question -> cited answer | {a['p50']} ms | {a['p95']} ms | |")  # type: ignore[index]
    if d:
        n = result["slash_asks"]
        print(f"| /ask -> deferred (thinking), {n} asks | {d['p50']} ms | {d['p95']} ms | |")  # type: ignore[index]
        print(f"| /ask -> answer edited in | {sa['p50']} ms | {sa['p95']} ms | |")  # type: ignore[index]
    print(
        f"| heartbeat delay, {result['inflight']} questions in flight "
        f"({result['heartbeats_during_burst']} beats every {HEARTBEAT_MS} ms over "
        f"{result['burst_seconds']} s, {result['heartbeat_acked']} acked) "
        f"| {h['p50']} ms | {h['p95']} ms | {h['max']} ms |"  # type: ignore[index]
    )
    print(
        f"| event-loop lag meanwhile | {lag['p50']} ms | {lag['p95']} ms | {lag['max']} ms |"  # type: ignore[index]
    )
    print(f"(discord.py `latency` max during the burst: {result['discordpy_latency_ms_max']} ms)")


if __name__ == "__main__":
    main()
