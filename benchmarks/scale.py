"""How writes, questions, memory and disk grow with the corpus (issues 18 and 31).

    python benchmarks/scale.py --source /work/data/mh --sizes 10000 100000 \\
        --work /tmp/scale --json scale.json [--server] [--reuse] [--keep]

For each size, a store of about that many chunks is built from synthetic articles, then fresh
processes measure it the way a serving bot meets it: one builds the keyword index from the
store (its time and peak memory), another opens the engine, warms up, answers questions (each
timed, with a profile of where its time went), then adds, replaces and forgets one short
article. `--server` does the same against one `chroma run` (started here, on 127.0.0.1): the
serving process is the bot, and the article is added by a separate `newsbot index` process (a
CLI writer on the same data folder), which the bot then catches up with. Printed as Markdown
tables (and JSON with --json). Stores are deleted after they are measured unless --keep.

The synthetic corpus: real MultiHop-RAG chunk texts (read from an indexed eval store, --source,
never written to: read with chromadb and sqlite3 directly, whatever its format) drawn at random
and recombined into new articles of 8-24 chunks, each under a new id, title suffix, date and
content hash; each chunk's vector is its source chunk's vector plus Gaussian noise (sigma 0.01
per dimension, renormalised: cosine to the source about 0.98), its sentence vectors its
source's. Chunk texts therefore repeat (each real chunk about N / 9,106 times), which only
makes BM25's postings and Chroma's HNSW denser than a real archive's.

Questions are MultiHop-RAG dev questions, answered with the shipped settings and default
caches. The load average is printed beside every row: timings on a busy machine are not the
machine's. The profile (`--profile` table): time inside each part of `Engine.sources`,
exclusive of the parts it calls, per question (p50 and mean), and its share of the total.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import logging
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scale_profile import Profile, instrument  # noqa: E402
from index.chunks import stored_chunk  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store.bodies import bodies_in, with_older_bodies  # noqa: E402
from index.store.chroma import Store  # noqa: E402
from index.store.records import chunks_of  # noqa: E402
from index.store.sentence_file import sentence_file_path  # noqa: E402

log = logging.getLogger("scale")
COLLECTION = "scale"
MULTIHOP = Path(os.environ.get("NEWSBOT_MULTIHOP_DIR", "/work/shared/eval/multihop-rag"))
NOISE = 0.01
DIMENSIONS = 384
_BATCH_ARTICLES = 100
SHORT_ARTICLE = (
    "---\ntitle: Harbour bridge reopens\nsource: Scale Wire\npublished_at: 2024-03-0{n}\n---\n"
    "The harbour bridge reopened on Monday after {n} months of repairs. Engineers replaced "
    "the cables and the deck. Ferry traffic will return to its winter timetable."
)


# --- a Chroma server ----------------------------------------------------------------------------


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[tuple[str, int]]:
    """One `chroma run` on 127.0.0.1, its data under `path`, stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    path.mkdir(parents=True, exist_ok=True)
    out = (path.parent / f"{path.name}.log").open("wb")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        server.terminate()
        server.wait(timeout=60)
        out.close()


def settings_for(data: Path, server: tuple[str, int] | None) -> Settings:
    extra: dict[str, Any] = {}
    if server is not None:
        extra = {"chroma_host": server[0], "chroma_port": server[1]}
    return Settings(data_dir=data, collection=COLLECTION, **extra)


# --- building a store ---------------------------------------------------------------------------


def _read_source(source: Path, collection: str) -> list[dict[str, Any]]:
    """Every chunk of the source store (text, metadata, vector, sentence vectors as float16
    rows), read without opening it as a newsbot store (which would convert an older one)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(source / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    chunks = []
    col = client.get_collection(collection)
    registry = client.get_collection(f"{collection}-articles")
    for offset in range(0, col.count(), 2000):
        got = col.get(include=["documents", "metadatas", "embeddings"], limit=2000, offset=offset)
        texts = chunks_of(got, lambda keys: _source_bodies(client, collection, registry, keys))
        for i, meta, vec in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True):
            if i in texts:
                chunk = {"id": i, "text": texts[i].text, "meta": meta, "vector": np.asarray(vec)}
                chunks.append(chunk)
    sentences = _source_sentences(client, source, collection)
    return [{**c, "sentences": sentences[c["id"]]} for c in chunks if c["id"] in sentences]


def _source_bodies(client: Any, collection: str, registry: Any, keys: list[str]) -> dict:
    """The bodies of these article versions: in the bodies collection, or (a store written
    before it) the registry records' documents."""
    from chromadb.errors import NotFoundError

    try:
        found = bodies_in(keys, client.get_collection(f"{collection}-bodies").get)
    except NotFoundError:
        found = {}
    return with_older_bodies(keys, found, registry.get)


def _source_sentences(client: Any, source: Path, collection: str) -> dict[str, np.ndarray]:
    from index.store.sentence_vectors import decode

    path = sentence_file_path(source, collection)
    if path.exists():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            rows = conn.execute("SELECT chunk_id, vectors FROM sentences")
            return {i: decode(b, int(meta["dimensions"]), meta["codec"]) for i, b in rows}
    out = {}
    col = client.get_collection(f"{collection}-sentences")
    for offset in range(0, col.count(), 2000):
        got = col.get(include=["metadatas"], limit=2000, offset=offset)
        for i, meta in zip(got["ids"], got["metadatas"], strict=True):
            raw = base64.b64decode(meta["vectors"])
            out[i] = np.frombuffer(raw, dtype="<f2").reshape(-1, int(meta["dimensions"]))
    return out


def _article(j: int, picked: list[dict[str, Any]], rng: np.random.Generator) -> tuple:
    """One synthetic article (registry record, nodes with their sentence vectors)."""
    first = picked[0]["meta"]
    body, spans = "", []
    for chunk in picked:
        if body:
            body += "\n\n"
        spans.append((len(body), len(body) + len(chunk["text"])))
        body += chunk["text"]
    doc_id = f"synthetic://{j}"
    content_hash = hashlib.sha256(f"{doc_id}\n{body}".encode()).hexdigest()
    prefix = f"{hashlib.sha1(doc_id.encode()).hexdigest()[:16]}-{content_hash[:12]}"
    date = f"2023-{1 + j % 12:02d}-{1 + j % 28:02d}"
    fields = {
        "doc_id": doc_id,
        "title": f"{first.get('title', '')} ({j})",
        "source": first.get("source", ""),
        "url": doc_id,
        "published_at": f"{date}T08:00:00+00:00",
        "date": date,
        "content_hash": content_hash,
        "chunk_prefix": prefix,
    }
    nodes = []
    for number, (chunk, (start, end)) in enumerate(zip(picked, spans, strict=True)):
        node = stored_chunk(chunk["id"], chunk["text"], chunk["meta"]).as_text_node()
        node.id_ = f"{prefix}-{number:04d}"
        node.relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)}
        node.metadata.update(fields, chunk=number, start=start, end=end)
        vector = chunk["vector"] + rng.normal(0, NOISE, chunk["vector"].shape)
        node.embedding = (vector / np.linalg.norm(vector)).astype(np.float32).tolist()
        nodes.append((node, chunk["sentences"]))
    record = {
        "title": fields["title"],
        "source": fields["source"],
        "url": doc_id,
        "published_at": fields["published_at"],
        "origin": doc_id,
        "content_hash": content_hash,
        "body_hash": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "chunks": len(nodes),
        "indexed_at": "2024-01-01T00:00:00+00:00",
    }
    return doc_id, body, record, nodes


def build(args: argparse.Namespace, data: Path, chunks: int, server: Any) -> dict:
    """A store of about `chunks` chunks under `data` (or on the server): chunks, sentence
    vectors and registry written through the store's own parts, batch by batch. The keyword
    side is built by the measuring processes, and timed there."""
    from index.embedding import OnnxEmbedding

    shutil.rmtree(data, ignore_errors=True)
    rng = np.random.default_rng(args.seed)
    pick = random.Random(args.seed)
    real = _read_source(args.source, args.source_collection)
    settings = settings_for(data, server)
    embedder = OnnxEmbedding(settings.embedding_model, settings.embedding_tokenizer)
    store = Store(settings, embedder.fingerprint)
    started, made, j = time.perf_counter(), 0, 0
    while made < chunks:
        batch = []
        for _ in range(_BATCH_ARTICLES):
            size = min(pick.randint(8, 24), chunks - made)
            if size <= 0:
                break
            batch.append(_article(j, pick.sample(real, size), rng))
            made, j = made + size, j + 1
        _write_batch(store, batch)
        if j % 2000 < _BATCH_ARTICLES:
            log.info("built %d/%d chunks (%.0f s)", made, chunks, time.perf_counter() - started)
    chroma = store.chroma
    chroma.run(
        chroma.registry_as_stored().modify,
        metadata={"generation": uuid.uuid4().hex, "tidy": "1"},
    )
    store.close()
    return {"chunks": made, "articles": j, "build_seconds": round(time.perf_counter() - started)}


def _write_batch(store: Store, batch: list[tuple]) -> None:
    nodes = [n for _, _, _, ns in batch for n, _ in ns]
    sentences = {n.node_id: rows for _, _, _, ns in batch for n, rows in ns}
    store.sentence_store.put(nodes, sentences)
    store.writes.add_chunks(nodes)
    store.registry.stored_bodies.put([(i, r["content_hash"], body) for i, body, r, _ in batch])
    store.chroma.call(
        "registry",
        "upsert",
        ids=[doc_id for doc_id, _, _, _ in batch],
        metadatas=[record for _, _, record, _ in batch],
        embeddings=[[1.0]] * len(batch),
    )


# --- measuring a store (in a fresh process) -----------------------------------------------------


def _memory_mb() -> dict[str, float]:
    """This process's resident memory now (VmRSS) and at its peak so far (VmHWM), in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        for key, name in (("VmHWM:", "peak"), ("VmRSS:", "now")):
            if line.startswith(key):
                out[name] = round(int(line.split()[1]) / 1024, 1)
    return out


def _percentiles(ms: list[float]) -> dict[str, float]:
    return {
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
    }


def measure(data: Path, args: argparse.Namespace, server: tuple[str, int] | None) -> dict:
    from bot.evaluation.multihop import load_questions
    from index.engine import Engine

    settings = settings_for(data, server)
    out: dict[str, Any] = {}
    started = time.perf_counter()
    engine = Engine(settings)
    out["open_s"] = round(time.perf_counter() - started, 2)
    stats = engine.stats()
    out["chunks"], out["articles"] = stats.chunks, stats.articles
    started = time.perf_counter()
    engine.warm_up()
    out["warm_up_s"] = round(time.perf_counter() - started, 2)

    asked = [q["query"] for q in load_questions(MULTIHOP, "dev")]
    random.Random(args.seed).shuffle(asked)
    for question in asked[: args.warm]:  # a bot that has answered a few questions already
        engine.ask(question)
    profile = Profile()
    instrument(engine, profile)
    retrieval, answers = [], []
    for question in asked[args.warm : args.warm + args.questions]:
        with profile.question() as took:
            engine.sources(question)
        retrieval.append(took())
        t = time.perf_counter()
        engine.ask(question)
        answers.append((time.perf_counter() - t) * 1000)
    profile.stop()
    out["retrieval_ms"] = _percentiles(retrieval)
    out["ask_ms"] = _percentiles(answers)
    out["profile"] = profile.summary()
    out["serving_rss_mb"] = _memory_mb()
    out.update(_writes(engine, data, server))
    out["disk"] = disk(data, out["chunks"], args.server_path)
    engine.close()
    return out


def measure_build(data: Path, server: tuple[str, int] | None) -> dict[str, Any]:
    """Open the engine on a store whose keyword index is gone: it is built from the store (its
    own process, so that the serving process's peak memory is not the build's)."""
    from index.engine import Engine, keyword_folder

    settings = settings_for(data, server)
    shutil.rmtree(keyword_folder(settings), ignore_errors=True)
    started = time.perf_counter()
    engine = Engine(settings)
    seconds = round(time.perf_counter() - started, 1)
    engine.close()
    return {"open_with_keyword_build_s": seconds, "keyword_build_peak_rss_mb": _memory_mb()["peak"]}


def _writes(engine: Any, data: Path, server: tuple[str, int] | None) -> dict[str, Any]:
    """Add, replace and forget one short article, three times; median seconds of each, and of
    the add's own embedding. With a server, the add is a `newsbot index` process of its own
    (its index run's seconds, without the process start), which the bot then catches up with."""
    embedded = {"s": 0.0}
    model = type(engine.embedder)  # a pydantic model: its methods are patched on the class
    real_embed = model.embed

    def timed_embed(self: Any, texts: list[str], **kwargs: Any) -> np.ndarray:
        t = time.perf_counter()
        try:
            return real_embed(self, texts, **kwargs)
        finally:
            embedded["s"] += time.perf_counter() - t

    model.embed = timed_embed  # type: ignore[method-assign]
    folder = data.parent / f"{data.name}-articles"
    folder.mkdir(exist_ok=True)
    times: dict[str, list[float]] = {"add": [], "add_embedding": [], "replace": [], "forget": []}
    if server is not None:
        times["bot_catch_up"] = []
    for n in range(1, 4):
        path = folder / f"bridge-{n}.md"
        path.write_text(SHORT_ARTICLE.format(n=n))
        embedded["s"] = 0.0
        if server is not None:
            report = _cli_index(engine.settings, path)
            times["add"].append(report["seconds"])
            times["add_embedding"].append(float("nan"))
            t = time.perf_counter()
            engine.refresh()
            times["bot_catch_up"].append(time.perf_counter() - t)
        else:
            t = time.perf_counter()
            engine.index([path], prune=False)
            times["add"].append(time.perf_counter() - t)
            times["add_embedding"].append(embedded["s"])
        path.write_text(SHORT_ARTICLE.format(n=n + 4))
        t = time.perf_counter()
        engine.index([path], prune=False)
        times["replace"].append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.forget(str(path))
        times["forget"].append(time.perf_counter() - t)
    model.embed = real_embed  # type: ignore[method-assign]
    return {f"{k}_s": round(float(np.median(v)), 2) for k, v in times.items()}


def _cli_index(settings: Settings, path: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "NEWSBOT_DATA_DIR": str(settings.data_dir),
        "NEWSBOT_COLLECTION": settings.collection,
        "NEWSBOT_CHROMA_HOST": str(settings.chroma_host),
        "NEWSBOT_CHROMA_PORT": str(settings.chroma_port),
        "NEWSBOT_WARM_MINUTES": "0",
    }
    newsbot = shutil.which("newsbot") or str(Path(sys.executable).parent / "newsbot")
    done = subprocess.run(
        [newsbot, "index", "--no-prune", "--json", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def disk(data: Path, chunks: int, server_path: Path | None) -> dict[str, Any]:
    """Bytes per chunk: Chroma's folder (its SQLite file and its vector index files, apart;
    a server's folder with --server), the keyword file, the sentence vector file; and what
    Chroma's SQLite holds, by table and index (SQLite's dbstat)."""

    def size(path: Path) -> int:
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0

    chroma_dir = server_path if server_path is not None else data / "chroma"
    sentences = sentence_file_path(data, COLLECTION)
    sentence_bytes = sum(
        Path(f"{sentences}{s}").stat().st_size
        for s in ("", "-wal")
        if Path(f"{sentences}{s}").exists()
    )
    database = chroma_dir / "chroma.sqlite3"
    chroma_sqlite = database.stat().st_size if database.exists() else 0
    chroma_total = size(chroma_dir) - sentence_bytes
    keyword = size(data / "bm25")
    per = max(1, chunks)
    return {
        "chroma_sqlite_bytes_per_chunk": round(chroma_sqlite / per),
        "chroma_vector_index_bytes_per_chunk": round((chroma_total - chroma_sqlite) / per),
        "keyword_bytes_per_chunk": round(keyword / per),
        "sentence_file_bytes_per_chunk": round(sentence_bytes / per),
        "total_bytes_per_chunk": round((chroma_total + keyword + sentence_bytes) / per),
        "total_mb": round((chroma_total + keyword + sentence_bytes) / 2**20),
        "chroma_sqlite_by_table_bytes_per_chunk": _tables(database, per),
    }


def _tables(database: Path, per: int) -> dict[str, int]:
    if not database.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            rows = conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8"
            ).fetchall()
    except sqlite3.Error:  # a build of SQLite without dbstat
        return {}
    return {name: round(total / per) for name, total in rows}


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path("/work/data/mh"))
    parser.add_argument("--source-collection", default="multihop-full-c200o1")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbot-scale"))
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--server", action="store_true", help="against one `chroma run`")
    parser.add_argument("--reuse", action="store_true", help="measure stores built before")
    parser.add_argument("--keep", action="store_true", help="keep the stores afterwards")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the children's side
    parser.add_argument("--measure-build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chroma", help=argparse.SUPPRESS)  # host:port, for the children
    parser.add_argument("--server-path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    server = None
    if args.chroma:
        host, port = args.chroma.rsplit(":", 1)
        server = (host, int(port))
    if args.measure_build:
        print(json.dumps(measure_build(args.measure_build, server)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args, server)))
        return
    rows = []
    for size in args.sizes:
        rows.append(_size(args, size))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    print(table(rows))
    print()
    print(profile_table(rows))


def _size(args: argparse.Namespace, size: int) -> dict[str, Any]:
    mode = "server" if args.server else "embedded"
    data = args.work / f"store-{mode}-{size}"
    server_path = args.work / f"chroma-server-{size}" if args.server else None
    built_file = data / "built.json"
    reuse = args.reuse and built_file.exists()
    if server_path is not None and not reuse:
        shutil.rmtree(server_path, ignore_errors=True)
    with chroma_server(server_path) if server_path else contextlib.nullcontext() as server:
        if reuse:
            built = json.loads(built_file.read_text())
        else:
            built = build(args, data, size, server)
            data.mkdir(parents=True, exist_ok=True)  # (a server-mode build writes nothing here)
            built_file.write_text(json.dumps(built))
        log.info("built %s", built)
        row: dict[str, Any] = {"size": size, "mode": mode, **built}
        row["load_before"] = round(os.getloadavg()[0], 1)
        for flag in ("--measure-build", "--measure"):
            row.update(_child(flag, data, args, server, server_path))
        row["load_after"] = round(os.getloadavg()[0], 1)
    log.info("measured %s", json.dumps(row))
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(data.parent / f"{data.name}-articles", ignore_errors=True)
        if server_path is not None:
            shutil.rmtree(server_path, ignore_errors=True)
    return row


def _child(
    flag: str, data: Path, args: argparse.Namespace, server: Any, server_path: Path | None
) -> dict:
    command = [sys.executable, __file__, flag, str(data), "--questions", str(args.questions)]
    command += ["--warm", str(args.warm), "--seed", str(args.seed)]
    if server is not None:
        command += ["--chroma", f"{server[0]}:{server[1]}", "--server-path", str(server_path)]
    env = {**os.environ, "NEWSBOT_LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{flag} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| chunks | mode | add s (embedding) | replace s | forget s | retrieval p50/p95 ms | "
        "ask p50/p95 ms | serving RSS MB (peak) | disk B/chunk: Chroma SQLite + vector index "
        "+ keyword + sentences = total | keyword build s (peak MB) | open s | load |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        d, rss = r["disk"], r["serving_rss_mb"]
        lines.append(
            f"| {r['chunks']:,} | {r['mode']} | {r['add_s']} ({r['add_embedding_s']}) | "
            f"{r['replace_s']} | {r['forget_s']} | "
            f"{r['retrieval_ms']['p50']}/{r['retrieval_ms']['p95']} | "
            f"{r['ask_ms']['p50']}/{r['ask_ms']['p95']} | {rss['now']} ({rss['peak']}) | "
            f"{d['chroma_sqlite_bytes_per_chunk']:,} + "
            f"{d['chroma_vector_index_bytes_per_chunk']:,} + {d['keyword_bytes_per_chunk']:,} + "
            f"{d['sentence_file_bytes_per_chunk']:,} = {d['total_bytes_per_chunk']:,} | "
            f"{r['open_with_keyword_build_s']} ({r['keyword_build_peak_rss_mb']}) | "
            f"{r['open_s']} | {r['load_before']}-{r['load_after']} |"
        )
    return "\n".join(lines)


def profile_table(rows: list[dict[str, Any]]) -> str:
    parts = sorted({p for r in rows for p in r["profile"]})
    head = "| part of `sources`, ms per question (p50 / mean, share) | " + " | ".join(
        f"{r['chunks']:,} {r['mode']}" for r in rows
    )
    lines = [head + " |", "|" + "---|" * (len(rows) + 1)]
    for part in parts:
        cells = []
        for r in rows:
            got = r["profile"].get(part)
            cells.append(f"{got['p50_ms']} / {got['mean_ms']} ({got['share']:.0%})" if got else "-")
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
