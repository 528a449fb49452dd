"""llama-index's global settings, pointed at the local models before any llama-index part runs.

llama-index reaches for OpenAI the first time anything asks its settings for a model. The engine
itself runs no llama-index part on the question path (importing llama-index costs a one-question
`newsbot ask` 0.56 s), so each place that does run one (indexing, the llama-index retriever door,
LLM mode) calls this first.
"""

from __future__ import annotations

from typing import Any


def keep_llama_index_local(embedder: Any) -> None:
    """Our embedding model and a mock LLM as llama-index's defaults (an LLM backend, when
    configured, is handed to its users explicitly)."""
    from llama_index.core import Settings
    from llama_index.core.llms import MockLLM

    from index.llama_embedding import LlamaIndexEmbedding

    Settings.embed_model = LlamaIndexEmbedding(embedder)
    Settings.llm = MockLLM()
