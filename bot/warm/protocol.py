"""How a request and its reply travel over the helper's socket: one JSON object each way, UTF-8
(ASCII in fact), ended by a newline. A request is `{"op": "run"|"ping"|"stop", "argv": [...]}`;
a reply is `{"stdout": str, "stderr": str, "code": int}`, a ping's with what the helper says
about itself.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONNECT_TIMEOUT = 0.5  # a live helper accepts at once, even while it is busy (the backlog)
MAX_MESSAGE = 4 * 1024 * 1024  # an answer with its passages is some kB; a request less


class ProtocolError(Exception):
    """The other side sent something that is no message, or too much, or nothing in time."""


@dataclass(frozen=True)
class Reply:
    stdout: str
    stderr: str
    code: int
    about: dict[str, Any] = field(default_factory=dict)  # a ping's: pid, requests served...


def encode(message: dict[str, Any]) -> bytes:
    # ASCII with \u escapes: a lone surrogate (an undecodable byte of an argument or a file
    # name, kept by Python as surrogateescape) travels as it is instead of failing to encode.
    return json.dumps(message).encode("ascii") + b"\n"


def read_message(conn: socket.socket, deadline: float) -> dict[str, Any]:
    """One newline-terminated JSON object from `conn`, by `deadline` (time.monotonic())."""
    data = bytearray()
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProtocolError("no complete message in time")
        conn.settimeout(remaining)
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            raise ProtocolError("no complete message in time") from None
        if not chunk:
            raise ProtocolError("the connection closed before the message ended")
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise ProtocolError("message too long")
    try:
        message = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise ProtocolError(f"not a JSON message: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message is a JSON object")
    return message


def to_reply(message: dict[str, Any]) -> Reply:
    stdout, stderr, code = message.get("stdout"), message.get("stderr"), message.get("code")
    if not isinstance(stdout, str) or not isinstance(stderr, str) or type(code) is not int:
        raise ProtocolError("a reply needs stdout, stderr (text) and code (an integer)")
    about = {k: v for k, v in message.items() if k not in ("stdout", "stderr", "code")}
    return Reply(stdout, stderr, code, about)


def from_reply(reply: Reply) -> dict[str, Any]:
    return {**reply.about, "stdout": reply.stdout, "stderr": reply.stderr, "code": reply.code}


def exchange(path: Path, request: dict[str, Any], timeout: float) -> Reply:
    """Send `request` to the helper at `path` and wait up to `timeout` seconds for its reply.
    OSError when nothing listens there; ProtocolError when the reply is late or garbled."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(CONNECT_TIMEOUT)
        conn.connect(str(path))
        conn.sendall(encode(request))
        return to_reply(read_message(conn, time.monotonic() + timeout))
