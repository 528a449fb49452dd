"""Keyword index candidates side by side (issue 18): what adding one article costs, how fast a
question is, and whether the scores are today's (the learned ranker reads them as features).

    python benchmarks/keyword_candidates.py --data /work/eval-data \\
        --collection multihop-full-c200o1 --questions 200

Candidates, all over the same visible chunks of an indexed store (read only) with one article
held out and then added:
- bm25s, rebuilt whole on every write (the keyword side before issue 18);
- exact BM25 over SQLite postings (index/bm25_postings.py, what newsbot now uses);
- SQLite FTS5 with its bm25() ranking (porter tokenizer, OR query of the question's words);
- tantivy (`pip install tantivy`; en_stem tokenizer, OR query), when installed.
Agreement: the share of bm25s's top 10 (per question) a candidate also ranks in its top 10.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.store.bm25_postings import indexed_text  # noqa: E402
from index.store.keyword_index import KeywordIndex  # noqa: E402

_WORD = re.compile(r"(?u)\b\w\w+\b")


def _nodes(data: Path, collection: str) -> list:
    from index.embedding import OnnxEmbedding
    from index.settings import Settings
    from index.store.chroma import Store

    settings = Settings(data_dir=data, collection=collection)
    store = Store(settings, OnnxEmbedding(None, None).fingerprint)
    nodes = list(store.live_nodes())
    store.close()
    return nodes


class Bm25s:
    name = "bm25s, rebuilt per write"
    exact = True

    def build(self, nodes: list) -> None:
        import Stemmer
        from llama_index.retrievers.bm25 import BM25Retriever

        self.ids = [n.node_id for n in nodes]
        self.r = BM25Retriever.from_defaults(
            nodes=nodes, stemmer=Stemmer.Stemmer("english"), language="english"
        )

    def add(self, nodes: list, new: list) -> None:
        self.build(nodes + new)

    def search(self, query: str, k: int) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize(
            query, stemmer=self.r.stemmer, token_pattern=self.r.token_pattern, show_progress=False
        )
        if not tokens.vocab:
            return []
        found, scores = self.r.bm25.retrieve(
            tokens, corpus=np.arange(len(self.ids)), k=min(k, len(self.ids)), show_progress=False
        )
        return [self.ids[i] for i, s in zip(found[0], scores[0], strict=True) if s > 0]


class Postings:
    name = "exact BM25, SQLite postings (chosen)"
    exact = True

    def __init__(self, folder: Path) -> None:
        self.index = KeywordIndex(folder)

    def build(self, nodes: list) -> None:
        self.index.rebuild(nodes, "base")

    def add(self, nodes: list, new: list) -> None:
        doc = new[0].metadata["doc_id"]
        versions = {doc: new[0].metadata["content_hash"]}
        self.index.sync(lambda: {**self._base(nodes), **versions}, lambda _: new)

    @staticmethod
    def _base(nodes: list) -> dict[str, str]:
        return {n.metadata["doc_id"]: n.metadata["content_hash"] for n in nodes}

    def search(self, query: str, k: int) -> list[str]:
        return [n.node_id for n, _ in self.index.search(query, k)]


class Fts5:
    name = "SQLite FTS5 bm25()"
    exact = False

    def __init__(self, folder: Path) -> None:
        self.conn = sqlite3.connect(folder / "fts.sqlite3", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(chunk_id UNINDEXED, body, tokenize='porter')"
        )

    def build(self, nodes: list) -> None:
        self._insert(nodes)

    def _insert(self, nodes: list) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO fts (chunk_id, body) VALUES (?, ?)",
            [(n.node_id, indexed_text(n)) for n in nodes],
        )
        self.conn.execute("COMMIT")

    def add(self, nodes: list, new: list) -> None:
        self._insert(new)

    def search(self, query: str, k: int) -> list[str]:
        words = {w.lower() for w in _WORD.findall(query)}
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in sorted(words))
        rows = self.conn.execute(
            "SELECT chunk_id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?", (match, k)
        )
        return [r[0] for r in rows]


class Tantivy:
    name = "tantivy (en_stem)"
    exact = False

    def __init__(self, folder: Path) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
        builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(folder))
        self.tantivy = tantivy

    def build(self, nodes: list) -> None:
        self._insert(nodes)

    def _insert(self, nodes: list) -> None:
        writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        for n in nodes:
            writer.add_document(self.tantivy.Document(chunk_id=n.node_id, body=indexed_text(n)))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def add(self, nodes: list, new: list) -> None:
        self._insert(new)

    def search(self, query: str, k: int) -> list[str]:
        words = {w.lower() for w in _WORD.findall(query)}
        if not words:
            return []
        parsed = self.index.parse_query(" OR ".join(sorted(words)), ["body"])
        searcher = self.index.searcher()
        hits = searcher.search(parsed, k).hits
        return [searcher.doc(address)["chunk_id"][0] for _, address in hits]


def run(candidate, base: list, new: list, questions: list[str], reference) -> dict:  # noqa: ANN001
    started = time.perf_counter()
    candidate.build(base)
    built = time.perf_counter() - started
    started = time.perf_counter()
    candidate.add(base, new)
    added = time.perf_counter() - started
    for q in questions[:20]:
        candidate.search(q, 300)  # warm
    times, agree = [], []
    for q in questions:
        started = time.perf_counter()
        found = candidate.search(q, 300)
        times.append((time.perf_counter() - started) * 1000)
        want = reference.get(q)
        if want is not None and want:
            agree.append(len(set(found[:10]) & set(want[:10])) / len(want[:10]))
    return {
        "candidate": candidate.name,
        "build_s": round(built, 2),
        "add_one_article_s": round(added, 3),
        "query_p50_ms": round(statistics.median(times), 1),
        "query_p95_ms": round(float(np.percentile(times, 95)), 1),
        "top10_agreement": round(statistics.mean(agree), 3) if agree else None,
        "scores_as_today": candidate.exact,
    }


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/eval-data"))
    parser.add_argument("--collection", default="multihop-full-c200o1")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--multihop", type=Path, default=Path("/work/shared/eval/multihop-rag"))
    args = parser.parse_args()
    nodes = _nodes(args.data, args.collection)
    held = nodes[-1].metadata["doc_id"]
    base = [n for n in nodes if n.metadata["doc_id"] != held]
    new = [n for n in nodes if n.metadata["doc_id"] == held]
    records = json.loads((args.multihop / "MultiHopRAG.json").read_text())
    questions = [q["query"] for i, q in enumerate(records) if i % 2 == 0][: args.questions]

    today = Bm25s()
    today.build(base + new)
    reference = {q: today.search(q, 10) for q in questions}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        made = [Bm25s(), Postings(Path(tmp) / "postings"), Fts5(Path(tmp))]
        try:
            (Path(tmp) / "tantivy").mkdir()
            made.append(Tantivy(Path(tmp) / "tantivy"))
        except ImportError:
            print("tantivy not installed: skipped", file=sys.stderr)
        for candidate in made:
            rows.append(run(candidate, base, new, questions, reference))
            print(json.dumps(rows[-1]), file=sys.stderr)
    print(f"{len(base):,} chunks, then one article of {len(new)} chunks added\n")
    print("| candidate | build s | add one article s | query p50/p95 ms | top-10 agreement |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['candidate']} | {r['build_s']} | {r['add_one_article_s']} | "
            f"{r['query_p50_ms']}/{r['query_p95_ms']} | {r['top10_agreement']} |"
        )


if __name__ == "__main__":
    main()
