"""llama-index, imported whole once under a lock, and pointed at the local models.

The question path never imports llama-index (its package `__init__` costs a one-question
`newsbot ask` 0.56 s), so a serving process imports it late, in a worker thread: the first
re-index, feed poll or catch-up with another process's writes. Its modules import each other in
circles, and two threads importing two of them at once get half-made modules ("cannot import
name 'Document' from 'llama_index.core'", measured). So every place that reaches for llama-index
calls `load_llama_index` first, which imports the whole package once, one thread at a time.

llama-index also reaches for OpenAI the first time anything asks its settings for a model, so
whatever runs a llama-index part (indexing, LLM mode, the retriever door) calls
`keep_llama_index_local` first.
"""

from __future__ import annotations

import threading
from typing import Any

_LOADING = threading.Lock()
_loaded = False


def load_llama_index() -> None:
    """Import `llama_index.core` whole, unless it is already; safe from any thread."""
    global _loaded
    if _loaded:
        return
    with _LOADING:
        import llama_index.core  # noqa: F401 - the whole package, while no other thread imports it

        _loaded = True


def keep_llama_index_local(embedder: Any) -> None:
    """Our embedding model and a mock LLM as llama-index's defaults (an LLM backend, when
    configured, is handed to its users explicitly)."""
    load_llama_index()
    from llama_index.core import Settings
    from llama_index.core.llms import MockLLM

    from index.llama_embedding import LlamaIndexEmbedding

    Settings.embed_model = LlamaIndexEmbedding(embedder)
    Settings.llm = MockLLM()
