"""A command's start: the garbage collector paused while the command imports and opens the engine.

Importing llama-index and Chroma and opening the engine create about a million objects that live
as long as the process. CPython's collector walks all of them at every full collection: several
times while they are being created, and again as the interpreter exits (together about 0.6 s of
the 2.3 s a one-question `newsbot ask` took). So the collector is off until the engine is open;
then those objects move to its permanent generation (`gc.freeze`, made for long-lived objects),
where neither the command's own collections nor the exit walks them, and it is on again.
"""

from __future__ import annotations

import gc

# The commands whose first step opens the engine (through `context.engine_of`, which resumes the
# collector). Every other command resumes it as soon as it starts.
OPEN_THE_ENGINE_FIRST = frozenset({"ask", "sources", "index", "stats", "forget", "list"})


def pause_collector() -> None:
    gc.disable()


def resume_collector() -> None:
    """Freeze what exists now (imports, the open engine) and collect again from here on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
