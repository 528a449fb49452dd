"""The in-process backend (`NEWSBOT_LLM=llama-cpp`): a GGUF model file run by llama.cpp, loaded
through llama-index's llama.cpp integration, chatting in the model's own chat template.

Why chat is overridden: the integration's `LlamaCPP.chat` renders the messages with a prompt
function the caller writes per model family (its default is Llama 2's `[INST]` format), so a
Gemma, Qwen or Phi file would be prompted in the wrong template. llama-cpp-python's
`create_chat_completion` applies the template stored in the GGUF file itself (and stops at its
end-of-turn token); chat and stream_chat go through it here. Loading, settings and `complete`
stay the integration's.

A GGUF file converted without its chat template (the PyPI Gemma 3 270M is one) would get
llama-cpp-python's fallback, Llama 2's format; for such a file the template is chosen by the
file's architecture (`CHAT_FORMATS`), with a warning when it is not known.

One llama.cpp context runs one generation at a time, and the bot answers in worker threads, so
a lock serialises generations.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback
from llama_index.llms.llama_cpp import LlamaCPP

log = logging.getLogger(__name__)

# llama-cpp-python's chat format for a file with no chat template, by `general.architecture`.
CHAT_FORMATS = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma"}
# Formats with no system turn: llama-cpp-python's "gemma" drops a system message, where Gemma's
# own template puts it at the head of the first user turn, as done here.
NO_SYSTEM_TURN = frozenset({"gemma"})

# Where a small model, done answering (or repeating its prompt, as a base model does), starts
# one of the prompt's own sections instead of stopping.
STOP = ["\nQuestion:", "\nPassages:", "\nRules:", "\n\n\n"]


class LocalLlama(LlamaCPP):
    """`LlamaCPP` whose chat uses the GGUF file's chat template, one generation at a time."""

    stop: list[str] = Field(default_factory=lambda: list(STOP), description="Stop sequences")
    # Read token by token against the reply's deadline (index.answer.llm_reply), not async.
    runs_in_process: ClassVar[bool] = True
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "newsbot_LocalLlama"

    def _chat_kwargs(self, messages: Sequence[ChatMessage], stream: bool) -> dict[str, Any]:
        turns = [{"role": _role(m.role), "content": m.content or ""} for m in messages]
        if self._model.chat_format in NO_SYSTEM_TURN:
            turns = _system_into_first_user_turn(turns)
        return {
            "messages": turns,
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


def _system_into_first_user_turn(turns: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(t["content"] for t in turns if t["role"] == "system")
    rest = [dict(t) for t in turns if t["role"] != "system"]
    for turn in rest:
        if system and turn["role"] == "user":
            turn["content"] = f"{system}\n\n{turn['content']}"
            break
    return rest


def load_local_llm(
    model_path: str,
    *,
    threads: int,
    context: int,
    max_tokens: int,
    temperature: float,
) -> LocalLlama:
    """The model at `model_path`, loaded (ValueError when llama.cpp cannot load it)."""
    # 0 = llama-cpp-python's default (half the logical cores): on a busy machine, threads
    # beyond the idle cores wait on each other at every step and generation slows many-fold.
    model_kwargs: dict[str, Any] = {"n_threads": threads, "n_threads_batch": threads}
    if not threads:
        model_kwargs = {}
    llm = LocalLlama(
        model_path=model_path,
        # The integration caps temperature at 1.0; past that a small model only rambles.
        temperature=min(temperature, 1.0),
        max_new_tokens=max_tokens,
        context_window=context,
        model_kwargs=model_kwargs,
        verbose=False,
    )
    _choose_chat_format(llm._model)
    return llm


def _choose_chat_format(model: Any) -> None:
    """Give a file without a chat template the one its architecture uses."""
    if "tokenizer.chat_template" in model.metadata:
        return
    arch = model.metadata.get("general.architecture", "")
    chosen = CHAT_FORMATS.get(arch)
    if chosen is None:
        log.warning(
            "the GGUF file has no chat template and its architecture %r is not known here: "
            "prompting it in llama-cpp-python's default format (%s)",
            arch,
            model.chat_format,
        )
        return
    from llama_cpp.llama_chat_format import get_chat_completion_handler

    model.chat_format = chosen
    model.chat_handler = get_chat_completion_handler(chosen)
