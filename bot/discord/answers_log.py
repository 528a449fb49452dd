"""The answers the bot gave, kept so each answer's Sources button works, even after a restart.

A small SQLite file under the data dir, keyed by a short random id that the button's custom_id
carries. Only the answer (question, text, citations) is stored, never who asked.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from pathlib import Path

from index.results import Answer

KEEP_SECONDS = 180 * 24 * 3600  # a Sources button older than this says the answer expired


class AnswersLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per answer, crash-safe
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, at REAL, answer TEXT)"
        )
        self._db.execute("DELETE FROM answers WHERE at < ?", (time.time() - KEEP_SECONDS,))

    def save(self, answer: Answer) -> str:
        """Store `answer`; return its key (12 hex characters)."""
        key = secrets.token_hex(6)
        with self._lock:
            self._db.execute(
                "INSERT INTO answers (key, at, answer) VALUES (?, ?, ?)",
                (key, time.time(), answer.model_dump_json()),
            )
        return key

    def load(self, key: str) -> Answer | None:
        with self._lock:
            row = self._db.execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        return Answer.model_validate_json(row[0]) if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
