"""The in-process backend (`NEWSBOT_LLM=llama-cpp`): a GGUF model file run by llama.cpp, loaded
through llama-index's llama.cpp integration, chatting in the model's own chat template.

Why chat is overridden: the integration's `LlamaCPP.chat` renders the messages with a prompt
function the caller writes per model family (its default is Llama 2's `[INST]` format), so a
Gemma, Qwen or Phi file would be prompted in the wrong template. llama-cpp-python's
`create_chat_completion` applies the template stored in the GGUF file itself (and stops at its
end-of-turn token); chat and stream_chat go through it here. Loading, settings and `complete`
stay the integration's.

One llama.cpp context runs one generation at a time, and the bot answers in worker threads, so
a lock serialises generations.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback
from llama_index.llms.llama_cpp import LlamaCPP

# Where a small model, done answering, starts a new section instead of stopping.
STOP = ["\n\nQuestion:", "\nQuestion:", "\n\nPassages:", "\n\n\n"]


class LocalLlama(LlamaCPP):
    """`LlamaCPP` whose chat uses the GGUF file's chat template, one generation at a time."""

    stop: list[str] = Field(default_factory=lambda: list(STOP), description="Stop sequences")
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "newsbot_LocalLlama"

    def _chat_kwargs(self, messages: Sequence[ChatMessage], stream: bool) -> dict[str, Any]:
        return {
            "messages": [{"role": _role(m.role), "content": m.content or ""} for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_new_tokens,
            "stop": self.stop,
            "stream": stream,
        }

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        with self._lock:
            raw = self._model.create_chat_completion(**self._chat_kwargs(messages, False))
        text = raw["choices"][0]["message"].get("content") or ""
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), raw=raw)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._chat_kwargs(messages, True)

        def gen() -> Iterator[ChatResponse]:
            text = ""
            with self._lock:
                for chunk in self._model.create_chat_completion(**request):
                    delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                    text += delta
                    message = ChatMessage(role=MessageRole.ASSISTANT, content=text)
                    yield ChatResponse(message=message, delta=delta, raw=chunk)

        return gen()


def _role(role: MessageRole | str) -> str:
    return role.value if isinstance(role, MessageRole) else str(role)


def load_local_llm(
    model_path: str,
    *,
    threads: int,
    context: int,
    max_tokens: int,
    temperature: float,
) -> LocalLlama:
    """The model at `model_path`, loaded (ValueError when llama.cpp cannot load it)."""
    n_threads = threads or os.cpu_count() or 1
    return LocalLlama(
        model_path=model_path,
        # The integration caps temperature at 1.0; past that a small model only rambles.
        temperature=min(temperature, 1.0),
        max_new_tokens=max_tokens,
        context_window=context,
        model_kwargs={"n_threads": n_threads, "n_threads_batch": n_threads},
        verbose=False,
    )
