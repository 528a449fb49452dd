"""Shared fixtures: the real ONNX embedder (loaded once), engines on a temporary embedded Chroma
or on a real `chroma run` server started here, and the MultiHop-RAG data in ../shared."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from index.embedding import OnnxEmbedding
from index.engine import Engine
from index.results import Answer
from index.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
MULTIHOP = SHARED / "eval" / "multihop-rag"
SEEDS = ROOT / "seeds"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingEmbedder(OnnxEmbedding):
    """The real embedder, counting the texts it embeds (to prove unchanged costs nothing)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._calls: list[int] = []

    def embed(self, texts: list[str], before_batch=None):  # noqa: ANN001, ANN201
        self._calls.append(len(texts))
        return super().embed(texts, before_batch)

    @property
    def embedded(self) -> int:
        return sum(self._calls)

    def reset(self) -> None:
        self._calls.clear()


@pytest.fixture(scope="session")
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NEWSBOT_* from the developer's shell or a .env leaks into a test."""
    # The default data folder is the platform's user data folder: one of the test's own.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    for key in list(os.environ):
        if key.startswith("NEWSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _nothing_left_frozen() -> Iterator[None]:
    """An engine warmed up keeps what is alive out of the cycle collector until it is closed;
    tests seldom close theirs, so each test's frozen objects are handed back after it."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server on 127.0.0.1, stopped by its pid afterwards."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"chroma run did not start: {(path / 'server.log').read_text()}")
            time.sleep(0.2)
    yield "127.0.0.1", port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(params=["embedded", "server"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_engine(
    tmp_path: Path, embedder: CountingEmbedder, request: pytest.FixtureRequest
) -> Callable[..., Engine]:
    """Build engines on a fresh collection, in the mode the test is parametrised with."""
    mode = (
        request.node.callspec.params.get("mode", "embedded")
        if hasattr(request.node, "callspec")
        else "embedded"
    )
    server: dict[str, object] = {}
    if mode == "server":
        host, port = request.getfixturevalue("chroma_server")
        server = {"chroma_host": host, "chroma_port": port}
    collection = f"t{abs(hash(request.node.nodeid)) % 10**8}-{time.monotonic_ns() % 10**6}"

    def make(**overrides: object) -> Engine:
        settings = load_settings(
            **{
                "data_dir": tmp_path / "data",
                "collection": collection,
                "sources": [SEEDS],
                **server,
                **overrides,
            }
        )
        return Engine(settings, embedder=embedder)

    return make


@pytest.fixture
def ask_of_article(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> Callable[[str, str], Answer]:
    """Index one article (its Markdown, front matter included) alone and ask it a question."""

    def ask(article: str, question: str) -> Answer:
        folder = tmp_path / "one-article"
        folder.mkdir(exist_ok=True)
        (folder / "article.md").write_text(article, encoding="utf-8")
        engine = make_engine(sources=[folder])
        try:
            engine.index()
            return engine.ask(question)
        finally:
            engine.close()

    return ask
