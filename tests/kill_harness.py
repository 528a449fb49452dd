"""SIGKILL a real `newsbot index` at chosen moments and check what it leaves behind.

Shared by tests/test_kill_index.py (3 kills in CI) and benchmarks/kill_index.py (20 or more).
Everything is real: the child is the `newsbot` console script on an embedded Chroma store with
the ONNX embedder; this process only reads the store between runs (and closes it again before
the next child starts, so two processes never have it open at once).

A scenario is a slice of the MultiHop-RAG corpus written as one JSON file per article, in two
states: the *old* corpus (indexed cleanly first) and the *new* one that the killed runs index.
Against the old state, articles are unchanged, changed (edited text), added or pruned (file
deleted). After every kill each article must be wholly its old or wholly its new version.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient

from index.embedding import OnnxEmbedding
from index.engine import keyword_folder
from index.ingest.loaders import load_file
from index.ingest.run import Indexer
from index.results import Article
from index.settings import Settings, load_settings
from index.store.chroma import Store
from index.store.consistency import ConsistencyReport, check_consistency
from index.store.keyword_index import KeywordIndex
from index.store.sentence_vectors import sentences_of

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "eval" / "multihop-rag" / "corpus.json"
COLLECTION = "killtest"
# The ONNX model is int8 with dynamic quantization: a chunk's vector depends slightly on the
# other texts in its batch, so a resumed run's vectors match a clean run's only this closely.
MIN_VECTOR_COSINE = 0.98
ROLES = ("unchanged", "changed", "added", "pruned")


# --- the corpus ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One version of an article as its file holds it, and the chunks indexing must make."""

    article: Article
    chunks: tuple[tuple[str, str], ...]  # (chunk id, text), in order


@dataclass
class Scenario:
    folder: Path
    settings: Settings
    roles: dict[str, str] = field(default_factory=dict)  # article id -> role
    old: dict[str, Version] = field(default_factory=dict)
    new: dict[str, Version] = field(default_factory=dict)
    _records: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def versions(self, doc_id: str) -> list[Version]:
        return [v for v in (self.old.get(doc_id), self.new.get(doc_id)) if v is not None]


def make_scenario(
    folder: Path,
    settings: Settings,
    embedder: OnnxEmbedding,
    articles: int,
    body_chars: int | None,
    seed: int = 0,
) -> Scenario:
    """The first `articles` of the corpus, `body_chars` of each body (None: whole), with roles
    dealt by `seed`; writes the old corpus into `folder`."""
    records = json.loads(CORPUS.read_text(encoding="utf-8"))[:articles]
    rng = random.Random(seed)
    roles = _deal_roles(len(records), rng)
    scenario = Scenario(folder=folder, settings=settings)
    folder.mkdir(parents=True, exist_ok=True)
    if len({_trim(r["body"], body_chars) for r in records}) < len(records):
        raise ValueError("two articles of the slice have the same text; the check needs each once")
    for i, (record, role) in enumerate(zip(records, roles, strict=True)):
        body = _trim(record["body"], body_chars)
        scenario.roles[record["url"]] = role
        scenario._records[record["url"]] = (f"{i:04d}.json", {**record, "body": body})
    indexer = Indexer(None, embedder, settings)  # type: ignore[arg-type] - only its chunker
    for doc_id, role in scenario.roles.items():
        if role != "added":
            scenario.old[doc_id] = _write_version(scenario, doc_id, lambda body: body, indexer)
    return scenario


def write_new_corpus(scenario: Scenario, embedder: OnnxEmbedding) -> None:
    """Turn the folder into the new corpus: edit, add and delete files."""
    indexer = Indexer(None, embedder, scenario.settings)  # type: ignore[arg-type]
    for doc_id, role in scenario.roles.items():
        name = scenario._records[doc_id][0]
        if role == "pruned":
            (scenario.folder / name).unlink()
        elif role == "unchanged":
            scenario.new[doc_id] = scenario.old[doc_id]
        else:
            scenario.new[doc_id] = _write_version(scenario, doc_id, _new_body, indexer)


def _deal_roles(n: int, rng: random.Random) -> list[str]:
    """About 10% unchanged, 30% changed, 55% added, 5% pruned (at least one of each)."""
    counts = {"unchanged": max(1, n // 10), "changed": max(1, 3 * n // 10)}
    counts["pruned"] = max(1, n // 20)
    counts["added"] = n - sum(counts.values())
    roles = [role for role, k in counts.items() for _ in range(k)]
    rng.shuffle(roles)
    return roles


def _trim(body: str, chars: int | None) -> str:
    """About `chars` of the body from a sentence start in its middle (whole when None): the
    openings of articles from one site share boilerplate, and equal texts are stored once."""
    if chars is None or len(body) <= chars:
        return body
    start = body.find(". ", len(body) // 2 - chars // 2) + 2
    window = body[start : start + chars]
    cut = window.rfind(". ")
    return window[: cut + 1] if cut > chars // 2 else window


def _new_body(body: str) -> str:
    # Drop the first sentence and add a line: every chunk of the new version differs.
    first = re.search(r"[.!?]\s", body)
    rest = body[first.end() :] if first and first.end() < len(body) // 2 else body
    return rest + "\n\nUpdate: this story was revised after publication."


def _write_version(scenario: Scenario, doc_id: str, edit: Any, indexer: Indexer) -> Version:
    name, record = scenario._records[doc_id]
    path = scenario.folder / name
    path.write_text(json.dumps({**record, "body": edit(record["body"])}), encoding="utf-8")
    [article], _ = load_file(path, scenario.settings.max_file_bytes)
    assert article.id == doc_id
    chunks = tuple((n.node_id, n.get_content()) for n in indexer._nodes(article))
    return Version(article=article, chunks=chunks)


# --- reading the store between runs ---------------------------------------------------------


@dataclass
class State:
    """What a reader would find in the store (visible chunks only), plus the raw chunk count."""

    records: dict[str, dict[str, Any]]  # id -> registry metadata + "body"
    visible: dict[str, list[tuple[str, str]]]  # id -> [(chunk id, text)] in chunk order
    raw_chunks: int
    consistency: ConsistencyReport
    raw_sentences: int  # entries of chunks' sentence vectors, visible or not
    sentence_rows: dict[str, int] = field(default_factory=dict)  # visible chunk -> rows stored
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


@contextmanager
def open_store(settings: Settings, fingerprint: str) -> Iterator[Store]:
    """The store, closed again on exit so that a child process can have it to itself."""
    store = Store(settings, fingerprint)
    try:
        yield store
    finally:
        close_client(store.chroma.client)


def close_client(client: Any) -> None:
    # chromadb keeps one system per path for the whole process and has no close(); stop ours
    # (releasing its SQLite and HNSW files) and forget it, leaving other tests' systems alone.
    identifier = client._identifier
    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        system.stop()


def read_state(settings: Settings, fingerprint: str, with_vectors: bool = False) -> State:
    with open_store(settings, fingerprint) as store:
        keyword = KeywordIndex(keyword_folder(settings))  # loaded from disk, as left
        report = check_consistency(store, keyword, vectors=None)
        records = store.articles()
        metas = {i: {**asdict(r), "body": store.article_body(i)} for i, r in records.items()}
        visible: dict[str, list[tuple[int, str, str]]] = {i: [] for i in records}
        vectors: dict[str, np.ndarray] = {}
        for node in store.live_nodes():
            doc_id = node.metadata["doc_id"]
            visible[doc_id].append((int(node.metadata["chunk"]), node.node_id, node.get_content()))
        if with_vectors:
            vectors = _vectors(store, [c for chunks in visible.values() for _, c, _ in chunks])
        raw, sentences = store.chroma.chunks.count(), store.sentence_store.count()
        chunk_ids = [c for chunks in visible.values() for _, c, _ in chunks]
        rows = {i: len(v) for i, v in store.sentence_vectors_of(chunk_ids).items()}
    ordered = {i: [(c, t) for _, c, t in sorted(chunks)] for i, chunks in visible.items()}
    return State(metas, ordered, raw, report, sentences, rows, vectors)


def _vectors(store: Store, ids: list[str]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 500):
        got = store.chroma.chunks.get(ids=ids[start : start + 500], include=["embeddings"])
        vectors = [np.asarray(e, dtype=np.float32) for e in got["embeddings"]]
        out.update(zip(got["ids"], vectors, strict=True))
    return out


# --- the invariants ---------------------------------------------------------------------------


def kill_problems(scenario: Scenario, before: State, after: State) -> tuple[list[str], list[str]]:
    """(what breaks an invariant, the ids of articles lost) after a killed run."""
    problems = [f"consistency: {p}" for p in after.consistency.problems]
    lost: list[str] = []
    for doc_id in sorted(set(after.records) - set(scenario.roles)):
        problems.append(f"{doc_id}: not in the corpus at all")
    for doc_id, role in scenario.roles.items():
        was, now = before.records.get(doc_id), after.records.get(doc_id)
        if was is not None and now is None and role != "pruned":
            lost.append(doc_id)
            problems.append(f"{doc_id}: indexed before the run, missing after the kill")
            continue
        if was is not None and now is not None and _went_back(scenario, doc_id, was, now):
            lost.append(doc_id)
            problems.append(f"{doc_id}: went back from its new version to the old one")
        if now is not None:
            problems += _version_problems(scenario, doc_id, now, after.visible[doc_id])
            problems += _sentence_problems(doc_id, after.visible[doc_id], after.sentence_rows)
        elif role in ("unchanged", "changed"):
            problems.append(f"{doc_id}: {role} article missing")
    if after.consistency.keyword not in ("current", "stale", "missing"):
        problems.append(f"keyword index state {after.consistency.keyword!r}")
    return problems, lost


def _went_back(scenario: Scenario, doc_id: str, was: dict, now: dict) -> bool:
    new = scenario.new.get(doc_id)
    return bool(new and was["content_hash"] == new.article.content_hash) and (
        now["content_hash"] != new.article.content_hash
    )


def _version_problems(
    scenario: Scenario, doc_id: str, record: dict[str, Any], chunks: list[tuple[str, str]]
) -> list[str]:
    """The registry record and visible chunks must be exactly one of the article's versions."""
    live = record["content_hash"]
    match = [v for v in scenario.versions(doc_id) if v.article.content_hash == live]
    if not match:
        return [f"{doc_id}: registry holds neither the old nor the new version"]
    version = match[0]
    problems = []
    if record["body"] != version.article.body:
        problems.append(f"{doc_id}: registry body is not the body of its version")
    if chunks != list(version.chunks):
        problems.append(
            f"{doc_id}: visible chunks ({len(chunks)}) are not those of its version "
            f"({len(version.chunks)}): half-written"
        )
    if record["chunks"] != len(version.chunks):
        problems.append(f"{doc_id}: registry says {record['chunks']} chunks")
    return problems


def _sentence_problems(
    doc_id: str, chunks: list[tuple[str, str]], rows: dict[str, int]
) -> list[str]:
    """Every visible chunk has its sentence vectors, one row per sentence of its text: they
    are written (in the store's own file) before the registry makes the chunk visible."""
    wrong = [c for c, text in chunks if rows.get(c) != len(sentences_of(text))]
    if not wrong:
        return []
    return [f"{doc_id}: {len(wrong)} visible chunks without their sentence vectors"]


def committed(before: State, after: State) -> int:
    """Articles the killed run committed (added, replaced or pruned): where it really stopped."""
    ids = set(before.records) | set(after.records)
    hashes = [(before.records.get(i), after.records.get(i)) for i in ids]
    return sum(
        (was or {}).get("content_hash") != (now or {}).get("content_hash") for was, now in hashes
    )


def stats_problems(state: State, stats: dict[str, Any]) -> list[str]:
    """`newsbot stats --json` must count what readers see: no invisible chunk."""
    want = (len(state.records), sum(len(c) for c in state.visible.values()))
    got = (stats.get("articles"), stats.get("chunks"))
    return [] if got == want else [f"stats says {got} (articles, chunks), readers see {want}"]


def final_problems(scenario: Scenario, final: State, clean: State) -> tuple[list[str], float]:
    """The store after the finishing run against a clean index of the new corpus; also the
    lowest cosine between a chunk's vector there and in the clean index."""
    problems = [f"consistency: {p}" for p in final.consistency.problems]
    if final.consistency.keyword != "current":
        problems.append(f"keyword index {final.consistency.keyword} after a finished run")
    if set(final.records) != set(scenario.new):
        problems.append("the indexed articles are not the new corpus")
    for doc_id in scenario.new:
        problems += _same_article(doc_id, final, clean)
    visible = sum(len(c) for c in final.visible.values())
    if final.raw_chunks != visible:
        problems.append(f"{final.raw_chunks - visible} invisible chunks left after a finished run")
    if final.raw_sentences != visible:
        problems.append(f"{final.raw_sentences} chunks' sentence vectors for {visible} chunks")
    cosines = [
        float(np.dot(vector, clean.vectors[chunk_id]))
        for chunk_id, vector in final.vectors.items()
        if chunk_id in clean.vectors
    ]
    lowest = min(cosines, default=math.nan)
    if len(cosines) != visible or lowest < MIN_VECTOR_COSINE:
        problems.append(f"vectors differ from a clean index (lowest cosine {lowest:.4f})")
    return problems, lowest


def _same_article(doc_id: str, final: State, clean: State) -> list[str]:
    keys = ("content_hash", "body_hash", "chunks", "body", "title", "url", "origin")
    mine, theirs = final.records.get(doc_id), clean.records.get(doc_id)
    if mine is None or theirs is None:
        return [f"{doc_id}: missing from the {'final' if mine is None else 'clean'} index"]
    if any(mine[k] != theirs[k] for k in keys):
        return [f"{doc_id}: registry record differs from a clean index"]
    if final.visible[doc_id] != clean.visible[doc_id]:
        return [f"{doc_id}: chunks differ from a clean index"]
    return []


# --- the child process ------------------------------------------------------------------------


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a `newsbot` child: the test's settings and nothing else NEWSBOT_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_DATA_DIR=str(settings.data_dir),
        NEWSBOT_COLLECTION=settings.collection,
        NEWSBOT_CHUNK_SIZE=str(settings.chunk_size),
        NEWSBOT_CHUNK_OVERLAP=str(settings.chunk_overlap),
        NEWSBOT_LOG_LEVEL="DEBUG",  # the indexer's step lines tell where a kill landed
    )
    return env


def newsbot_command() -> list[str]:
    script = Path(sys.executable).parent / "newsbot"
    return [str(script)] if script.exists() else [shutil.which("newsbot") or "newsbot"]


def newsbot(settings: Settings, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `newsbot ARGS` to the end (for `index` to completion and `stats --json`)."""
    return subprocess.run(
        [*newsbot_command(), *args],
        env=child_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def newsbot_stats(settings: Settings, cwd: Path) -> dict[str, Any]:
    done = newsbot(settings, "stats", "--json", cwd=cwd)
    if done.returncode != 0:
        raise AssertionError(f"newsbot stats failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


_LINE = re.compile(r"^(?:DEBUG|INFO) index\.(?:ingest\.run|engine|store\.keyword_index): (.*)$")


@dataclass
class Progress:
    """The child's step lines, read as they come: where the run is."""

    started: float = field(default_factory=time.monotonic)
    lines: list[tuple[float, str]] = field(default_factory=list)
    to_embed: int | None = None  # articles this run embeds
    chunks_total: int | None = None
    groups_started: int = 0
    group_chunks: int = 0
    stored: int = 0  # articles this run committed
    chunks_done: int = 0
    removed: int = 0
    keyword_after_run: bool = False  # rebuilding the keyword index after the writes
    keyword_saved: bool = False
    indexing_seen: bool = False
    exited: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def feed(self, message: str) -> None:
        with self.changed:
            self.lines.append((time.monotonic() - self.started, message))
            self._parse(message)
            self.changed.notify_all()

    def _parse(self, message: str) -> None:
        if m := re.match(r"indexing: (\d+) articles to embed", message):
            self.to_embed, self.indexing_seen = int(m.group(1)), True
        elif m := re.match(r"chunked \d+ articles into (\d+) chunks", message):
            self.chunks_total = int(m.group(1))
        elif m := re.match(r"embedding (\d+) chunks", message):
            self.groups_started += 1
            self.group_chunks = int(m.group(1))
        elif message.startswith("stored "):
            self.stored += 1
        elif m := re.match(r"embedded and stored (\d+)/", message):
            self.chunks_done = int(m.group(1))
        elif message.startswith("pruned "):
            self.removed += 1
        elif message.startswith("keyword index out of date") and self.indexing_seen:
            self.keyword_after_run = True
        elif message.startswith(("keyword index rebuilt", "keyword index updated")) and (
            self.keyword_after_run
        ):
            self.keyword_saved = True

    def wait(self, condition: Any, timeout: float = 600) -> bool:
        """Wait until `condition(self)` or the child exits; True if the condition holds."""
        with self.changed:
            self.changed.wait_for(lambda: condition(self) or self.exited, timeout=timeout)
            return bool(condition(self))

    def stage(self) -> str:
        """Where the run was at the last line read (the kill lands a few ms later at most)."""
        if self.exited:
            return "finished before the kill"
        last = self.lines[-1][1] if self.lines else ""
        if not self.indexing_seen:
            return "startup (imports, model, sweep, reading files)"
        if self.keyword_saved:
            return "after the keyword index save"
        if self.keyword_after_run:
            return "keyword index rebuild/save"
        if self.removed:
            return "pruning"
        if last.startswith("stored "):
            return "writing"
        if last.startswith("embedding "):
            return "embedding"
        if last.startswith("embedded and stored"):
            return "between groups / pruning"
        return "chunking"


@dataclass
class Kill:
    """One killed run: what was aimed at and where it landed."""

    kind: str
    aim: str
    stage: str = ""
    seconds: float = 0.0
    to_embed: int | None = None
    stored: int = 0
    chunks_done: str = ""
    returncode: int | None = None
    lines: list[tuple[float, str]] = field(default_factory=list)


def run_and_kill(
    scenario: Scenario, kind: str, rng: random.Random, cwd: Path, seconds_per_chunk: float
) -> Kill:
    """Start `newsbot index FOLDER`, SIGKILL it at a moment chosen by `kind`, reap it.

    `seconds_per_chunk` (see `embedding_speed`) aims the "embed" kills."""
    progress = Progress()
    child = subprocess.Popen(
        [*newsbot_command(), "index", str(scenario.folder), "--json"],
        env=child_env(scenario.settings),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = threading.Thread(target=_read_lines, args=(child, progress), daemon=True)
    reader.start()
    try:
        aim = _wait_for_moment(kind, progress, rng, seconds_per_chunk)
        stage = progress.stage()  # before the signal: what the child was doing
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()  # a no-op unless waiting failed; never leave a child running
        child.wait(timeout=60)
        reader.join(timeout=10)
    if child.returncode != -signal.SIGKILL:
        stage = f"finished before the kill (exit {child.returncode})"
    return Kill(
        kind=kind,
        aim=aim,
        stage=stage,
        seconds=round(time.monotonic() - progress.started, 2),
        to_embed=progress.to_embed,
        stored=progress.stored,
        chunks_done=f"{progress.chunks_done}/{progress.chunks_total or 0}",
        returncode=child.returncode,
        lines=progress.lines,
    )


def _read_lines(child: subprocess.Popen[str], progress: Progress) -> None:
    assert child.stderr is not None
    for line in child.stderr:
        if m := _LINE.match(line.rstrip("\n")):
            progress.feed(m.group(1))
    with progress.changed:
        progress.exited = True
        progress.changed.notify_all()


def _wait_for_moment(
    kind: str, progress: Progress, rng: random.Random, seconds_per_chunk: float
) -> str:
    """Block until the moment `kind` aims at; returns a description of the aim."""
    if kind == "time":
        delay = rng.uniform(0.5, 10.0)
        time.sleep(delay)
        return f"{delay:.2f} s after start"
    if kind == "write":
        progress.wait(lambda p: p.to_embed is not None)
        # In the first half: the kills after this one need articles left to write.
        target = rng.randint(1, max(1, (progress.to_embed or 1) // 2))
        progress.wait(lambda p: p.stored >= target)
        pause = rng.uniform(0.0, 0.03)  # into the three Chroma writes of the next article
        time.sleep(pause)
        return f"{pause * 1000:.0f} ms after article {target} of {progress.to_embed} was stored"
    if kind == "embed":
        progress.wait(lambda p: p.groups_started >= 1)
        fraction = rng.uniform(0.05, 0.6)  # the child is often slower than the estimate
        delay = fraction * progress.group_chunks * seconds_per_chunk
        time.sleep(delay)
        return f"{delay:.2f} s into embedding a group of {progress.group_chunks} chunks"
    if kind == "prune":
        progress.wait(lambda p: p.removed >= 1)
        pause = rng.uniform(0.0, 0.02)
        time.sleep(pause)
        return f"{pause * 1000:.0f} ms after the first prune"
    if kind == "keyword":
        progress.wait(lambda p: p.keyword_after_run)
        pause = rng.uniform(0.0, 0.25)
        time.sleep(pause)
        return f"{pause * 1000:.0f} ms into the keyword index rebuild"
    raise ValueError(f"unknown kill kind {kind!r}")


def default_settings(data_dir: Path, chunk_size: int) -> Settings:
    return load_settings(data_dir=data_dir, collection=COLLECTION, chunk_size=chunk_size)


def reader_keyword_problems(settings: Settings, state: State) -> list[str]:
    """Once a reader has opened the engine (`newsbot stats` does), the keyword index on disk
    must be stamped with the live versions and hold exactly the visible chunks."""
    from index.store.keyword_stamps import versions_stamp

    keyword = KeywordIndex(keyword_folder(settings))
    stamp = versions_stamp({i: r["content_hash"] for i, r in state.records.items()})
    if not keyword.load(stamp):
        return ["keyword index not current after a reader opened the engine"]
    visible = {c for chunks in state.visible.values() for c, _ in chunks}
    return [] if keyword.chunk_ids() == visible else ["keyword index ids differ from Chroma's"]


def index_in_process(settings: Settings, embedder: OnnxEmbedding, folder: Path) -> int:
    """A clean, uninterrupted index of `folder` in this process; returns the chunks embedded."""
    from index.engine import Engine

    engine = Engine(settings, embedder=embedder)
    try:
        return engine.index([folder]).chunks_embedded
    finally:
        close_client(engine.store.chroma.client)


def embedding_speed(embedder: OnnxEmbedding, scenario: Scenario, sample: int = 32) -> float:
    """Seconds per chunk of embedding the scenario's chunks here: aims the "embed" kills."""
    texts = [text for v in scenario.new.values() for _, text in v.chunks][:sample]
    started = time.perf_counter()
    embedder.embed(texts)
    return (time.perf_counter() - started) / max(1, len(texts))


# --- the keyword index save on its own ----------------------------------------------------------


def keyword_version(name: str, size: int = 3000) -> list[Any]:
    """The chunks of keyword index version `name` (ids tell the versions apart)."""
    from llama_index.core.schema import TextNode

    words = ["court", "ruling", "market", "league", "film", "storm", "vaccine", "budget", "poll"]
    words.append("launch")
    return [
        TextNode(id_=f"{name}-{i}", text=f"{words[i % 10]} {words[(i * 7) % 10]} item {i}")
        for i in range(size)
    ]


# The child saves in a loop; it imports only the keyword index (and this function's source).
_SAVE_LOOP = f"""
import itertools, sys
from pathlib import Path
from typing import Any
from index.store.keyword_index import KeywordIndex
from index.store.sentence_vectors import sentences_of
{inspect.getsource(keyword_version)}
index = KeywordIndex(Path(sys.argv[1]))
for i in itertools.count():
    name = "AB"[i % 2]
    index.rebuild(keyword_version(name), name)
    print(name, flush=True)
"""


def kill_keyword_save(folder: Path, rng: random.Random, cwd: Path) -> tuple[str, list[str]]:
    """Kill a process that saves keyword index versions A and B in turn, at a random moment of
    a save; returns (what it left: A, B or missing, problems)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVE_LOOP, str(folder)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # one save done: the next is timed
        started = time.monotonic()
        child.stdout.readline()
        time.sleep(rng.uniform(0, time.monotonic() - started))  # somewhere inside a save
    finally:
        child.kill()
        child.wait(timeout=60)
    return _check_keyword_left(folder)


def _check_keyword_left(folder: Path) -> tuple[str, list[str]]:
    from index.store.keyword_index import _read_stamp

    stamp = _read_stamp(folder)
    if stamp is None:
        left, problems = "missing", []
    else:
        index = KeywordIndex(folder)
        left = stamp
        expected = {n.node_id for n in keyword_version(stamp)} if stamp in ("A", "B") else None
        ok = expected is not None and index.load(stamp) and index.chunk_ids() == expected
        problems = [] if ok else [f"the saved index stamped {stamp!r} is not that version"]
    # The next save (a reader's rebuild) must work and clear what the killed one left.
    KeywordIndex(folder).rebuild(keyword_version("A", 10), "A")
    leftovers = [p.name for p in folder.parent.iterdir() if p != folder]
    if leftovers:
        problems.append(f"left over after the next save: {leftovers}")
    return left, problems
