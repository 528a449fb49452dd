"""Killed mid-index: SIGKILL `newsbot index` over a MultiHop-RAG slice at random moments, 20+ times.

    python benchmarks/kill_index.py [--trials 20] [--articles 609] [--body-chars N] [--json]

The corpus slice is written as one JSON file per article. An old state is indexed first (some
articles that the killed runs change, some they add, some they prune, some unchanged), then the
folder becomes the new corpus. The trials run in rounds: each round restores the old state, kills
`--kills-per-round` runs in a row (each resuming what the previous one left) and checks after
every kill that each article is wholly its old or its new version, nothing indexed before is
missing, the keyword index agrees with Chroma and `newsbot stats --json` is right; then it runs
`newsbot index` to completion and compares the store with a clean index of the new corpus.
Everything is real: child processes, embedded Chroma, ONNX embeddings (tests/kill_harness.py).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.embedding import OnnxEmbedding  # noqa: E402
from index.settings import Settings  # noqa: E402
from tests.kill_harness import (  # noqa: E402
    Kill,
    Scenario,
    State,
    committed,
    default_settings,
    embedding_speed,
    final_problems,
    index_in_process,
    kill_keyword_save,
    kill_problems,
    make_scenario,
    newsbot,
    newsbot_stats,
    read_state,
    reader_keyword_problems,
    run_and_kill,
    stats_problems,
    write_new_corpus,
)

# Within a round: two kills aimed into the writes, one at a random time (its run starts by
# sweeping the invisible chunks the first left) and one into the embedding; the last kill of a
# round lands, in turn, in the pruning or the keyword index rebuild that end a run, or in the
# embedding or the writes again, so that the finishing run has articles left to embed.
ROUND_KINDS = ("write", "time", "embed", "write")
LAST_KINDS = ("prune", "keyword", "embed", "write")


@dataclass
class Trial:
    round: int
    kill: Kill
    committed: int = 0  # articles added, replaced or pruned before the kill
    leftover_chunks: int = 0
    keyword: str = ""
    problems: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        k = self.kill
        return {
            "round": self.round,
            "kind": k.kind,
            "aim": k.aim,
            "landed": k.stage,
            "seconds": k.seconds,
            "articles_to_embed": k.to_embed,
            "articles_stored": k.stored,
            "chunks_done": k.chunks_done,
            "articles_committed": self.committed,
            "invisible_chunks_left": self.leftover_chunks,
            "keyword_index": self.keyword,
            "invariants_held": not self.problems,
            "problems": self.problems[:10],
            "data_lost": len(self.lost),
        }


@dataclass
class Round:
    number: int
    finished: bool = False
    equals_clean: bool = False
    chunks_embedded: int = 0
    lowest_cosine: float = 0.0
    problems: list[str] = field(default_factory=list)


def round_kinds(number: int, kills: int) -> list[str]:
    kinds = [ROUND_KINDS[i % len(ROUND_KINDS)] for i in range(kills - 1)]
    return [*kinds, LAST_KINDS[(number - 1) % len(LAST_KINDS)]]


def one_round(
    number: int,
    kinds: list[str],
    scenario: Scenario,
    pristine: Path,
    clean: State,
    fingerprint: str,
    rng: random.Random,
    seconds_per_chunk: float,
    work: Path,
) -> tuple[list[Trial], Round]:
    settings = scenario.settings
    shutil.rmtree(settings.data_dir)
    shutil.copytree(pristine, settings.data_dir)  # back to the old state
    before = read_state(settings, fingerprint)
    trials: list[Trial] = []
    for kind in kinds:
        trial = Trial(round=number, kill=run_and_kill(scenario, kind, rng, work, seconds_per_chunk))
        after = read_state(settings, fingerprint)
        trial.problems, trial.lost = kill_problems(scenario, before, after)
        trial.committed = committed(before, after)
        trial.leftover_chunks = after.consistency.leftover_chunks
        trial.keyword = after.consistency.keyword
        trial.problems += stats_problems(after, newsbot_stats(settings, work))
        trial.problems += reader_keyword_problems(settings, after)
        trials.append(trial)
        _say(trial)
        before = after
    return trials, finish_round(number, scenario, clean, fingerprint, work)


def finish_round(
    number: int, scenario: Scenario, clean: State, fingerprint: str, work: Path
) -> Round:
    """Run `newsbot index` to completion and compare with the clean index."""
    settings = scenario.settings
    result = Round(number)
    done = newsbot(settings, "index", str(scenario.folder), "--json", cwd=work)
    result.finished = done.returncode == 0
    if not result.finished:
        result.problems = [f"re-run failed: {done.stderr[-500:]}"]
        return result
    result.chunks_embedded = json.loads(done.stdout)["chunks_embedded"]
    final = read_state(settings, fingerprint, with_vectors=True)
    problems, result.lowest_cosine = final_problems(scenario, final, clean)
    problems += stats_problems(final, newsbot_stats(settings, work))
    result.problems, result.equals_clean = problems, not problems
    print(
        f"  round {number}: re-run finished, {result.chunks_embedded} chunks embedded, "
        f"equals clean index: {result.equals_clean}",
        file=sys.stderr,
    )
    return result


def _say(trial: Trial) -> None:
    k = trial.kill
    held = "held" if not trial.problems else "BROKEN: " + "; ".join(trial.problems[:3])
    print(f"  kill ({k.kind}) at {k.seconds:.1f} s: {k.stage}; invariants {held}", file=sys.stderr)


def prepare(args: argparse.Namespace, work: Path, embedder: OnnxEmbedding) -> dict[str, Any]:
    """The scenario, the old state saved aside, and the clean index of the new corpus."""
    settings: Settings = default_settings(work / "data", args.chunk_size)
    scenario = make_scenario(
        work / "corpus", settings, embedder, args.articles, args.body_chars, args.seed
    )
    started = time.perf_counter()
    index_in_process(settings, embedder, scenario.folder)
    print(f"old state indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    pristine = work / "pristine"
    shutil.copytree(settings.data_dir, pristine)
    write_new_corpus(scenario, embedder)
    clean_settings = default_settings(work / "clean", args.chunk_size)
    started = time.perf_counter()
    index_in_process(clean_settings, embedder, scenario.folder)
    clean_seconds = time.perf_counter() - started
    print(f"clean index of the new corpus in {clean_seconds:.0f} s", file=sys.stderr)
    return {
        "scenario": scenario,
        "pristine": pristine,
        "clean": read_state(clean_settings, embedder.fingerprint, with_vectors=True),
        "seconds_per_chunk": embedding_speed(embedder, scenario),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="newsbot-kill-"))
    embedder = OnnxEmbedding()
    setup = prepare(args, work, embedder)
    scenario: Scenario = setup["scenario"]
    rng = random.Random(args.seed)
    trials: list[Trial] = []
    rounds: list[Round] = []
    number = 0
    while len(trials) < args.trials:
        number += 1
        kills = min(args.kills_per_round, args.trials - len(trials))
        print(f"round {number}: {kills} kills", file=sys.stderr)
        got, finished = one_round(
            number,
            round_kinds(number, kills),
            scenario,
            setup["pristine"],
            setup["clean"],
            embedder.fingerprint,
            rng,
            setup["seconds_per_chunk"],
            work,
        )
        trials += got
        rounds.append(finished)
    saves = keyword_save_trials(args.save_trials, rng, work)
    shutil.rmtree(work, ignore_errors=True)
    return {**report(args, scenario, trials, rounds), "keyword_saves": saves}


def keyword_save_trials(count: int, rng: random.Random, work: Path) -> dict[str, Any]:
    """SIGKILL inside the BM25 save itself, `count` times: what each kill left."""
    folder = work / "bm25-saves" / "collection"
    folder.parent.mkdir(parents=True)
    left: dict[str, int] = {}
    problems: list[str] = []
    for _ in range(count):
        found, wrong = kill_keyword_save(folder, rng, work)
        left[found] = left.get(found, 0) + 1
        problems += wrong
    print(f"keyword index saves killed {count} times: left {left}", file=sys.stderr)
    return {"trials": count, "left": left, "problems": problems}


def report(
    args: argparse.Namespace, scenario: Scenario, trials: list[Trial], rounds: list[Round]
) -> dict[str, Any]:
    roles = list(scenario.roles.values())
    return {
        "articles": args.articles,
        "body_chars": args.body_chars,
        "chunk_size": args.chunk_size,
        "seed": args.seed,
        "roles": {r: roles.count(r) for r in ("unchanged", "changed", "added", "pruned")},
        "trials": [t.row() for t in trials],
        "rounds": [r.__dict__ for r in rounds],
        "summary": {
            "trials": len(trials),
            "invariants_held": sum(not t.problems for t in trials),
            "reruns_finished": sum(r.finished for r in rounds),
            "rounds_equal_to_clean_index": sum(r.equals_clean for r in rounds),
            "rounds": len(rounds),
            "data_lost": sum(len(t.lost) for t in trials),
        },
    }


def print_table(result: dict[str, Any]) -> None:
    s = result["summary"]
    body = f"first {result['body_chars']} chars" if result["body_chars"] else "whole bodies"
    print(
        f"Killed mid-index: {s['trials']} SIGKILLs over {result['articles']} MultiHop-RAG "
        f"articles ({body}, chunk size {result['chunk_size']}; roles {result['roles']})\n"
    )
    print(
        "| # | round | aimed at | landed in | articles to embed | committed | chunks done "
        "| invisible chunks left | keyword index | invariants | data lost |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for i, t in enumerate(result["trials"], 1):
        print(
            f"| {i} | {t['round']} | {t['kind']}: {t['aim']} | {t['landed']} "
            f"| {_or_dash(t['articles_to_embed'])} | {t['articles_committed']} "
            f"| {t['chunks_done']} "
            f"| {t['invisible_chunks_left']} | {t['keyword_index']} "
            f"| {'held' if t['invariants_held'] else 'BROKEN'} | {t['data_lost']} |"
        )
    print("\n| round | re-run finished | chunks embedded | equals a clean index | lowest cosine |")
    print("|---|---|---|---|---|")
    for r in result["rounds"]:
        print(
            f"| {r['number']} | {'yes' if r['finished'] else 'NO'} | {r['chunks_embedded']} "
            f"| {'yes' if r['equals_clean'] else 'NO'} | {r['lowest_cosine']:.4f} |"
        )
    saves = result["keyword_saves"]
    if saves["trials"]:
        left = ", ".join(f"{n} × {what}" for what, n in sorted(saves["left"].items()))
        print(
            f"\nkeyword index save killed {saves['trials']} times (versions A and B saved in "
            f"turn): left {left}; problems: {len(saves['problems'])}"
        )
    print(
        f"\ninvariants held after {s['invariants_held']}/{s['trials']} kills; re-runs finished "
        f"{s['reruns_finished']}/{s['rounds']}, equal to a clean index "
        f"{s['rounds_equal_to_clean_index']}/{s['rounds']}; data lost: {s['data_lost']}"
    )


def _or_dash(value: Any) -> str:
    return "–" if value is None else str(value)  # not known yet when killed during startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="kills in all (default 20)")
    parser.add_argument("--articles", type=int, default=609, help="corpus slice (default all)")
    parser.add_argument("--body-chars", type=int, default=None, help="cut bodies (default whole)")
    parser.add_argument("--chunk-size", type=int, default=200, help="NEWSBOT_CHUNK_SIZE")
    parser.add_argument("--kills-per-round", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--save-trials", type=int, default=20, help="kills inside the keyword index save alone"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
        print(f"({result['seconds']:.0f} s)")
    ok = result["summary"]
    if (
        ok["invariants_held"] < ok["trials"]
        or ok["data_lost"]
        or ok["rounds_equal_to_clean_index"] < ok["rounds"]
        or result["keyword_saves"]["problems"]
    ):
        sys.exit(1)


if __name__ == "__main__":
    main()
