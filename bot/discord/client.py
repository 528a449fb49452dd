"""The Discord client: the engine in front of a team's channels.

`NewsBot` is a discord.py `commands.Bot` used for its app commands only: the slash commands live
in cogs (`QuestionCommands`, `AdminCommands`), each owning its state and its check, added at
start; messages go to the `MentionHandler`. `run_bot(settings)` is what `newsbot serve` runs.
The engine stays free of Discord: every engine call goes through
`NewsBot.run_engine` (worker threads, bounded), so the gateway heartbeat never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.admin import AdminCommands
from bot.discord.allowlist import Allowlist, describe
from bot.discord.answers_log import AnswersLog
from bot.discord.feeds import FeedCommands, FeedPoller
from bot.discord.limits import EngineRunner, RateLimiter
from bot.discord.questions import MentionHandler, QuestionCommands, SourcesButton
from bot.discord.render import NO_MENTIONS
from bot.discord.replies import Refused, tell, user_message
from index.engine import Engine
from index.errors import NewsbotError
from index.settings import Settings

log = logging.getLogger("bot.discord")

EXIT_ERROR = 1
EXIT_CONFIG = 2
ARTICLE_LIST_TTL = 30.0  # seconds the autocomplete's article list is reused
# Seconds between looks at whether another process (`newsbot index`) changed the store.
REFRESH_INTERVAL = 2.0
# Seconds the questions and commands in flight at SIGTERM get to finish before they are
# cancelled (and told so): under `docker stop`'s 10 s, which ends with SIGKILL.
SHUTDOWN_GRACE = 8.0
SHUTTING_DOWN = "I'm restarting right now: ask me again in a minute."

PUBLIC_BOT = (
    "'Public Bot' is on in the Developer Portal: anyone with the application id can add this bot "
    "to a server of their own (it leaves any server not in NEWSBOT_DISCORD_GUILD_ID); turn it off "
    "under Bot > Public Bot"
)
MISSING_TOKEN = (
    "newsbot: error: NEWSBOT_DISCORD_TOKEN is not set: create a bot in the Discord Developer "
    "Portal and put its token in NEWSBOT_DISCORD_TOKEN (see README, 'Discord bot')"
)
REJECTED_TOKEN = (
    "newsbot: error: Discord rejected NEWSBOT_DISCORD_TOKEN (401 Unauthorized): copy the bot "
    "token again from the Developer Portal (Bot > Reset Token)"
)
MISSING_INTENT = (
    "newsbot: error: the MESSAGE CONTENT intent is not enabled for this bot: turn it on in the "
    "Developer Portal (Bot > Privileged Gateway Intents)"
)


def bot_intents() -> discord.Intents:
    """Guilds, guild messages, DMs and message content; no member list, no presences."""
    intents = discord.Intents.default()
    intents.message_content = True
    intents.dm_messages = True  # answered (NEWSBOT_DISCORD_ALLOW_DMS) or declined in one line
    intents.members = False
    intents.presences = False
    return intents


class NewsBot(commands.Bot):
    def __init__(self, settings: Settings, engine: Engine | None = None, **options: object) -> None:
        # A text-only bot: no warnings at every start about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            # No prefix commands: messages go to the MentionHandler (on_message is ours).
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.settings = settings
        self._engine = engine
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        self.run_engine = EngineRunner(settings.max_concurrent_answers)
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.reindex_lock = asyncio.Lock()
        self.admin = AdminCommands(self, settings.data_dir / "uploads")
        self.feeds = Engine.feeds_for(settings, lambda: self.engine)
        self.feed_poller = FeedPoller(self)
        self.answers = AnswersLog(settings.data_dir / "discord" / "answers.sqlite3")
        self.mentions = MentionHandler(self)
        self.allowlist = Allowlist(self, settings.guild_ids)
        self.refresh_interval = REFRESH_INTERVAL
        self._articles: tuple[float, list[tuple[str, str]]] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._follower: asyncio.Task[None] | None = None
        # Handlers running now, each with how to tell its user if it must be cancelled.
        self._in_flight: dict[asyncio.Task[object], Callable[[], Awaitable[object]]] = {}
        self.stopping = False
        self.stop_summary = ""
        self.tree.interaction_check = self._admit_interaction  # type: ignore[method-assign]

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise NewsbotError("the index is still loading: try again in a few seconds")
        return self._engine

    # --- lifecycle ------------------------------------------------------------------------

    def _check_llm(self) -> None:
        """One line at start on the LLM backend; answers fall back to extractive if it fails."""
        try:
            log.info("llm: %s", self.engine.check_llm())
        except NewsbotError as exc:  # LLMUnavailable
            log.warning("llm: %s; answers fall back to extractive until it is reachable", exc)

    async def setup_hook(self) -> None:
        if self.application is not None and self.application.bot_public:
            log.warning(PUBLIC_BOT)
        if self._engine is None:
            started = time.perf_counter()
            self._engine = await asyncio.to_thread(Engine, self.settings)
            log.info("index loaded in %.1f s", time.perf_counter() - started)
        if self.settings.llm != "none":
            await asyncio.to_thread(self._check_llm)
        self.add_dynamic_items(SourcesButton)
        await self.add_cog(QuestionCommands(self))
        await self.add_cog(self.admin)
        self.tree.add_command(FeedCommands(self))
        await self.sync_commands()
        stats = await asyncio.to_thread(self.engine.stats)
        log.info("index: %d articles, %d chunks", stats.articles, stats.chunks)
        work = self._index_if_empty() if stats.articles == 0 else self._warm_up()
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        # Not background work a shutdown waits for: it is cancelled.
        self._follower = asyncio.create_task(self._follow_the_store())
        self.feed_poller.start()  # its running poll is background work, waited for

    async def _follow_the_store(self) -> None:
        """See what other processes write to the store (`newsbot index`, another bot) within
        a few seconds: the engine re-opens it and refreshes its keyword index."""
        while not self.stopping:
            await asyncio.sleep(self.refresh_interval)
            try:
                if await asyncio.to_thread(self.engine.refresh):
                    log.info("the index was changed by another process: now answering from it")
                    self.articles_changed()
            except Exception as exc:  # noqa: BLE001 - tried again at the next interval
                log.debug("could not look for changes of the index: %s", type(exc).__name__)

    async def _warm_up(self) -> None:
        try:
            await asyncio.to_thread(self.engine.warm_up)
        except Exception as exc:  # noqa: BLE001 - questions load the same things on demand
            log.warning("warming up failed: %s", user_message(exc, "start-up"))

    async def _index_if_empty(self) -> None:
        async with self.reindex_lock:
            try:
                report = await asyncio.to_thread(
                    self.engine.ensure_indexed,
                    None,
                    lambda: log.info("the index is empty: indexing the configured sources"),
                )
                if report is not None:
                    log.info("indexed the configured sources: %s", report.summary())
            except Exception as exc:  # noqa: BLE001 - the bot keeps running on an empty index
                log.warning("the start-up indexing stopped: %s", user_message(exc, "start-up"))
            finally:
                self.articles_changed()

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Every command to each listed server. Globally (in every server and DM) only /ask
        and /sources, offered in DMs alone, when DMs are answered; syncing the global list
        also clears commands an older version synced there."""
        guilds = [discord.Object(gid) for gid in sorted(self.settings.guild_ids)]
        for guild in guilds:
            self.tree.copy_global_to(guild=guild)
        dm_commands = [c for c in self.tree.get_commands() if _offered_in_dms(c)]
        self.tree.clear_commands(guild=None)
        if self.settings.discord_allow_dms and guilds:
            for command in dm_commands:
                self.tree.add_command(_in_dms_only(command))
        await self.tree.sync()
        synced: list[app_commands.AppCommand] = []
        for guild in guilds:
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:  # e.g. not in that server (yet)
                log.warning("could not sync slash commands to guild %s: %r", guild.id, exc)
                continue
            log.info("synced %d slash commands to guild %s", len(synced), guild.id)
        if not guilds:
            log.info("no server listed in NEWSBOT_DISCORD_GUILD_ID: no slash commands synced")
        return synced

    async def on_ready(self) -> None:
        served = [g for g in self.guilds if self.allowlist.serves(g.id)]
        names = ", ".join(map(describe, served)) or "none"
        log.info(
            "logged in as %s (id %s); serving %d guild(s): %s",
            self.user,
            getattr(self.user, "id", "?"),
            len(served),
            names,
        )
        await self.allowlist.check_guilds(list(self.guilds))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.allowlist.on_join(guild)

    async def close(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
        self.feed_poller.stop()
        await super().close()
        self.answers.close()

    async def shutdown(self, reason: str) -> None:
        """Stop on a signal: refuse new work, let what is in flight finish (a running re-index
        stops at its next batch), cancel what is left after SHUTDOWN_GRACE and tell its user,
        then close. A second signal closes at once."""
        if self.stopping:
            log.info("%s again: closing now", reason)
            await self.close()
            return
        self.stopping = True
        if self._follower is not None:
            self._follower.cancel()
        self.feed_poller.stop()
        if self._engine is not None:
            self._engine.request_stop()
        pending = {t for t in (*self._in_flight, *self._background) if not t.done()}
        done: set[asyncio.Task[object]] = set()
        left: set[asyncio.Task[object]] = set()
        if pending:
            done, left = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)
        for task in left:
            goodbye = self._in_flight.get(task)
            task.cancel()
            if goodbye is not None:
                try:
                    await asyncio.wait_for(goodbye(), 5)
                except Exception as exc:  # noqa: BLE001 - leaving anyway
                    log.warning("could not tell a user about the shutdown: %r", exc)
        self.stop_summary = (
            f"stopped on {reason}: {len(done)} request(s) in flight finished, {len(left)} cancelled"
        )
        await self.close()

    def _track(self, goodbye: Callable[[], Awaitable[object]]) -> None:
        """Count the running handler as in flight until it ends (for a clean shutdown)."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight[task] = goodbye
            task.add_done_callback(lambda t: self._in_flight.pop(t, None))

    async def _admit_interaction(self, interaction: discord.Interaction) -> bool:
        """The command tree's global check: no new commands once stopping; track the rest."""
        refusal = await self.allowlist.refusal(interaction.guild_id, interaction.user)
        if interaction.type is discord.InteractionType.autocomplete:
            return not self.stopping and refusal is None
        if refusal is not None:
            raise Refused(refusal)
        if self.stopping:
            raise Refused(SHUTTING_DOWN)
        self._track(lambda: tell(interaction, SHUTTING_DOWN))
        return True

    # --- events ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if not await self.allowlist.admit_message(message):
            return
        if self.stopping:
            with contextlib.suppress(discord.HTTPException):  # closing anyway
                if await self.mentions.is_question(message):
                    await message.reply(SHUTTING_DOWN, mention_author=False)
            return
        self._track(lambda: message.reply(SHUTTING_DOWN, mention_author=False))
        await self.mentions.handle(message)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.name if interaction.command else "a command"
        text = user_message(error, f"/{name}")
        try:
            await tell(interaction, text)
        except Exception as exc:  # noqa: BLE001 - e.g. disconnected: nothing more to do
            log.warning("could not tell the user about an error in /%s: %r", name, exc)

    # --- shared state ---------------------------------------------------------------------

    async def article_list(self) -> list[tuple[str, str]]:
        """(id, title) of the indexed articles, reused for a few seconds (autocomplete)."""
        now = time.monotonic()
        if self._articles is None or now - self._articles[0] > ARTICLE_LIST_TTL:
            self._articles = (now, await asyncio.to_thread(self.engine.list_articles))
        return self._articles[1]

    def articles_changed(self) -> None:
        self._articles = None

    def keep_until_done(self, task: asyncio.Future[object]) -> None:
        """Background work a shutdown waits for (a feed poll that is indexing)."""
        self._background.add(task)  # type: ignore[arg-type]
        task.add_done_callback(self._background.discard)  # type: ignore[arg-type]


def _offered_in_dms(command: app_commands.Command | app_commands.Group) -> bool:
    contexts = command.allowed_contexts
    return contexts is not None and contexts.dm_channel


def _in_dms_only(command: app_commands.Command | app_commands.Group):  # noqa: ANN202
    """A copy of `command` that Discord offers in the bot's DMs only (the listed servers have
    their own copies: the same command in both lists would show twice there)."""
    dm_only = copy.copy(command)
    dm_only.allowed_contexts = app_commands.AppCommandContext(
        guild=False, dm_channel=True, private_channel=False
    )
    return dm_only


def token_of(settings: Settings) -> str:
    secret = settings.discord_token
    return secret.get_secret_value().strip() if secret is not None else ""


def run_bot(settings: Settings) -> int:
    """Run the bot until it is stopped; the process exit code (2 for a missing or bad token)."""
    token = token_of(settings)
    if not token:
        print(MISSING_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    bot = NewsBot(settings)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopping: set[asyncio.Task[None]] = set()  # keeps the shutdown task referenced

        def on_signal(name: str) -> None:
            task = asyncio.ensure_future(bot.shutdown(name))
            stopping.add(task)
            task.add_done_callback(stopping.discard)

        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. Windows
                loop.add_signal_handler(sig, on_signal, sig.name)
        async with bot:
            await bot.start(token)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        print(REJECTED_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print(MISSING_INTENT, file=sys.stderr)
        return EXIT_CONFIG
    except NewsbotError as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (aiohttp.ClientError, OSError) as exc:
        print(f"newsbot: error: cannot reach Discord: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        pass
    finally:
        # asyncio.run has waited for the engine's worker threads: nothing uses the store now.
        if bot._engine is not None:
            bot._engine.close()
    log.info("%s; index closed", bot.stop_summary or "stopped")
    return 0
