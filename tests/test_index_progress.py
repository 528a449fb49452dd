"""The embedding progress moves per batch of the model, not once per group of 256 chunks: a
small run no longer sits at 0 % for its whole embedding and then jumps to 100 %."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

from index.embedding import OnnxEmbedding
from index.engine import Engine
from index.results import IndexProgress
from index.settings import load_settings
from tests.conftest import MULTIHOP
from tests.test_cli import NEWSBOT


def articles(folder: Path, count: int) -> Path:
    """MultiHop-RAG articles (about 10 chunks each): one group of the indexer, many batches."""
    records = json.loads((MULTIHOP / "corpus.json").read_text())[:count]
    path = folder / "articles.json"
    path.write_text(json.dumps(records))
    return path


def test_engine_ticks_after_every_batch(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", sources=[articles(tmp_path, 4)])
    engine = Engine(settings, embedder=OnnxEmbedding(batch_size=8, threads=1))
    ticks: list[IndexProgress] = []
    try:
        report = engine.index(progress=ticks.append)
    finally:
        engine.close()
    done = [t.done for t in ticks if t.stage == "embedding"]
    total = report.chunks_embedded
    assert total < 256  # one group: before, the bar went 0 -> total in one step
    assert done[0] == 0 and done[-1] == total
    assert done == sorted(done)
    between = {d for d in done if 0 < d < total}
    assert len(between) >= 3, done


def test_the_terminal_bar_shows_steps_between_0_and_100(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    # A 100-column terminal: a new pty has 0 columns, where tqdm draws an empty bar.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env |= {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_EMBEDDING_BATCH_SIZE": "8",
        "NEWSBOT_EMBEDDING_THREADS": "1",
        "TQDM_MININTERVAL": "0",  # draw every update: the test is about updates, not timing
    }
    proc = subprocess.Popen(
        [NEWSBOT, "index", str(articles(tmp_path, 2))],
        cwd=tmp_path,
        env=env,
        stderr=follower,
        stdout=follower,
    )
    os.close(follower)
    out = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    assert proc.wait(timeout=300) == 0, out.decode(errors="replace")[-2000:]
    os.close(leader)
    shown = {int(p) for p in re.findall(rb"Embedding:\s+(\d+)%", out)}
    assert 100 in shown and {p for p in shown if 0 < p < 100}, shown
