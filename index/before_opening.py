"""What the engine's door offers before (or without) opening the store: each needs the settings
alone, so a command that needs no store (`feed list`, `database create`, `doctor`'s LLM line)
never opens one, and a front end never learns where the engine keeps its files. `Engine`
inherits these: a front end calls `Engine.feeds_for(settings, ...)`, never this module."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from index.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from index.ingest.feed_poll import PollingEngine
    from index.ingest.following import Feeds


class BeforeOpening:
    @property
    def history_turns(self) -> int:
        """How many previous turns of a conversation a follow-up is condensed with (LLM mode):
        as many as a front end need gather."""
        from index.answer.generated import HISTORY_TURNS

        return HISTORY_TURNS

    @staticmethod
    def feeds_for(settings: Settings, engine: PollingEngine | Callable[[], PollingEngine]) -> Feeds:
        """The followed feeds of `settings`' data folder; `engine` is the open engine, or a
        function that opens it, called only when a poll has something to index."""
        from index.ingest.following import Feeds

        return Feeds(settings, engine)

    @staticmethod
    def fetch_pages(settings: Settings, urls: list[str]) -> tuple[list[Path], list[str]]:
        """Each url fetched through the url guard (NEWSBOT_INGEST_* limits) and saved as an
        article file in the data folder, for `index`; (the files, one reason per url refused)."""
        from index.ingest.web_fetch import FetchLimits
        from index.ingest.web_pages import PAGES_FOLDER, fetch_pages

        limits = FetchLimits.from_settings(settings)
        return fetch_pages(urls, settings.data_dir / PAGES_FOLDER, limits)

    @staticmethod
    def fetch_article(
        url: str, max_bytes: int, timeout: float, allowed_hosts: Iterable[str] = ()
    ) -> tuple[str, list[dict[str, str]]]:
        """The articles at `url` (a page's, or an article file's) as records of their fields,
        with the url that names them; fetched through the url guard (public addresses only, or
        `allowed_hosts`), within `max_bytes` and `timeout`. `FetchRefused` with a plain reason
        when it cannot be had or holds no article. Synchronous: it runs its own event loop."""
        from index.ingest import web_fetch, web_pages

        limits = web_fetch.FetchLimits(max_bytes, timeout, tuple(allowed_hosts))
        got = asyncio.run(web_fetch.fetch(url, limits))
        records = web_pages.fetched_records(got)
        return web_pages.identity_of(records, got), records

    @staticmethod
    def file_types() -> frozenset[str]:
        """The file suffixes the engine reads articles from (".txt", ".pdf", ...)."""
        from index.ingest.loaders import SUPPORTED_SUFFIXES

        return SUPPORTED_SUFFIXES

    @staticmethod
    def check_llm_setup(settings: Settings, loaded: LLM | None = None) -> str:
        """One line on the configured LLM backend ("none ..." in extractive mode);
        `LLMUnavailable`, a NewsbotError, with one line on why it cannot be used. `loaded`: the
        model an open engine runs already (a local one is not loaded twice)."""
        if settings.llm == "none":
            return "none (extractive answers)"
        from index.llama_loader import load_llama_index

        load_llama_index()  # before the LLM backends' llama-index imports, whatever the thread
        if settings.llm == "llama-cpp":
            from index.llama_cpp_logs import route_llama_cpp_logs

            route_llama_cpp_logs()
        from index.answer.llm_backends import check_llm

        return check_llm(settings, loaded)

    @staticmethod
    def create_database(settings: Settings) -> tuple[list[str], str]:
        """Create the configured tenant and database on the Chroma server where missing: (what
        was created, empty when both were there; how messages name the server)."""
        from index.store.chroma_server import create_place, server_name

        return create_place(settings), server_name(settings)
