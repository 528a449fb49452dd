"""The command line's warm helper, as a process: `python -m bot.cli.warm_process --socket PATH
--minutes M --fingerprint FP` (started by `newsbot ask` at a terminal and `newsbot warm start`).
bot.warm.server serving the command line's own `ask` and `sources`, run by `captured`."""

from __future__ import annotations

import sys

from bot.cli.captured import run_captured
from bot.warm import server

if __name__ == "__main__":
    sys.exit(server.main(run_captured))
