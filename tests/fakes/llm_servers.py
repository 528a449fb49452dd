"""Fake LLM servers on 127.0.0.1 speaking the real wire protocols, for the real llama-index
clients: OpenAI `/v1/chat/completions` (JSON, and SSE when `stream` is true), `/v1/models`;
Ollama `/api/chat` (JSON, and NDJSON when streaming), `/api/tags`.

Replies are scripted: `server.script` is a list of `Reply` taken in order (the last one repeats),
or a function of the request's messages. Every request body is kept in `server.requests`.

Hostile servers for the limits on a reply: `Reply.drip` writes the body one byte at a time (a
server that keeps a connection alive without ever finishing), `sent` counts the bytes of each
reply's body actually written before the client hung up, and `echo_auth` sends the request's
Authorization header back in a response header (a server that echoes the API key).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before answering (a timeout when above the client's)
    chunk: int = 12  # characters per streamed chunk
    chunk_delay: float = 0.0  # seconds between streamed chunks
    finish_reason: str = "stop"  # "length": the reply ran to the token limit
    drip: float = 0.0  # seconds between the body's bytes, written one at a time (0: at once)


Script = list[Reply] | Callable[[list[dict]], Reply]


@dataclass
class FakeLLMServer:
    models: list[str] = field(default_factory=lambda: ["fake"])
    script: Script = field(default_factory=lambda: [Reply("Nothing scripted [1].")])
    requests: list[dict] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # body bytes written, per reply
    echo_auth: bool = False  # send the Authorization header back as X-Echo-Authorization
    models_drip: float = 0.0  # the model lists (/v1/models, /api/tags) dripped like Reply.drip
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def next_reply(self, body: dict) -> Reply:
        self.requests.append(body)
        if callable(self.script):
            return self.script(body.get("messages", []))
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    # --- OpenAI ---------------------------------------------------------------------------

    async def openai_chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        reply = self.next_reply(body)
        await asyncio.sleep(reply.delay)
        if reply.status != 200:
            return web.json_response(
                {"error": {"message": "scripted failure", "type": "server_error"}},
                status=reply.status,
            )
        base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": body["model"]}
        if not body.get("stream"):
            message = {"role": "assistant", "content": reply.text}
            payload = {
                **base,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            return await self._send(request, reply, "application/json", [json.dumps(payload)])
        pieces = [reply.text[i : i + reply.chunk] for i in range(0, len(reply.text), reply.chunk)]
        events = []
        for i, piece in enumerate([*pieces, None]):
            delta = {"content": piece} if piece is not None else {}
            if i == 0:
                delta["role"] = "assistant"
            choice = {
                "index": 0,
                "delta": delta,
                "finish_reason": None if piece else reply.finish_reason,
            }
            chunk = {**base, "object": "chat.completion.chunk", "choices": [choice]}
            events.append(f"data: {json.dumps(chunk)}\n\n")
        events.append("data: [DONE]\n\n")
        return await self._send(request, reply, "text/event-stream", events)

    async def _send(
        self, request: web.Request, reply: Reply, content_type: str, parts: list[str]
    ) -> web.StreamResponse:
        """Write `parts` as the body: at once, `reply.chunk_delay` apart, or dripped a byte at a
        time; counts what was written before the client went away."""
        headers = {"Content-Type": content_type}
        if self.echo_auth:
            headers["X-Echo-Authorization"] = request.headers.get("Authorization", "")
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        self.sent.append(0)
        try:
            for part in parts:
                data = part.encode()
                pieces = [data[i : i + 1] for i in range(len(data))] if reply.drip else [data]
                for piece in pieces:
                    await response.write(piece)
                    self.sent[-1] += len(piece)
                    await asyncio.sleep(reply.drip)
                await asyncio.sleep(reply.chunk_delay)
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass  # the client hung up: `sent` says how far it read
        return response

    async def openai_models(self, request: web.Request) -> web.StreamResponse:
        data = [{"id": m, "object": "model", "owned_by": "fake"} for m in self.models]
        return await self._models(request, {"object": "list", "data": data})

    async def _models(self, request: web.Request, payload: dict) -> web.StreamResponse:
        if not self.models_drip:
            return web.json_response(payload)
        reply = Reply(drip=self.models_drip)
        return await self._send(request, reply, "application/json", [json.dumps(payload)])

    # --- Ollama ---------------------------------------------------------------------------

    async def ollama_chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        reply = self.next_reply(body)
        await asyncio.sleep(reply.delay)
        if reply.status != 200:
            return web.json_response({"error": "scripted failure"}, status=reply.status)
        done = {
            "model": body["model"],
            "created_at": "2026-01-01T00:00:00Z",
            "done": True,
            "done_reason": "length" if reply.finish_reason == "length" else "stop",
            "total_duration": 1,
            "prompt_eval_count": 1,
            "eval_count": 1,
        }
        if not body.get("stream", True):
            message = {"role": "assistant", "content": reply.text}
            payload = json.dumps({**done, "message": message})
            return await self._send(request, reply, "application/json", [payload])
        lines = []
        for i in range(0, len(reply.text), reply.chunk):
            piece = {
                "model": body["model"],
                "created_at": "2026-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": reply.text[i : i + reply.chunk]},
                "done": False,
            }
            lines.append(json.dumps(piece) + "\n")
        final = {**done, "message": {"role": "assistant", "content": ""}}
        lines.append(json.dumps(final) + "\n")
        return await self._send(request, reply, "application/x-ndjson", lines)

    async def ollama_tags(self, request: web.Request) -> web.StreamResponse:
        return await self._models(
            request, {"models": [{"name": m, "model": m} for m in self.models]}
        )

    # --- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.openai_chat)
        app.router.add_get("/v1/models", self.openai_models)
        app.router.add_post("/api/chat", self.ollama_chat)
        app.router.add_get("/api/tags", self.ollama_tags)
        return app

    def start(self) -> FakeLLMServer:
        """Serve in a background thread (for sync tests) on a free port, or after `stop` on the
        port it had (a server coming back)."""
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._runner = web.AppRunner(self.app())
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-llm", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the fake LLM server did not start")
        return self

    def stop(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            return  # never started, or already stopped
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
