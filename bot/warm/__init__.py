"""A warm helper: one long-lived process that keeps the engine open, so `newsbot ask` and
`newsbot sources` answer in a fraction of a second instead of paying the engine's start-up each
time (the idea of dmypy or the Gradle daemon). It listens on a per-user Unix socket.

`place` says where a helper for the current settings listens, `protocol` how a request and its
reply travel, `capture` runs one command with its output captured, `server` is the helper, and
`client` is all the command line needs (it imports neither the engine nor llama-index).
"""
