"""Reading a model's reply within its limits, whatever the server does: one deadline for the
whole reply, and a cap on its length.

An HTTP client's `timeout` bounds each read, so a server writing a byte every half second holds
a question as long as it likes; and `max_tokens` is only asked for, so a server may write on.
Hence a reply is always read as a stream (the request asks for one), by the backend's async
client on one event loop kept for them (`_Loop`), inside `asyncio.timeout`: cancellation
reaches a read wherever it waits (the headers, the body, a line half written). Reading stops,
and the connection is closed, at `max_chars`. The in-process backend (llama.cpp) is read token
by token against the same deadline: its prompt evaluation, one C call, runs to its end.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from index.answer.generated_checks import finish_reason

if TYPE_CHECKING:
    from llama_index.core.llms import LLM, ChatMessage

T = TypeVar("T")
OnText = Callable[[str], None]


@dataclass(frozen=True)
class ReplyLimits:
    seconds: float  # for the whole reply, from the request to its last byte
    max_chars: int  # read no further


@dataclass(frozen=True)
class ModelReply:
    text: str
    at_limit: bool  # ended at the token limit, or cut at max_chars


class _Loop:
    """One event loop in a daemon thread for every LLM request of the process: the backends'
    async clients keep connections bound to the loop they were made on, so it lives on."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def run(cls, coro: Coroutine[Any, Any, T]) -> T:
        with cls._lock:
            if cls._loop is None:
                cls._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=cls._loop.run_forever, name="newsbot-llm", daemon=True
                ).start()
        return asyncio.run_coroutine_threadsafe(coro, cls._loop).result()


def read_reply(
    llm: LLM, messages: list[ChatMessage], limits: ReplyLimits, on_text: OnText | None = None
) -> ModelReply:
    """The model's reply to `messages`, within `limits` (TimeoutError past the deadline)."""
    if getattr(llm, "runs_in_process", False):
        return _read_in_process(llm, messages, limits, on_text)
    return _Loop.run(_read_async(llm, messages, limits, on_text))


async def _read_async(
    llm: LLM, messages: list[ChatMessage], limits: ReplyLimits, on_text: OnText | None
) -> ModelReply:
    try:
        async with asyncio.timeout(limits.seconds):
            stream = await llm.astream_chat(messages)
            try:
                return await _collect(stream, limits.max_chars, on_text)
            finally:
                await stream.aclose()  # hangs up on a reply not read to its end
    except TimeoutError:
        raise TimeoutError(f"no whole reply within {limits.seconds:g} s") from None


async def _collect(
    stream: AsyncIterator[Any], max_chars: int, on_text: OnText | None
) -> ModelReply:
    text, raw = "", None
    async for chunk in stream:
        text, raw = chunk.message.content or "", chunk.raw
        if len(text) >= max_chars:
            return _cut(text, max_chars, on_text)
        if on_text is not None:
            on_text(text)
    return ModelReply(text, finish_reason(raw) == "length")


def _read_in_process(
    llm: LLM, messages: list[ChatMessage], limits: ReplyLimits, on_text: OnText | None
) -> ModelReply:
    deadline = time.monotonic() + limits.seconds
    stream: Iterator[Any] = llm.stream_chat(messages)
    text, raw = "", None
    try:
        for chunk in stream:
            text, raw = chunk.message.content or "", chunk.raw
            if len(text) >= limits.max_chars:
                return _cut(text, limits.max_chars, on_text)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no whole reply within {limits.seconds:g} s")
            if on_text is not None:
                on_text(text)
    finally:
        stream.close()  # stops generating and frees the model for the next question
    return ModelReply(text, finish_reason(raw) == "length")


def _cut(text: str, max_chars: int, on_text: OnText | None) -> ModelReply:
    text = text[:max_chars]
    if on_text is not None:
        on_text(text)
    return ModelReply(text, at_limit=True)


def get_within(url: str, headers: dict[str, str], seconds: float) -> httpx.Response:
    """GET `url`, the whole response within `seconds` (TimeoutError), for the health check."""

    async def get() -> httpx.Response:
        try:
            async with asyncio.timeout(seconds), httpx.AsyncClient(timeout=seconds) as client:
                response = await client.get(url, headers=headers)
                await response.aread()
                return response
        except TimeoutError:
            raise TimeoutError(f"no whole reply within {seconds:g} s") from None

    return _Loop.run(get())
