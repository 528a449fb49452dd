"""The issue-21 seed questions through the in-process model, beside the extractive answerer:
seconds per answer, what was posted, and what verification kept of the model's reply.

    python benchmarks/local_llm_seeds.py --model model.gguf [--threads 1] [--questions 4]

Without --model, the tests' SmolLM2-135M-Instruct (tests/fixture-models.txt) is used, with the
tests' prompt for it (tests/small-model-prompts) unless NEWSBOT_PROMPTS_DIR says otherwise.
Indexes the repo's seeds/ (and ../shared/seeds when present) into a temporary folder. Prints a
markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.engine import Engine  # noqa: E402
from index.settings import DEFAULT_SEEDS, load_settings  # noqa: E402

QUESTIONS = [
    "How many people did the Pakistani strike kill?",
    "Who is the spokesman of Iran's Foreign Ministry?",
    "How long is the border between Iran and Pakistan?",
    "Who won the 2018 FIFA World Cup?",
]


def row(llm: Engine, extractive: Engine, question: str) -> str:
    plain = extractive.ask(question)
    started = time.perf_counter()
    answer = llm.ask(question)
    seconds = time.perf_counter() - started
    v = answer.verification
    posted = "refused" if answer.refused else " ".join(answer.answer.split())[:80]
    return (
        f"| {question} | {seconds:.1f} | {posted} | kept {v.kept} of {v.sentences}, "
        f"token limit {v.hit_token_limit}, fallback {v.fallback} | "
        f"{'same as' if plain.answer == answer.answer else 'differs from'} extractive |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="GGUF file")
    parser.add_argument("--threads", type=int, default=0, help="0 = llama.cpp's default")
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    args = parser.parse_args(argv)
    prompts: dict[str, object] = {}
    if args.model is None:
        from tests.small_model import PROMPTS, smollm2_path

        args.model = smollm2_path()
        if not os.environ.get("NEWSBOT_PROMPTS_DIR"):
            prompts = {"prompts_dir": PROMPTS}
    shared = ROOT.parent / "shared" / "seeds"
    sources = [DEFAULT_SEEDS] + ([shared] if shared.is_dir() else [])
    with tempfile.TemporaryDirectory() as data:
        common = {"data_dir": data, "sources": sources}
        extractive = Engine(load_settings(**common))
        extractive.ensure_indexed()
        llm = Engine(
            load_settings(
                **common,
                **prompts,
                llm="llama-cpp",
                llm_model_path=args.model,
                llm_threads=args.threads,
            ),
            extractive.embedder,
        )
        print("| question | seconds | posted | the model's reply | posted answer |")
        print("|---|---|---|---|---|")
        for question in QUESTIONS[: args.questions]:
            print(row(llm, extractive, question), flush=True)
        llm.close()
        extractive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
