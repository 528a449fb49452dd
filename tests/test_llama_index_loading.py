"""llama-index is imported late, in whichever thread first needs it (the question path never does):
in a serving process that is a worker thread of a re-index, a feed poll or a catch-up with another
process's writes, and two of those can start at once. Its modules import each other in circles,
and two threads importing two of them at once get half-made modules ("cannot import name
'Document' from 'llama_index.core'"), so every way in goes through `index.llama_loader`."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import threading, traceback
from index.chunks import StoredChunk
from index.llama_loader import keep_llama_index_local
from index.chunks import text_node

class Model:  # what llama-index's settings keep of our embedder
    model_name, embed_batch_size = "stub", 8

chunk = StoredChunk("a-0000", "Text.", {"doc_id": "a"})

def index_run():  # Engine.index
    keep_llama_index_local(Model())
    import index.ingest.run  # noqa: F401

ways_in = [
    index_run,
    lambda: text_node("a-0000", "Text.", {"doc_id": "a"}),  # a catch-up
    lambda: chunk.as_text_node(),  # the evaluator, the retriever door
    lambda: __import__("index.store.bm25_postings").store.bm25_postings.indexed_text(
        text_node("a-0000", "Text.", {"doc_id": "a"})
    ),
]
barrier, errors = threading.Barrier(len(ways_in)), []

def run(way):
    barrier.wait()
    try:
        way()
    except Exception:
        errors.append(traceback.format_exc())

threads = [threading.Thread(target=run, args=(w,)) for w in ways_in]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("".join(errors) or "ok")
"""


def test_threads_that_reach_llama_index_at_once_all_get_it_whole() -> None:
    for _ in range(3):  # a fresh interpreter each time: the first import is the one at stake
        out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "ok", out.stdout
