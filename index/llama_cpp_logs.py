"""llama.cpp's own log lines go to Python logging (logger "llama.cpp", at debug), not straight
to stderr: with `verbose=False` llama-cpp-python still prints the lines it rates as errors, and
some architectures log a note there at every load (Gemma 3: "llama_kv_cache_iswa: using
full-size SWA cache"). A failure that matters reaches newsbot as an exception; `-vv` shows the
lines."""

from __future__ import annotations

import ctypes
import logging
import threading

log = logging.getLogger("llama.cpp")
_LOCK = threading.Lock()
_callback: object = None  # kept referenced: llama.cpp holds only a C pointer to it


def route_llama_cpp_logs() -> None:
    """Send llama.cpp's log lines to the "llama.cpp" logger from now on (idempotent; nothing
    when llama-cpp-python is not installed)."""
    global _callback
    with _LOCK:
        if _callback is not None:
            return
        try:
            import llama_cpp
            import llama_cpp._logger  # noqa: F401 - it sets its own callback on import
        except ImportError:
            return

        @llama_cpp.llama_log_callback
        def to_logging(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            line = text.decode("utf-8", errors="replace").rstrip()
            if line:
                log.debug("%s", line)

        llama_cpp.llama_log_set(to_logging, ctypes.c_void_p(0))
        _callback = to_logging
