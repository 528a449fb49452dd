"""The eval's own data folder: `<NEWSBOT_DATA_DIR>/eval`, beside the user's index, never in it.
`newsbot eval multihop` and `newsbot eval news` keep their collections, keyword indexes and work
files there, so an eval leaves the store a user asks questions of as it was (and `newsbot stats`
counts only their articles). Benchmark scripts name their store with NEWSBOT_DATA_DIR itself."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from index.settings import Settings

EVAL_FOLDER = "eval"


def eval_data_dir(base: Settings, overrides: Mapping[str, Any] | None = None) -> Path:
    """Where an eval's store lives: an explicit `data_dir` override as given (a benchmark
    script pointing at a store of its own), else the eval folder of the user's data folder."""
    given = (overrides or {}).get("data_dir")
    return Path(given) if given else base.data_dir / EVAL_FOLDER
