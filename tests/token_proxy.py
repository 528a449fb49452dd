"""A secured Chroma server as Chroma 1.x deploys one: `chroma run` behind a proxy that lets a
request through only with the right token (Chroma's docs use Envoy for this). Here the proxy is a
small threaded HTTP server on 127.0.0.1 that forwards to the real `chroma run`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class TokenProxy:
    """Forwards to `upstream` the requests that carry `header: value` (case-insensitive name);
    401 for the others. `seen` keeps each refused request's path, for the test to look at."""

    def __init__(self, upstream: str, header: str, value: str) -> None:
        self.upstream, self.header, self.value = upstream, header.lower(), value
        self.refused: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                if self.headers.get(proxy.header) != proxy.value:
                    proxy.refused.append(self.path)
                    body = b'{"error":"Unauthorized","message":"missing or wrong token"}'
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                got = httpx.request(
                    self.command,
                    proxy.upstream + self.path,
                    headers=headers,
                    content=self.rfile.read(length) if length else None,
                    timeout=30,
                )
                self.send_response(got.status_code)
                for key, value in got.headers.items():
                    if key.lower() not in _HOP and key.lower() != "content-encoding":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(got.content)))
                self.end_headers()
                self.wfile.write(got.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TokenProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
