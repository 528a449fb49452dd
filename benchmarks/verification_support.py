"""How often the LLM verifier's lexical support check accepts a claim against the wrong source.

For MultiHop-RAG dev questions, each evidence fact is checked (with
`index.answer.verification.support`)
against the passage that holds it and against the top-ranked passage of another article for the
same question (a topical but wrong source), at several thresholds.

    NEWSBOT_DATA_DIR=data python benchmarks/verification_support.py [--questions 150]

Needs the corpus indexed by `newsbot eval multihop` (collection `multihop-full-c200o1`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.multihop import load_questions  # noqa: E402
from index.answer.verification import support  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.settings import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/eval/multihop-rag")
    parser.add_argument("--collection", default="multihop-full-c200o1")
    parser.add_argument("--questions", type=int, default=150)
    args = parser.parse_args()
    engine = Engine(load_settings(collection=args.collection))
    questions = [q for q in load_questions(args.data, "dev") if q["evidence_list"]]
    own, wrong = [], []
    for q in questions[: args.questions]:
        passages = engine.sources(q["query"], 10)
        for ev in q["evidence_list"]:
            gold = [p for p in passages if p.url == ev["url"] and ev["fact"] in p.text]
            other = [p for p in passages if p.url != ev["url"]][:1]
            own += [support(ev["fact"], gold[:1])] if gold else []
            wrong += [support(ev["fact"], other)] if other else []
    print(f"{len(own)} claims vs their own passage, {len(wrong)} vs another article's")
    print("| threshold | own passage accepted | wrong passage accepted |\n|---|---|---|")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        ok = sum(s >= t for s in own) / max(len(own), 1)
        bad = sum(s >= t for s in wrong) / max(len(wrong), 1)
        print(f"| {t} | {ok:.3f} | {bad:.3f} |")


if __name__ == "__main__":
    main()
