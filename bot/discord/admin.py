"""Admin commands: `/reindex`, `/ingest`, `/forget` (with autocomplete), `/stats`, as one cog.

Hidden from members without Manage Server (`default_permissions`) and checked again when invoked
(the cog's `interaction_check`),
since a server can grant the commands to anyone: Manage Server, or a role in
`NEWSBOT_ADMIN_ROLE_IDS`. Only one re-index runs at a time; questions are answered meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.fetch import Upload, check_content, fetch_url
from bot.discord.render import NO_MENTIONS, escape, report_text, stats_text
from bot.discord.replies import Refused, user_message
from bot.display import shorten
from index.errors import IndexStopped, StoreWriteError, write_failure
from index.results import IndexProgress, IndexReport

if TYPE_CHECKING:
    from bot.discord.host import Host

log = logging.getLogger("bot.discord.admin")

CHOICE_LIMIT = 100  # characters of an autocomplete choice's name and value


def is_admin(host: Host, interaction: discord.Interaction) -> bool:
    if interaction.guild is None:
        return False
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    allowed = set(host.settings.admin_role_ids)
    roles = getattr(interaction.user, "roles", [])
    return any(role.id in allowed for role in roles)


def require_admin(host: Host, interaction: discord.Interaction) -> bool:
    """True for an admin; `Refused` with the reason for anyone else (the admin commands' and
    the /feed group's `interaction_check`)."""
    if is_admin(host, interaction):
        return True
    command = interaction.command
    name = command.qualified_name if command else "this command"
    if interaction.guild is None:  # hidden in DMs (guild_only); a stale client may send one
        raise Refused(f"/{name} only works in a server, not in direct messages.")
    roles = " or one of the bot's admin roles" if host.settings.admin_role_ids else ""
    raise Refused(
        f"Sorry, /{name} is for server admins: it needs the Manage Server permission{roles}."
    )


def _choice_value(doc_id: str) -> str:
    """An article id as an autocomplete value (ids longer than Discord allows are hashed)."""
    if len(doc_id) <= CHOICE_LIMIT and not doc_id.startswith("#"):
        return doc_id
    return "#" + hashlib.sha1(doc_id.encode()).hexdigest()[:16]


class ProgressMessage:
    """Edits an interaction's message with the latest indexing progress, at most every
    `interval` seconds (the progress callback runs in the indexing thread)."""

    def __init__(self, interaction: discord.Interaction, interval: float) -> None:
        self.interaction, self.interval = interaction, interval
        self.latest: IndexProgress | None = None

    def update(self, tick: IndexProgress) -> None:
        self.latest = tick

    async def follow(self, work: asyncio.Future[IndexReport]) -> IndexReport:
        shown: IndexProgress | None = None
        while True:
            done, _ = await asyncio.wait({work}, timeout=self.interval)
            if done:
                return work.result()
            tick = self.latest
            if tick is not None and tick != shown and tick.stage != "done":
                shown = tick
                text = f"Re-indexing… {tick.stage} {tick.done:,}/{tick.total:,}"
                try:
                    await self.interaction.edit_original_response(content=text)
                except discord.HTTPException as exc:  # progress is best effort
                    log.warning("could not show re-index progress: %s", exc)


def _admin_command(name: str, description: str):  # noqa: ANN202 - decorator factory
    """A server-only slash command, hidden from members without Manage Server."""

    def wrap(fn):  # noqa: ANN001, ANN202
        fn = app_commands.guild_only()(fn)
        fn = app_commands.default_permissions(manage_guild=True)(fn)
        return app_commands.command(name=name, description=description)(fn)

    return wrap


class AdminCommands(commands.Cog):
    """`/reindex`, `/ingest`, `/forget`, `/stats`: each checked by `interaction_check`."""

    def __init__(self, host: Host, uploads_dir: Path, progress_interval: float = 2.0) -> None:
        self.host, self.uploads_dir = host, uploads_dir
        self.progress_interval = progress_interval  # seconds between /reindex progress edits

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_admin(self.host, interaction)

    @_admin_command("reindex", "Re-scan the configured article sources (admins)")
    async def reindex(self, interaction: discord.Interaction) -> None:
        host = self.host
        if host.reindex_lock.locked():
            raise Refused("A re-index is already running: its message shows the progress.")
        async with host.reindex_lock:
            await interaction.response.send_message(
                "Re-indexing the configured sources…", allowed_mentions=NO_MENTIONS
            )
            progress = ProgressMessage(interaction, self.progress_interval)
            started = time.perf_counter()
            work = asyncio.ensure_future(
                asyncio.to_thread(host.engine.index, None, progress.update)
            )
            try:
                report = await progress.follow(work)
            except Exception as exc:  # noqa: BLE001 - shown in the same message
                verb = "stopped" if isinstance(exc, IndexStopped) else "failed"
                await interaction.edit_original_response(
                    content=f"Re-index {verb}: {user_message(exc, '/reindex')}"
                )
                return
            finally:
                host.articles_changed()
            seconds = time.perf_counter() - started
            log.info("re-index by an admin: %s in %.1f s", report.summary(), seconds)
            await interaction.edit_original_response(
                content=report_text(report), allowed_mentions=NO_MENTIONS
            )

    @_admin_command("ingest", "Add an article: attach a file or give a url (admins)")
    @app_commands.describe(
        file="An article file: .txt, .md, .html, .json or .pdf",
        url="A web page or article file to fetch (http or https)",
    )
    async def ingest(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        url: str | None = None,
    ) -> None:
        if (file is None) == (url is None):
            raise Refused("Give me one article: either `file:` (an attachment) or `url:`.")
        name, data = await self._received(interaction, file, url)
        upload = await asyncio.to_thread(_save_upload, self.uploads_dir, name, data)
        try:
            report = await asyncio.to_thread(self.host.engine.index, [upload.path], None, False)
        except Exception:
            await asyncio.to_thread(upload.restore)
            raise
        finally:
            self.host.articles_changed()
        if report.skipped and not (report.added or report.updated or report.unchanged):
            await asyncio.to_thread(upload.restore)
            reason = report.skipped[0].reason
            raise Refused(f"I could not read {upload.path.name}: {reason}. Nothing was changed")
        await interaction.edit_original_response(
            content=await _ingest_summary(self.host, report, upload.path.name),
            allowed_mentions=NO_MENTIONS,
        )

    async def _received(
        self, interaction: discord.Interaction, file: discord.Attachment | None, url: str | None
    ) -> tuple[str, bytes]:
        """The attached or fetched file's name and bytes, checked (size, type, real text)."""
        settings = self.host.settings
        limit = settings.ingest_max_bytes
        if file is not None and file.size > limit:
            raise Refused(
                f"{file.filename} is too large ({file.size:,} bytes; the limit is {limit:,})"
            )
        await interaction.response.defer(thinking=True, ephemeral=True)
        if file is None:  # read into an article file there, checked as it was read
            return await fetch_url(
                url or "", limit, settings.ingest_timeout, settings.ingest_allowed_hosts
            )
        name, data = file.filename, await file.read()
        check_content(name, data, limit)
        return name, data

    @_admin_command("forget", "Remove an article from the index (admins)")
    @app_commands.describe(article="The article to remove: start typing its title")
    async def forget(self, interaction: discord.Interaction, article: str) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        host = self.host
        doc_id = await _resolve_article(host, article)
        origin = await asyncio.to_thread(host.engine.article, doc_id)
        try:
            title = await asyncio.to_thread(host.engine.forget, doc_id)
        finally:
            host.articles_changed()
        if origin is not None and origin.origin:
            _drop_upload(self.uploads_dir, Path(origin.origin))
        await interaction.edit_original_response(
            content=f"Forgot **{escape(title)}**: it is no longer used in answers.",
            allowed_mentions=NO_MENTIONS,
        )

    @forget.autocomplete("article")
    async def article_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not is_admin(self.host, interaction):
            return []
        wanted = current.casefold().strip()
        found = [
            (doc_id, title)
            for doc_id, title in await self.host.article_list()
            if wanted in title.casefold() or wanted in doc_id.casefold()
        ]
        return [
            app_commands.Choice(
                name=shorten(title or doc_id, CHOICE_LIMIT), value=_choice_value(doc_id)
            )
            for doc_id, title in found[:25]
        ]

    @_admin_command("stats", "How many articles are indexed, and when last (admins)")
    async def stats(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        result = await asyncio.to_thread(self.host.engine.stats)
        await interaction.edit_original_response(content=stats_text(result))


async def _resolve_article(host: Host, value: str) -> str:
    """An article id from an autocomplete value, an id, a url, a path or an exact title."""
    value = value.strip()
    articles = await host.article_list()
    ids = {doc_id for doc_id, _ in articles}
    if value in ids:
        return value
    if value.startswith("#"):
        for doc_id, _ in articles:
            if _choice_value(doc_id) == value:
                return doc_id
    titled = [doc_id for doc_id, title in articles if title.casefold() == value.casefold()]
    if len(titled) == 1:
        return titled[0]
    if len(titled) > 1:
        raise Refused(f"{len(titled)} articles are titled {value!r}: pick one from the list")
    return value  # a path or url: the engine resolves it or says it is not indexed


def _save_upload(folder: Path, name: str, data: bytes) -> Upload:
    """The upload written to disk, or StoreWriteError when the disk is full or read-only."""
    try:
        return Upload(folder, name, data)
    except OSError as exc:
        reason = write_failure(exc)
        if reason is None:
            raise
        raise StoreWriteError(
            f"cannot save the file in {folder}: {reason}; nothing was changed"
        ) from exc


def _drop_upload(uploads: Path, origin: Path) -> None:
    """Delete the uploaded file of a forgotten article (files elsewhere are left alone)."""
    try:
        if origin.resolve().parent == uploads.resolve():
            origin.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete the forgotten upload: %s", exc)


async def _ingest_summary(host: Host, report: IndexReport, name: str) -> str:
    titles = dict(await host.article_list())
    lines: list[str] = []
    for verb, ids in (("Added", report.added), ("Updated", report.updated)):
        for doc_id in ids[:5]:
            lines.append(f"{verb} **{escape(titles.get(doc_id, doc_id))}**.")
        if len(ids) > 5:
            lines.append(f"{verb} {len(ids) - 5} more.")
    if not lines and report.unchanged:
        lines.append(f"{name} is already indexed, unchanged.")
    for dup in report.duplicates[:3]:
        lines.append(f"Not stored twice: {escape(shorten(dup.reason, 200))}.")
    lines.append(f"({report.summary()}; {report.chunks_embedded} chunks embedded.)")
    if report.added or report.updated:
        lines.append("Ask away: it is used in answers from now on.")
    return "\n".join(lines)
