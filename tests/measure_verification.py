"""The overhead verification adds per generated answer, with the scripted fake server.

    python -m tests.measure_verification [N]

Asks the seed question N times (default 200) through the real OpenAI-compatible client against
the fake server, cycling through scripted answers that exercise every rule, and reports p50/p95
of the checks plus citation building (everything between the model's text and the Answer), next
to the whole answer time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from index.answer import generated as generation
from index.engine import Engine
from index.settings import load_settings
from tests.fakes.llm_servers import FakeLLMServer, Reply
from tests.test_generation import GOOD, QUESTION, passage_with

TEXTS = [
    "{GOOD} [{a}].",
    '{GOOD} [{a}][7]. Pakistan apologised. Kanaani said "we will respond with force" [{b}].',
    "{GOOD} [{a}]. Iran's Foreign Ministry spokesman condemned the strikes [{b}]. "
    "The strike killed 500 people [{a}]. The border spans 560 miles [{c}].",
    "The articles do not contain the answer.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(n: int = 200) -> None:
    server = FakeLLMServer().start()
    turn = iter(range(10**9))

    def reply(messages: list[dict]) -> Reply:
        a = passage_with(messages, "death toll of nine")
        b = passage_with(messages, "Kanaani")
        text = TEXTS[next(turn) % len(TEXTS)]
        return Reply(text.format(GOOD=GOOD, a=a, b=b, c=a))

    server.script = reply
    folder = Path(tempfile.mkdtemp())
    settings = load_settings(
        data_dir=folder,
        llm="openai-compatible",
        llm_base_url=server.openai_url,
        llm_model="fake",
    )
    engine = Engine(settings)
    engine.ensure_indexed()
    checks: list[float] = []
    original_verify, original_render = generation.verify, generation.GeneratedAnswerer._render

    def timed_verify(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return original_verify(*args, **kwargs)
        finally:
            checks.append(time.perf_counter() - started)

    def timed_render(self, *args):  # noqa: ANN001, ANN002, ANN202
        started = time.perf_counter()
        try:
            return original_render(self, *args)
        finally:
            checks[-1] += time.perf_counter() - started

    generation.verify = timed_verify
    generation.GeneratedAnswerer._render = timed_render
    totals = []
    for _ in range(n):
        started = time.perf_counter()
        engine.ask(QUESTION)
        totals.append(time.perf_counter() - started)
    server.stop()
    ms = [c * 1000 for c in checks]
    whole = [t * 1000 for t in totals]
    print(f"{n} answers ({len(TEXTS)} scripted texts in turn), 2-core machine")
    p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
    print(f"verification + citations: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    print(
        f"whole ask (retrieval + fake model + checks): p50 {percentile(whole, 0.5):.1f} ms, "
        f"p95 {percentile(whole, 0.95):.1f} ms; mean checks {statistics.mean(ms):.2f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
