"""A warm helper: one long-lived process that keeps the engine open, so `newsbot ask` and
`newsbot sources` answer in a fraction of a second instead of paying the engine's start-up each
time (the idea of dmypy or the Gradle daemon). It listens on a per-user Unix socket.

`place` says where a helper for the current settings listens, `protocol` how a request and its
reply travel, `server` is the helper, and `client` is all the command line needs (it imports
neither the engine nor llama-index). The helper knows nothing of the command line: the program
that starts it (`bot.cli.warm_process`) hands it the function that runs one command
(`bot.cli.captured`), so the command line imports this package and never the other way round.
"""
