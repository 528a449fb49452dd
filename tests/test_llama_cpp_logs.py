"""LLM mode with a local model writes nothing of llama.cpp's own to stderr: its log lines go to
the "llama.cpp" logger at debug (index/llama_cpp_logs.py). Gemma 3 files printed
"llama_kv_cache_iswa: using full-size SWA cache" under every answer; here llama.cpp is made to
log an error line by loading a file that does not exist, in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp", reason="needs the local extra: pip install -e '.[local]'")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(name)s| %(message)s")
import llama_cpp
import llama_cpp._logger
if sys.argv[1] == "route":
    from index.llama_cpp_logs import route_llama_cpp_logs
    route_llama_cpp_logs()
    route_llama_cpp_logs()  # twice is once
llama_cpp.llama_backend_init()
params = llama_cpp.llama_model_default_params()
assert not llama_cpp.llama_model_load_from_file(b"/nonexistent/model.gguf", params)
"""


def run(mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )


def test_llama_cpp_lines_go_to_logging_not_stderr() -> None:
    plain = run("plain")
    assert "failed to load model" in plain.stderr  # what llama-cpp-python does on its own
    routed = run("route")
    assert routed.stderr == ""
    assert "llama.cpp| llama_model_load_from_file_impl: failed to load model" in routed.stdout
