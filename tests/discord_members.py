"""Simulated server members asking the real bot questions through the fake Discord, optionally
while an admin keeps re-indexing with `/reindex`: the driver behind tests/test_discord_load.py
and benchmarks/discord_load.py.

Members are patient (ask, wait for the answer, think, ask again) or impatient (ask again without
waiting, which is what runs into the rate limit). Every few questions go through `/ask` instead of
a mention. The admin revises a slice of the article file before each `/reindex`, so every round
re-embeds real articles, and keeps going until the members are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import os
import random
import re
import resource
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.discord.client import NewsBot
from index.engine import Engine
from tests.fakes.discord_server import (
    FakeDiscord,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    Heartbeat,
)

RATE_LIMITED = "Easy there"  # the start of RateLimiter.message
ERROR_REPLY = "something went wrong on my side"  # user_message for an unexpected error
SOURCES_ID = "newsbot:sources:"  # every answer's last part carries the Sources button
OK_KINDS = ("answer", "rate-limited")


@dataclass(frozen=True)
class Pacing:
    """How members behave; seconds."""

    think: tuple[float, float] = (0.5, 3.0)  # a patient member's pause after an answer
    impatient_gap: tuple[float, float] = (0.3, 1.5)  # an impatient member's gap between questions
    stagger: float = 3.0  # members start within this many seconds
    ask_every: int = 4  # every n-th question of a member is an /ask (0: mentions only)
    reply_timeout: float = 600.0  # a question without any reply by then is "no reply"


@dataclass(frozen=True)
class Member:
    name: str
    questions: tuple[str, ...]
    impatient: bool = False


@dataclass
class Outcome:
    member: str
    via: str  # "mention" or "/ask"
    kind: str  # "answer", "rate-limited", "error", "other" or "no reply"
    seconds: float | None  # question posted -> the reply reached Discord
    text: str = ""
    acked: float | None = None  # /ask: seconds to the interaction response (Discord allows 3)


@dataclass
class ReindexRound:
    revised: int  # articles changed in the file before this round
    seconds: float
    report: str  # the /reindex message's final text

    @property
    def updated(self) -> int:
        found = re.search(r"(\d+) updated", self.report)
        return int(found[1]) if found else 0

    @property
    def ok(self) -> bool:
        return self.report.startswith("**Re-indexed:**")


@dataclass
class LoadRun:
    outcomes: list[Outcome]
    rounds: list[ReindexRound]
    beats: list[Heartbeat]
    heartbeat_interval: float
    bot_latency_max: float  # discord.py's own heartbeat round trip, sampled
    logged_errors: list[str]
    warnings: list[str]
    rest_errors: list[str]
    sessions: int  # READY + RESUMED events: 1 = the gateway connection never dropped
    seconds: float
    peak_rss_mb: float
    peak_rss_exact: bool  # False: the process's peak since start (VmHWM could not be reset)

    def count(self, kind: str) -> int:
        return sum(o.kind == kind for o in self.outcomes)

    def answer_seconds(self) -> list[float]:
        return sorted(o.seconds for o in self.outcomes if o.kind == "answer" and o.seconds)

    def ack_seconds(self) -> list[float]:
        return sorted(o.acked for o in self.outcomes if o.acked is not None)

    def heartbeat_delays(self) -> list[float]:
        """Per heartbeat after the first: how much later than the interval it reached Discord."""
        return [
            max(0.0, b.sent_at - a.sent_at - self.heartbeat_interval)
            for a, b in itertools.pairwise(self.beats)
        ]

    def beats_on_time(self, slack: float) -> int:
        """Heartbeats acknowledged and sent at most `slack` seconds late."""
        if not self.beats:
            return 0
        delays = [0.0, *self.heartbeat_delays()]
        on_time = zip(self.beats, delays, strict=True)
        return sum(b.acked_at is not None and d <= slack for b, d in on_time)

    def summary(self, slack: float) -> dict[str, Any]:
        times = self.answer_seconds()
        delays = self.heartbeat_delays()
        acks = self.ack_seconds()
        return {
            "questions": len(self.outcomes),
            "answered": self.count("answer"),
            "rate_limited": self.count("rate-limited"),
            "handler_errors": len(self.logged_errors),
            "error_replies": self.count("error"),
            "other_replies": self.count("other"),
            "no_reply": self.count("no reply"),
            "answer_seconds": {
                "p50": round(percentile(times, 0.5), 2),
                "p95": round(percentile(times, 0.95), 2),
                "max": round(max(times, default=0.0), 2),
            },
            "answers_per_minute": round(len(times) / self.seconds * 60, 1) if self.seconds else 0,
            "ask_acknowledged_seconds": {
                "n": len(acks),
                "p95": round(percentile(acks, 0.95), 3),
                "max": round(max(acks, default=0.0), 3),
            },
            "heartbeats": len(self.beats),
            "heartbeats_acked_on_time": self.beats_on_time(slack),
            "heartbeat_slack_ms": round(slack * 1000),
            "heartbeat_max_delay_ms": round(max(delays, default=0.0) * 1000, 1),
            "bot_heartbeat_latency_max_ms": round(self.bot_latency_max * 1000, 1),
            "gateway_sessions": self.sessions,
            "peak_rss_mb": self.peak_rss_mb,
            "peak_rss_exact": self.peak_rss_exact,
            "rest_errors": len(self.rest_errors),
            "warnings": len(self.warnings),
            "reindex_rounds": len(self.rounds),
            "reindex_failed": sum(not r.ok for r in self.rounds),
            "articles_reembedded": sum(r.updated for r in self.rounds),
            "reindex_seconds": [round(r.seconds, 1) for r in self.rounds],
            "seconds": round(self.seconds, 1),
            "examples_not_ok": [
                f"{o.kind} ({o.via}): {o.text[:160]}"
                for o in self.outcomes
                if o.kind not in OK_KINDS
            ][:5],
            "logged_errors_first": self.logged_errors[:5],
        }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted `values` (0 when empty)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def make_members(questions: Sequence[str], members: int, impatient: int) -> list[Member]:
    """`members` members taking turns over `questions`; the first `impatient` don't wait."""
    return [
        Member(f"member{i:02d}", tuple(questions[i::members]), impatient=i < impatient)
        for i in range(members)
    ]


# --- the article file the admin revises -------------------------------------------------------


class RevisedCorpus:
    """A JSON article file; each `revise()` appends a sentence to the next `per_round` articles
    (round robin), so the following re-index re-embeds exactly those."""

    def __init__(self, records: Sequence[Mapping[str, Any]], path: Path, per_round: int) -> None:
        self.records = [dict(r) for r in records]
        self.path, self.per_round, self.rounds = path, per_round, 0
        self.write()

    def write(self) -> None:
        # Replaced in one step: an indexing run never reads a half-written file.
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.records, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def revise(self) -> int:
        self.rounds += 1
        n = len(self.records)
        first = (self.rounds - 1) * self.per_round
        picked = sorted({(first + i) % n for i in range(min(self.per_round, n))})
        for i in picked:
            body = self.records[i]["body"].rstrip()
            self.records[i]["body"] = f"{body}\n\nRevised in load-test round {self.rounds}."
        self.write()
        return len(picked)


# --- watching the fake ------------------------------------------------------------------------


class ReplyIndex:
    """The bot's replies by the message they answer, each new message looked at once: a waiter
    per question scanning every message at every event would itself load the event loop."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self._seen = 0
        self._by_parent: dict[int, FakeMessage] = {}

    def reply_to(self, message_id: int) -> FakeMessage | None:
        messages = self.fake.messages_by_id
        if len(messages) != self._seen:
            for msg in itertools.islice(messages.values(), self._seen, None):
                if msg.from_bot and msg.reference_id is not None:
                    self._by_parent.setdefault(msg.reference_id, msg)
            self._seen = len(messages)
        return self._by_parent.get(message_id)


class LogCapture(logging.Handler):
    """ERROR records from any logger (every handler failure is logged at ERROR, by the bot's
    user_message or by discord.py) and WARNING records from the bot and discord.py."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.name}: {record.getMessage()[:300]}"
        if record.levelno >= logging.ERROR:
            self.errors.append(line)
        elif record.name.startswith(("bot.", "discord")):
            self.warnings.append(line)


def reset_peak_rss() -> bool:
    """Start a new peak-RSS measurement (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
        if found:
            return round(int(found[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- members and the admin --------------------------------------------------------------------


def outcome(member: FakeUser, via: str, shown: FakeMessage, started: float) -> Outcome:
    if any(c.startswith(SOURCES_ID) for c in shown.custom_ids):
        kind = "answer"
    elif shown.content.startswith(RATE_LIMITED):
        kind = "rate-limited"
    elif ERROR_REPLY in shown.content:
        kind = "error"
    else:
        kind = "other"
    reached = shown.requests[-1].at if shown.requests else time.perf_counter()
    return Outcome(member.username, via, kind, reached - started, shown.content)


async def ask_by_mention(
    fake: FakeDiscord, replies: ReplyIndex, user: FakeUser, question: str, timeout: float
) -> Outcome:
    started = time.perf_counter()
    msg = await fake.send_message(question, mentions_bot=True, author=user)
    try:
        reply = await fake.wait_until(
            lambda: replies.reply_to(msg.id), timeout, description=f"a reply to {msg.id}"
        )
    except TimeoutError:
        return Outcome(user.username, "mention", "no reply", None)
    return outcome(user, "mention", reply, started)


async def ask_by_slash(fake: FakeDiscord, user: FakeUser, question: str, timeout: float) -> Outcome:
    started = time.perf_counter()
    handle = await fake.slash("ask", {"question": question}, user=user)
    try:
        shown = await handle.wait_message(timeout)
    except TimeoutError:
        return Outcome(user.username, "/ask", "no reply", None)
    result = outcome(user, "/ask", shown, started)
    first = handle.original.requests[0] if handle.original and handle.original.requests else None
    result.acked = first.at - started if first is not None else None
    return result


async def member_session(
    fake: FakeDiscord,
    replies: ReplyIndex,
    member: Member,
    user: FakeUser,
    pacing: Pacing,
    rng: random.Random,
) -> list[Outcome]:
    await asyncio.sleep(rng.uniform(0, pacing.stagger))
    asked: list[asyncio.Future[Outcome]] = []
    for i, question in enumerate(member.questions):
        by_slash = pacing.ask_every > 0 and i % pacing.ask_every == pacing.ask_every - 1
        asking = (
            ask_by_slash(fake, user, question, pacing.reply_timeout)
            if by_slash
            else ask_by_mention(fake, replies, user, question, pacing.reply_timeout)
        )
        asked.append(asyncio.ensure_future(asking))
        if i == len(member.questions) - 1:
            break
        if member.impatient:
            await asyncio.sleep(rng.uniform(*pacing.impatient_gap))
        else:
            await asked[-1]
            await asyncio.sleep(rng.uniform(*pacing.think))
    return list(await asyncio.gather(*asked))


def reindex_finished(handle: FakeInteraction) -> FakeMessage | None:
    """The /reindex message once it shows the report (or the failure), not the progress."""
    shown = handle.original
    if shown is None or shown.content.startswith("Re-indexing"):
        return None
    return shown


async def admin_reindexes(
    fake: FakeDiscord,
    corpus: RevisedCorpus,
    members_done: asyncio.Event,
    timeout: float,
    max_rounds: int | None = None,
) -> list[ReindexRound]:
    """Revise a slice of the articles and `/reindex`, round after round, until the members are
    done (at least once, at most `max_rounds`)."""
    rounds: list[ReindexRound] = []
    while max_rounds is None or len(rounds) < max_rounds:
        revised = await asyncio.to_thread(corpus.revise)
        started = time.perf_counter()
        handle = await fake.slash("reindex", {}, user=fake.admin)
        final = await handle.wait_until(lambda h=handle: reindex_finished(h), timeout)
        rounds.append(ReindexRound(revised, time.perf_counter() - started, final.content))
        if members_done.is_set():
            break
    return rounds


async def sample_bot_latency(bot: NewsBot, stop: asyncio.Event) -> float:
    """The worst heartbeat round trip discord.py itself measured (send -> ack processed)."""
    worst = 0.0
    while not stop.is_set():
        if math.isfinite(bot.latency):
            worst = max(worst, bot.latency)
        await asyncio.sleep(0.02)
    return worst


@dataclass
class LoadPlan:
    members: list[Member]
    pacing: Pacing = field(default_factory=Pacing)
    corpus: RevisedCorpus | None = None  # set: an admin re-indexes throughout
    max_rounds: int | None = None  # re-index rounds at most (None: until the members are done)
    heartbeat_ms: int = 250
    bot_settings: dict[str, Any] = field(default_factory=dict)
    progress_interval: float = 2.0  # seconds between /reindex progress edits (the bot's default)
    fail_on_errors: bool = False  # True: the fake raises BotError at the first logged error
    seed: int = 7


async def run_load(engine: Engine, plan: LoadPlan) -> LoadRun:
    """Start a fake and the real bot on `engine`, let the members (and the admin) loose, and
    collect what happened."""
    exact = reset_peak_rss()
    capture = LogCapture()
    logging.getLogger().addHandler(capture)
    try:
        async with FakeDiscord(
            heartbeat_interval_ms=plan.heartbeat_ms, fail_on_errors=plan.fail_on_errors
        ) as fake:
            served = {"discord_guild_id": [fake.guild_id]}
            settings = engine.settings.model_copy(update={**served, **plan.bot_settings})
            bot = NewsBot(settings, engine, guild_ready_timeout=0.01)
            bot.admin.progress_interval = plan.progress_interval
            users = [fake.add_user(m.name) for m in plan.members]
            async with fake.running(bot):
                await fake.wait_for_sync()
                run = await _drive(fake, bot, users, plan)
    finally:
        logging.getLogger().removeHandler(capture)
    run.logged_errors, run.warnings = capture.errors, capture.warnings
    run.peak_rss_mb, run.peak_rss_exact = peak_rss_mb(), exact
    return run


async def _drive(fake: FakeDiscord, bot: NewsBot, users: list[FakeUser], plan: LoadPlan) -> LoadRun:
    replies = ReplyIndex(fake)
    first_beat = len(fake.heartbeats)
    started = time.perf_counter()
    done = asyncio.Event()
    sampler = asyncio.ensure_future(sample_bot_latency(bot, done))
    admin = (
        asyncio.ensure_future(
            admin_reindexes(fake, plan.corpus, done, plan.pacing.reply_timeout, plan.max_rounds)
        )
        if plan.corpus is not None
        else None
    )
    rng = random.Random(plan.seed)
    sessions = [
        member_session(fake, replies, m, u, plan.pacing, random.Random(rng.random()))
        for m, u in zip(plan.members, users, strict=True)
    ]
    try:
        per_member = await asyncio.gather(*sessions)
    finally:
        done.set()
    rounds = await admin if admin is not None else []
    seconds = time.perf_counter() - started
    worst = await sampler
    beats = fake.heartbeats[first_beat:]
    with contextlib.suppress(TimeoutError):  # the last beat may still be on its way back
        await fake.wait_until(lambda: all(b.acked_at for b in beats) or None, 2.0)
    return LoadRun(
        outcomes=[o for outcomes in per_member for o in outcomes],
        rounds=rounds,
        beats=beats,
        heartbeat_interval=plan.heartbeat_ms / 1000,
        bot_latency_max=worst,
        logged_errors=[],
        warnings=[],
        rest_errors=[f"{c.route} -> {c.status}" for c in fake.calls if c.status >= 400],
        sessions=sum(e["t"] in ("READY", "RESUMED") for e in fake.gateway_events),
        seconds=seconds,
        peak_rss_mb=0.0,
        peak_rss_exact=False,
    )
