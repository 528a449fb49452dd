"""A fake Discord server (Gateway + REST API v10) for end-to-end tests of the bot.

The fake is an aiohttp application bound to ``127.0.0.1`` on a free port.  It speaks
just enough of the Discord Gateway (websocket, JSON text frames, no compression) and
of the REST API for the *real* discord.py 2.7 ``discord.Client`` (with an
``app_commands.CommandTree``) to log in, sync slash commands, receive messages and
interactions, and reply.  Tests drive it the way users would (post a message, run a
slash command, press a button, type into an autocompleted option) and then assert on
what the bot sent back.

Typical use::

    async def scenario() -> None:
        async with FakeDiscord() as fake:
            bot = MyBot(guild_ready_timeout=0.01)
            async with fake.running(bot):
                msg = await fake.send_message("hello", mentions_bot=True)
                reply = await fake.wait_for_reply(msg)
                assert "hello" in reply.content

                handle = await fake.slash("ask", {"question": "What happened?"})
                answer = await handle.wait_edit()
                assert handle.response_type == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE

    asyncio.run(scenario())

``running()`` points discord.py at the fake (see :func:`patch_discord`), starts
``client.start(fake.token)`` in a task, waits for ``on_ready`` and closes the client
afterwards.  Exceptions the bot only *logs* (event handlers, command/view callbacks,
autocomplete) are captured from the ``discord`` logger into :attr:`FakeDiscord.errors`
and make every ``wait_*`` call (and the exit of ``running()``) raise :class:`BotError`
so a broken handler fails the test instead of timing out.

What is simulated on purpose because real Discord does it (and bots get it wrong):

* the ``Bot <token>`` Authorization header is checked (401 otherwise);
* gateway intents: no guild MESSAGE_CREATE without GUILD_MESSAGES, empty ``content``
  without MESSAGE_CONTENT (unless the bot is mentioned), no member list without
  GUILD_MEMBERS;
* message limits (2000 characters of content, 10 embeds, embed sizes, 5 action rows,
  empty messages) answer ``400`` like Discord does;
* an interaction can be acknowledged once (``40060``), within 3 seconds (``10062``);
  follow-ups need an acknowledgement first and the first follow-up after a deferred
  response replaces the "thinking" message;
* commands with ``default_member_permissions`` cannot be invoked by users lacking them,
  disabled buttons cannot be pressed, unsynced commands cannot be invoked;
* direct messages (:meth:`FakeDiscord.send_dm`): a DM channel (type 1), MESSAGE_CREATE
  without ``guild_id`` or ``member``, delivered only with DIRECT_MESSAGES and with its
  content even without MESSAGE_CONTENT; in a DM only global commands whose ``contexts``
  include the bot DM (1) can be invoked, as ``user`` instead of ``member``;
* other servers (:meth:`FakeDiscord.add_guild`): the bot can be added to one
  (:meth:`FakeDiscord.join_guild`: GUILD_CREATE after READY, which discord.py reports as
  ``on_guild_join``) or be in it from the start; their members are not members of the fake
  guild (``GET /guilds/{id}/members/{user}`` answers 404 Unknown Member); leaving
  (``DELETE /users/@me/guilds/{id}``) answers 204 and sends GUILD_DELETE, and the left
  server's channels then answer 403 Missing Access.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import enum
import hashlib
import hmac
import json
import logging
import mimetypes
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

T = TypeVar("T")
JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
API_PREFIX = "/api/v10"
DEFAULT_TIMEOUT = 5.0
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class Perm(enum.IntFlag):
    """Permission bits used by the fake (values from the Discord API)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = discord.Permissions.all().value
EVERYONE_PERMISSIONS = int(
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)
BOT_ROLE_PERMISSIONS = int(Perm.MANAGE_MESSAGES | Perm.MENTION_EVERYONE)


class Intent(enum.IntFlag):
    """Gateway intent bits the fake honours."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED_INTENTS = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT


class InteractionType(enum.IntEnum):
    """Interaction types sent in INTERACTION_CREATE."""

    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class InteractionCallbackType(enum.IntEnum):
    """Response types the bot posts to ``/interactions/{id}/{token}/callback``."""

    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class OptionType(enum.IntEnum):
    """Application command option types."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class MessageFlag(enum.IntFlag):
    """Message flag bits tests commonly assert on."""

    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_COMPONENTS_V2 = 1 << 15


EPHEMERAL = int(MessageFlag.EPHEMERAL)


class BotError(AssertionError):
    """Raised into the test when the bot logged an exception or its client task died."""


class DiscordAPIError(Exception):
    """Raised by REST handlers to answer with a Discord-style JSON error."""

    def __init__(
        self,
        status: int,
        message: str,
        code: int = 0,
        errors: JSON | None = None,
    ) -> None:
        super().__init__(f"{status} {message} (code {code})")
        self.status = status
        self.body: JSON = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def mint_token(user_id: int, *, secret: bytes | None = None) -> str:
    """Create a bot token shaped like Discord's (``base64(id).timestamp.hmac``)."""
    key = secret if secret is not None else secrets.token_bytes(16)
    head = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    stamp = base64.urlsafe_b64encode(int(time.time()).to_bytes(4, "big")).decode()
    stamp = stamp.rstrip("=")
    mac = hmac.new(key, f"{head}.{stamp}".encode(), hashlib.sha256).digest()
    sig = base64.urlsafe_b64encode(mac[:27]).decode().rstrip("=")
    return f"{head}.{stamp}.{sig}"


class SnowflakeFactory:
    """Hands out strictly increasing, time-based Discord snowflakes."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
            self._last = max(candidate, self._last + 1)
            return self._last


@contextlib.contextmanager
def patch_discord(base_url: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at a fake, then restore them.

    ``base_url`` is e.g. ``http://127.0.0.1:1234/api/v10`` and ``gateway_url``
    ``ws://127.0.0.1:1234/gateway``.  Both are class attributes, so this affects every
    client in the process while active.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


# --------------------------------------------------------------------------- models


@dataclass(eq=False)
class FakeUser:
    """A user of the fake guild (the bot itself, the owner, an admin, a member...)."""

    id: int
    username: str
    roles: list[int] = field(default_factory=list)
    bot: bool = False
    global_name: str | None = None
    joined_at: str = field(default_factory=_now_iso)

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention string for this user."""
        return f"<@{self.id}>"

    def user_payload(self) -> JSON:
        """The Discord user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def member_payload(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        """The Discord guild member object (optionally with ``permissions``)."""
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "banner": None,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user_payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class FakeGuild:
    """Another server than the fake guild, with its own owner, channels, roles and members."""

    id: int
    name: str
    owner: FakeUser
    channel_ids: list[int]
    roles: dict[int, JSON]
    member_ids: set[int]
    joined: bool = False  # the bot is in it
    left: bool = False  # the bot left it (DELETE /users/@me/guilds/{id})

    @property
    def channel_id(self) -> int:
        return self.channel_ids[0]


@dataclass
class UploadedFile:
    """One file part of a multipart/form-data request the bot made."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RestCall:
    """One REST request the bot made, as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    at: float
    status: int = 0
    response: Any = None

    @property
    def route(self) -> str:
        """``"METHOD /path"``, handy for asserting on the sequence of calls."""
        return f"{self.method} {self.path}"


@dataclass
class Heartbeat:
    """A gateway heartbeat: when the fake received it and when it sent the ack.

    Times come from ``time.perf_counter()`` (the clock discord.py uses for latency).
    """

    sent_at: float
    acked_at: float | None = None
    sequence: int | None = None

    @property
    def latency(self) -> float | None:
        """Seconds between receiving the heartbeat and acking it (None if unacked)."""
        return None if self.acked_at is None else self.acked_at - self.sent_at

    def __iter__(self) -> Iterator[float | None]:
        return iter((self.sent_at, self.acked_at))


@dataclass
class CapturedError:
    """An exception the bot logged (or a test hook reported) while running."""

    source: str
    message: str
    exc: BaseException | None = None

    def __str__(self) -> str:
        suffix = f": {self.exc!r}" if self.exc is not None else ""
        return f"[{self.source}] {self.message}{suffix}"


@dataclass(eq=False)
class FakeMessage:
    """A message stored by the fake: sent by a fake user or by the bot.

    ``payload`` is the Discord message object (what the gateway/REST return).  The
    bot-side extras are kept next to it: ``allowed_mentions`` from the request,
    ``files`` (filename -> bytes of attachments), ``edits`` (bodies of every edit),
    ``request`` (the REST call that created it, if any) and ``requests`` (that call
    followed by every REST call that edited it).
    """

    payload: JSON
    allowed_mentions: JSON | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False
    interaction_id: int | None = None
    request: RestCall | None = None
    reactions: list[str] = field(default_factory=list)
    requests: list[RestCall] = field(default_factory=list)

    @property
    def id(self) -> int:
        """Message id."""
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        """Channel id."""
        return int(self.payload["channel_id"])

    @property
    def author_id(self) -> int:
        """Author's user id."""
        return int(self.payload["author"]["id"])

    @property
    def from_bot(self) -> bool:
        """True if a bot (the bot under test) wrote it."""
        return bool(self.payload["author"].get("bot"))

    @property
    def content(self) -> str:
        """Text content."""
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[JSON]:
        """Embed objects."""
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[JSON]:
        """Top-level component objects (action rows, v2 containers...)."""
        return self.payload.get("components") or []

    @property
    def attachments(self) -> list[JSON]:
        """Attachment objects."""
        return self.payload.get("attachments") or []

    @property
    def flags(self) -> int:
        """Message flags bitfield."""
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """True if only the invoking user sees it (flag 64)."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while it is a deferred "Bot is thinking..." placeholder."""
        return bool(self.flags & MessageFlag.LOADING)

    @property
    def reference_id(self) -> int | None:
        """Id of the message this one replies to, if any."""
        ref = self.payload.get("message_reference") or {}
        mid = ref.get("message_id")
        return int(mid) if mid is not None else None

    def all_components(self) -> list[JSON]:
        """Every component at any depth (rows, buttons, selects, sections...)."""
        found: list[JSON] = []

        def walk(items: Sequence[JSON]) -> None:
            for item in items:
                found.append(item)
                walk(item.get("components") or [])
                for key in ("accessory", "component"):
                    if item.get(key):
                        walk([item[key]])

        walk(self.components)
        return found

    def find_component(self, custom_id: str) -> JSON | None:
        """The component with this ``custom_id`` (or None)."""
        for comp in self.all_components():
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    @property
    def custom_ids(self) -> list[str]:
        """custom_ids of all interactive components."""
        return [c["custom_id"] for c in self.all_components() if "custom_id" in c]

    @property
    def text(self) -> str:
        """Content plus embed titles/descriptions/fields, for loose assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name") or "", fld.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)


class FakeInteraction:
    """Handle on one interaction the fake sent; collects what the bot answered.

    ``responses`` are the callback bodies (``{"type", "data"}``), ``original`` the
    message the interaction response is about (created by type 4/5, or the component's
    message for type 6/7), ``edits`` the bodies of ``PATCH .../messages/@original``,
    ``followups`` the follow-up messages, ``choices`` the autocomplete result and
    ``modal`` the modal the bot opened.
    """

    def __init__(self, fake: FakeDiscord, payload: JSON, user: FakeUser) -> None:
        self.fake = fake
        self.payload = payload
        self.user = user
        self.created_at = time.monotonic()
        self.responses: list[JSON] = []
        self.original: FakeMessage | None = None
        self.followups: list[FakeMessage] = []
        self.edits: list[JSON] = []
        self.choices: list[JSON] | None = None
        self.modal: JSON | None = None
        self.component_message: FakeMessage | None = None

    @property
    def id(self) -> int:
        """Interaction id."""
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        """Interaction token (used in the webhook URLs)."""
        return str(self.payload["token"])

    @property
    def type(self) -> int:
        """Interaction type (2 command, 3 component, 4 autocomplete, 5 modal)."""
        return int(self.payload["type"])

    @property
    def response_type(self) -> int | None:
        """Callback type of the (first) response, None if unanswered."""
        return int(self.responses[0]["type"]) if self.responses else None

    @property
    def deferred(self) -> bool:
        """True if the bot answered with a deferred response (type 5 or 6)."""
        return self.response_type in (
            InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE,
            InteractionCallbackType.DEFERRED_UPDATE_MESSAGE,
        )

    @property
    def ephemeral(self) -> bool:
        """True if the response message is ephemeral (flags 64)."""
        if self.original is not None:
            return self.original.ephemeral
        if self.responses:
            flags = (self.responses[0].get("data") or {}).get("flags") or 0
            return bool(int(flags) & EPHEMERAL)
        return False

    def messages(self) -> list[FakeMessage]:
        """Original response (if a message) followed by follow-ups, deduplicated."""
        result: list[FakeMessage] = []
        for msg in ([self.original] if self.original else []) + self.followups:
            if msg not in result:
                result.append(msg)
        return result

    async def wait_until(
        self, condition: Callable[[], T | None], timeout: float = DEFAULT_TIMEOUT
    ) -> T:
        """Wait until ``condition()`` returns something other than None/False."""
        return await self.fake.wait_until(condition, timeout, description=f"interaction {self.id}")

    async def wait_response(self, timeout: float = DEFAULT_TIMEOUT) -> JSON:
        """Wait for the callback (the initial response) and return its body."""
        return await self.wait_until(lambda: self.responses[0] if self.responses else None, timeout)

    async def wait_edit(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> FakeMessage:
        """Wait until ``@original`` was edited ``count`` times; return the message."""
        return await self.wait_until(
            lambda: self.original if len(self.edits) >= count else None, timeout
        )

    async def wait_followup(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> FakeMessage:
        """Wait for the ``count``-th follow-up message and return it."""
        return await self.wait_until(
            lambda: self.followups[count - 1] if len(self.followups) >= count else None,
            timeout,
        )

    async def wait_message(self, timeout: float = DEFAULT_TIMEOUT) -> FakeMessage:
        """Wait for a *finished* answer: a non-loading original or first follow-up."""

        def ready() -> FakeMessage | None:
            if self.original is not None and not self.original.loading:
                if self.response_type != InteractionCallbackType.DEFERRED_UPDATE_MESSAGE:
                    return self.original
                if self.edits:
                    return self.original
            return self.followups[0] if self.followups else None

        return await self.wait_until(ready, timeout)

    async def wait_choices(self, timeout: float = DEFAULT_TIMEOUT) -> list[JSON]:
        """Wait for an autocomplete result and return its choices."""
        return await self.wait_until(lambda: self.choices, timeout)

    def __repr__(self) -> str:
        return f"<FakeInteraction id={self.id} type={self.type} responses={self.responses!r}>"


AttachmentLike = JSON | tuple[str, bytes] | tuple[str, bytes, str]
_Handler = Callable[..., Awaitable[tuple[int, Any]]]


class _ErrorCapture(logging.Handler):
    """Logging handler that turns ERROR records of the watched loggers into errors."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(level=logging.ERROR)
        self.fake = fake

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.fake.record_error(CapturedError(record.name, record.getMessage(), exc))


# ----------------------------------------------------------------------------- fake


class FakeDiscord:
    """The fake Discord server plus the fake guild, users and recorded traffic.

    State (read it in assertions):
        ``guild_id``, ``channel_ids``/``channel_id`` (default channel), ``bot_user``,
        ``app_id``, ``token``, ``owner``/``admin``/``member`` (``FakeUser``),
        ``users``, ``roles``, ``admin_role_id``, ``bot_role_id``;
        ``calls`` (alias ``sent``: every REST call), ``unhandled`` (calls to routes the
        fake does not implement; they got a 404), ``messages_by_id``,
        ``interactions``, ``heartbeats``, ``synced_commands`` (payload of the last
        commands PUT), ``global_commands``/``guild_commands`` (by name, with ids),
        ``identify`` (the last IDENTIFY payload), ``presence`` (last op 3 update),
        ``errors`` (captured bot exceptions).

    Knobs: ``heartbeat_interval_ms``, ``heartbeat_ack_delay``, ``ack_heartbeats``,
    ``echo_bot_messages`` (send MESSAGE_CREATE/UPDATE for the bot's own messages, as
    Discord does), ``interaction_deadline`` (seconds to acknowledge, None = no limit),
    ``strict_commands`` (only synced commands can be invoked), ``fail_on_errors``,
    ``enabled_intents`` (privileged intents the "developer portal" allows), ``bot_public``
    (the portal's "Public Bot" switch).
    """

    def __init__(
        self,
        *,
        channels: Sequence[str] = ("general", "news"),
        guild_name: str = "Fake Guild",
        bot_name: str = "newsbot",
        heartbeat_interval_ms: int = 41_250,
        heartbeat_ack_delay: float = 0.0,
        echo_bot_messages: bool = True,
        interaction_deadline: float | None = 3.0,
        strict_commands: bool = True,
        fail_on_errors: bool = True,
        enabled_intents: int = int(PRIVILEGED_INTENTS),
        watch_loggers: Sequence[str] = ("discord",),
        bot_public: bool = True,
    ) -> None:
        self.snowflake = SnowflakeFactory()
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeat_ack_delay = heartbeat_ack_delay
        self.ack_heartbeats = True
        self.echo_bot_messages = echo_bot_messages
        self.interaction_deadline = interaction_deadline
        self.strict_commands = strict_commands
        self.fail_on_errors = fail_on_errors
        self.enabled_intents = enabled_intents
        self.watch_loggers = tuple(watch_loggers)
        self.bot_public = bot_public  # the portal's "Public Bot" switch (Discord's default: on)

        # --- the world
        self.guild_id = self.snowflake()
        self.guild_name = guild_name
        self.app_id = self.snowflake()
        self.bot_user = FakeUser(self.snowflake(), bot_name, bot=True)
        self.token = mint_token(self.bot_user.id)
        self.admin_role_id = self.snowflake()
        self.bot_role_id = self.snowflake()
        self.roles: dict[int, JSON] = {
            self.guild_id: self._role_payload(self.guild_id, "@everyone", EVERYONE_PERMISSIONS, 0),
            self.admin_role_id: self._role_payload(
                self.admin_role_id, "Admin", int(Perm.MANAGE_GUILD), 1
            ),
            self.bot_role_id: self._role_payload(
                self.bot_role_id,
                bot_name,
                BOT_ROLE_PERMISSIONS,
                2,
                managed=True,
                tags={"bot_id": str(self.bot_user.id)},
            ),
        }
        self.bot_user.roles = [self.bot_role_id]
        self.owner = FakeUser(self.snowflake(), "owner")
        self.admin = FakeUser(self.snowflake(), "admin", roles=[self.admin_role_id])
        self.member = FakeUser(self.snowflake(), "member")
        self.users: dict[int, FakeUser] = {
            u.id: u for u in (self.bot_user, self.owner, self.admin, self.member)
        }
        self.channels: dict[int, JSON] = {}
        for position, name in enumerate(channels):
            cid = self.snowflake()
            self.channels[cid] = self._channel_payload(cid, name, position)
        self.channel_ids: list[int] = list(self.channels)
        self.channel_id: int = self.channel_ids[0]
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.other_guilds: dict[int, FakeGuild] = {}
        self.outsiders: set[int] = set()  # users who are not members of the fake guild

        # --- recorded traffic
        self.calls: list[RestCall] = []
        self.unhandled: list[RestCall] = []
        self.messages_by_id: dict[int, FakeMessage] = {}
        self.attachment_blobs: dict[int, tuple[str, str, bytes]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.heartbeats: list[Heartbeat] = []
        self.synced_commands: list[JSON] | None = None
        self.global_commands: dict[str, JSON] = {}
        self.guild_commands: dict[int, dict[str, JSON]] = {}
        self.identify: JSON | None = None
        self.presence: JSON | None = None
        self.gateway_events: list[JSON] = []
        self.errors: list[CapturedError] = []
        self.intents = 0

        # --- plumbing
        self._injected: list[_InjectedError] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._ws: web.WebSocketResponse | None = None
        self._all_ws: set[web.WebSocketResponse] = set()
        self._ws_lock = asyncio.Lock()
        self._session_id: str | None = None
        self._seq = 0
        self._ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client_task: asyncio.Task[None] | None = None
        self._stopping_client = False
        self._background: set[asyncio.Task[bool]] = set()
        self._log_handler = _ErrorCapture(self)
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the HTTP/websocket server on 127.0.0.1 and a free port."""
        self._loop = asyncio.get_running_loop()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_get("/attachments/{aid}/{filename}", self._attachment_handler)
        app.router.add_route("*", "/api/{version}/{tail:.*}", self._api_handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        for name in self.watch_loggers:
            logging.getLogger(name).addHandler(self._log_handler)
        log.debug("fake Discord listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close websockets and the server; detach the error capture."""
        for name in self.watch_loggers:
            logging.getLogger(name).removeHandler(self._log_handler)
        for ws in list(self._all_ws):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """TCP port the fake listens on."""
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """REST base, the value for ``discord.http.Route.BASE``."""
        return f"{self.root_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Gateway websocket URL, the value for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def sent(self) -> list[RestCall]:
        """Alias of :attr:`calls`: every REST call the bot made."""
        return self.calls

    def patch_discord(self) -> contextlib.AbstractContextManager[None]:
        """Context manager pointing discord.py at this fake (see :func:`patch_discord`)."""
        return patch_discord(self.base_url, self.gateway_url)

    @contextlib.asynccontextmanager
    async def running(
        self, client: discord.Client, *, ready_timeout: float = DEFAULT_TIMEOUT
    ) -> AsyncIterator[discord.Client]:
        """Run ``client`` against the fake until the block ends.

        Patches discord.py, starts ``client.start(self.token)`` in a task and waits for
        ``client.is_ready()``.  On exit closes the client, awaits the task and restores
        discord.py.  Raises :class:`BotError` on exit if the bot logged exceptions
        (clear ``errors`` in the test if they were expected).
        """
        with self.patch_discord():
            self._stopping_client = False
            task = asyncio.create_task(client.start(self.token), name="fake-discord-bot")
            task.add_done_callback(lambda _t: self._notify())
            self._client_task = task
            failed = False
            try:
                await self.wait_until(
                    lambda: client.is_ready() or None,
                    ready_timeout,
                    description="the client to become ready",
                )
                yield client
            except BaseException:
                failed = True
                raise
            finally:
                self._stopping_client = True
                await client.close()
                try:
                    await asyncio.wait_for(task, DEFAULT_TIMEOUT)
                except Exception as exc:
                    if not failed:
                        raise BotError(f"client.start() failed: {exc!r}") from exc
                finally:
                    self._client_task = None
            if self.fail_on_errors and self.errors:
                raise BotError(self._errors_text())

    # ---------------------------------------------------------------- error handling

    def record_error(self, error: CapturedError | BaseException) -> None:
        """Report a bot failure (usable from ``on_error``/``tree.on_error`` hooks)."""
        if isinstance(error, BaseException):
            error = CapturedError("hook", type(error).__name__, error)
        self.errors.append(error)
        log.debug("captured bot error: %s", error)
        self._notify()

    def _errors_text(self) -> str:
        lines = [f"the bot reported {len(self.errors)} error(s):"]
        lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)

    def _raise_if_failed(self) -> None:
        if self.fail_on_errors and self.errors:
            first = next((e.exc for e in self.errors if e.exc is not None), None)
            raise BotError(self._errors_text()) from first
        task = self._client_task
        if task is not None and task.done() and not self._stopping_client:
            exc = None if task.cancelled() else task.exception()
            raise BotError(f"the bot's client.start() ended early: {exc!r}") from exc

    def _notify(self) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._changed.set()
            self._changed = asyncio.Event()
        elif not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                loop.call_soon_threadsafe(self._notify)

    # ---------------------------------------------------------------------- waiting

    async def wait_until(
        self,
        condition: Callable[[], T | None],
        timeout: float = DEFAULT_TIMEOUT,
        *,
        description: str | None = None,
    ) -> T:
        """Wait until ``condition()`` returns something other than None/False.

        Re-evaluated after every REST call / gateway message / captured error.  Raises
        :class:`BotError` as soon as the bot logs an exception or dies, and
        ``TimeoutError`` (listing the last REST calls) after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._raise_if_failed()
            result = condition()
            if result is not None and result is not False:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n".join(
                    f"  {c.route} -> {c.status} {json.dumps(c.json)[:200]}"
                    for c in self.calls[-10:]
                )
                what = description or getattr(condition, "__name__", "condition")
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"last REST calls:\n{recent or '  (none)'}"
                )
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.25))

    async def wait_for(
        self,
        predicate: Callable[[RestCall], bool],
        timeout: float = DEFAULT_TIMEOUT,
        *,
        since: int = 0,
    ) -> RestCall:
        """Wait for a REST call (index ``>= since`` in :attr:`calls`) matching ``predicate``."""

        def find() -> RestCall | None:
            for call in self.calls[since:]:
                if call.status and predicate(call):
                    return call
            return None

        return await self.wait_until(find, timeout, description="a matching REST call")

    async def wait_for_bot_message(
        self,
        predicate: Callable[[FakeMessage], bool] | None = None,
        *,
        channel_id: int | None = None,
        after: FakeMessage | int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> FakeMessage:
        """Wait for a message by the bot (in ``channel_id``, newer than ``after``)."""
        after_id = after.id if isinstance(after, FakeMessage) else (after or 0)

        def find() -> FakeMessage | None:
            for msg in self.messages_by_id.values():
                if not msg.from_bot or msg.id <= after_id:
                    continue
                if channel_id is not None and msg.channel_id != channel_id:
                    continue
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self.wait_until(find, timeout, description="a bot message")

    async def wait_for_reply(
        self, to: FakeMessage, *, timeout: float = DEFAULT_TIMEOUT
    ) -> FakeMessage:
        """Wait for the bot's reply (``message_reference``) to the message ``to``."""
        return await self.wait_for_bot_message(
            lambda m: m.reference_id == to.id,
            channel_id=to.channel_id,
            after=to,
            timeout=timeout,
        )

    async def wait_for_sync(self, timeout: float = DEFAULT_TIMEOUT) -> list[JSON]:
        """Wait until the bot has PUT a command list that is not empty (an empty one clears a
        list, e.g. the global one of a bot that syncs to servers); return that payload."""
        return await self.wait_until(
            lambda: self.synced_commands or None, timeout, description="tree.sync()"
        )

    async def wait_until_ready(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until a gateway session identified and got READY + GUILD_CREATE."""
        await self.wait_until(
            lambda: self._ready.is_set() or None,
            timeout,
            description="the gateway session (IDENTIFY)",
        )

    # ----------------------------------------------------------------- state helpers

    def messages(
        self, channel_id: int | None = None, *, from_bot: bool | None = None
    ) -> list[FakeMessage]:
        """Non-deleted messages in creation order, optionally filtered."""
        return [
            m
            for m in self.messages_by_id.values()
            if not m.deleted
            and (channel_id is None or m.channel_id == channel_id)
            and (from_bot is None or m.from_bot == from_bot)
        ]

    def bot_messages(self, channel_id: int | None = None) -> list[FakeMessage]:
        """Messages the bot sent (including interaction responses)."""
        return self.messages(channel_id, from_bot=True)

    def calls_to(self, method: str, pattern: str) -> list[RestCall]:
        """REST calls with ``method`` whose path matches the regex ``pattern``."""
        rx = re.compile(pattern)
        return [c for c in self.calls if c.method == method and rx.fullmatch(c.path)]

    def typing_calls(self, channel_id: int | None = None) -> list[RestCall]:
        """``POST /channels/{id}/typing`` calls."""
        cid = channel_id or r"\d+"
        return self.calls_to("POST", rf"/channels/{cid}/typing")

    def add_user(
        self,
        username: str,
        *,
        roles: Sequence[int] = (),
        permissions: int | None = None,
        bot: bool = False,
        guild: FakeGuild | None = None,
    ) -> FakeUser:
        """Add a guild member; ``permissions`` creates a dedicated role with them. With
        ``guild``, a member of that other server only."""
        role_ids = list(roles)
        if permissions is not None:
            rid = self.snowflake()
            self.roles[rid] = self._role_payload(
                rid, f"{username}-role", permissions, len(self.roles)
            )
            role_ids.append(rid)
        user = FakeUser(self.snowflake(), username, roles=role_ids, bot=bot)
        self.users[user.id] = user
        if guild is not None:
            self.outsiders.add(user.id)
            guild.member_ids.add(user.id)
        return user

    def add_guild(
        self, name: str = "Other Guild", *, channels: Sequence[str] = ("general",), joined=False
    ) -> FakeGuild:
        """Another server, owned by a new user who is no member of the fake guild; with
        ``joined`` the bot is in it from the start (listed in READY)."""
        gid = self.snowflake()
        owner = FakeUser(self.snowflake(), f"{name.split()[0].lower()}-owner")
        self.users[owner.id] = owner
        self.outsiders.add(owner.id)
        roles = {gid: self._role_payload(gid, "@everyone", EVERYONE_PERMISSIONS, 0)}
        guild = FakeGuild(gid, name, owner, [], roles, {owner.id, self.bot_user.id}, joined)
        for position, channel in enumerate(channels):
            cid = self.snowflake()
            self.channels[cid] = self._channel_payload(cid, channel, position, guild_id=gid)
            guild.channel_ids.append(cid)
        self.other_guilds[gid] = guild
        return guild

    async def join_guild(self, guild: FakeGuild) -> None:
        """Someone adds the bot to ``guild``: GUILD_CREATE, as Discord sends after READY."""
        guild.joined, guild.left = True, False
        payload = self.guild_payload(guild)
        # A server joined (not one coming back online) has no "unavailable": discord.py tells the
        # two apart by it (on_guild_join / on_guild_available).
        del payload["unavailable"]
        await self.dispatch("GUILD_CREATE", payload)

    def guild_of(self, channel_id: int) -> int | None:
        """The id of the server a channel is in; None for a DM channel."""
        channel = self.channels.get(channel_id)
        return int(channel["guild_id"]) if channel is not None else None

    def _is_member(self, user: FakeUser, guild_id: int) -> bool:
        if guild_id == self.guild_id:
            return user.id not in self.outsiders
        guild = self.other_guilds.get(guild_id)
        return guild is not None and user.id in guild.member_ids

    def add_role(self, name: str, permissions: int) -> int:
        """Add a role to the guild; returns its id (sent on the next GUILD_CREATE)."""
        rid = self.snowflake()
        self.roles[rid] = self._role_payload(rid, name, permissions, len(self.roles))
        return rid

    def permissions_for(self, user: FakeUser, guild_id: int | None = None) -> int:
        """Guild-level permissions of ``user`` (owner/ADMINISTRATOR = all), in the fake guild
        or the other server ``guild_id`` (where it has @everyone's, or all as its owner)."""
        other = self.other_guilds.get(guild_id or self.guild_id)
        if other is not None:
            if user.id == other.owner.id:
                return ALL_PERMISSIONS
            return int(other.roles[other.id]["permissions"])
        if user.id == self.owner.id:
            return ALL_PERMISSIONS
        perms = int(self.roles[self.guild_id]["permissions"])
        for rid in user.roles:
            perms |= int(self.roles[rid]["permissions"])
        if perms & Perm.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def attachment(self, filename: str, data: bytes, content_type: str | None = None) -> JSON:
        """Register bytes on the fake's CDN; return the attachment object for them."""
        aid = self.snowflake()
        ctype = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.attachment_blobs[aid] = (filename, ctype, data)
        url = f"{self.root_url}/attachments/{aid}/{filename}"
        return {
            "id": str(aid),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": ctype,
            "ephemeral": False,
        }

    def _as_attachment(self, item: AttachmentLike) -> JSON:
        if isinstance(item, dict):
            return item
        return self.attachment(*item)

    def guild_payload(self, guild: FakeGuild | None = None) -> JSON:
        """The full GUILD_CREATE payload for the fake guild (or another server)."""
        with_members = bool(self.intents & Intent.GUILD_MEMBERS)
        gid = guild.id if guild is not None else self.guild_id
        users = [u for u in self.users.values() if self._is_member(u, gid)]
        members = [
            u.member_payload(with_user=True) if guild is None else _plain_member(u)
            for u in users
            if with_members or u.id == self.bot_user.id
        ]
        channels = [c for c in self.channels.values() if int(c["guild_id"]) == gid]
        return {
            "id": str(gid),
            "name": guild.name if guild is not None else self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str((guild.owner if guild is not None else self.owner).id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(channels[0]["id"]),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500_000,
            "application_id": None,
            "features": [],
            "roles": list((guild.roles if guild is not None else self.roles).values()),
            "emojis": [],
            "stickers": [],
            "channels": [self._strip_guild(c) for c in channels],
            "threads": [],
            "members": members,
            "member_count": len(users),
            "large": False,
            "unavailable": False,
            "joined_at": self.bot_user.joined_at,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "incidents_data": None,
        }

    def application_payload(self) -> JSON:
        """``GET /oauth2/applications/@me`` body."""
        return {
            "id": str(self.app_id),
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "bot_public": self.bot_public,
            "bot_require_code_grant": False,
            "owner": self.owner.user_payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
            "bot": self.bot_user.user_payload(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }

    def _role_payload(
        self,
        rid: int,
        name: str,
        permissions: int,
        position: int,
        *,
        managed: bool = False,
        tags: JSON | None = None,
    ) -> JSON:
        data: JSON = {
            "id": str(rid),
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "colors": {
                "primary_color": 0,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "managed": managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if tags is not None:
            data["tags"] = tags
        return data

    def _channel_payload(
        self, cid: int, name: str, position: int, guild_id: int | None = None
    ) -> JSON:
        return {
            "id": str(cid),
            "type": 0,
            "guild_id": str(guild_id or self.guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    @staticmethod
    def _strip_guild(channel: JSON) -> JSON:
        return {k: v for k, v in channel.items() if k != "guild_id"}

    def dm_channel_for(self, user: FakeUser) -> int:
        """Id of the DM channel between the bot and ``user`` (created on demand)."""
        if user.id not in self.dm_channels:
            self.dm_channels[user.id] = self.snowflake()
        return self.dm_channels[user.id]

    def _channel_by_id(self, cid: int) -> JSON | None:
        if cid in self.channels:
            return self.channels[cid]
        for uid, dm_id in self.dm_channels.items():
            if dm_id == cid:
                return {
                    "id": str(dm_id),
                    "type": 1,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [self.users[uid].user_payload()],
                }
        return None

    def _is_dm(self, cid: int) -> bool:
        return cid in self.dm_channels.values()

    # ---------------------------------------------------------------------- gateway

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send a DISPATCH (op 0) event to the bot; waits for the session first."""
        await self.wait_until_ready()
        await self._emit(event, data)

    async def _emit(self, event: str, data: JSON) -> bool:
        ws = self._ws
        if ws is None or ws.closed or not self._ready.is_set():
            return False
        self._seq += 1
        await self._ws_send(ws, {"op": 0, "t": event, "s": self._seq, "d": data})
        self.gateway_events.append({"t": event, "d": data})
        return True

    async def _ws_send(self, ws: web.WebSocketResponse, payload: JSON) -> None:
        async with self._ws_lock:
            await ws.send_str(json.dumps(payload))

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py resumes via ``resume_gateway_url``."""
        ws = self._ws
        if ws is not None:
            await self._ws_send(ws, {"op": 7, "d": None})

    async def _gateway_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._all_ws.add(ws)
        log.debug("gateway connection: %s", request.query_string)
        try:
            await self._ws_send(
                ws,
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                },
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                await self._on_gateway_message(ws, json.loads(msg.data))
        finally:
            self._all_ws.discard(ws)
            if self._ws is ws:
                self._ws = None
            self._notify()
        return ws

    async def _on_gateway_message(self, ws: web.WebSocketResponse, msg: JSON) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == 1:
            beat = Heartbeat(time.perf_counter(), sequence=data)
            self.heartbeats.append(beat)
            if self.ack_heartbeats:
                asyncio.get_running_loop().create_task(self._ack(ws, beat))
        elif op == 2:
            await self._on_identify(ws, data)
        elif op == 3:
            self.presence = data
        elif op == 6:
            await self._on_resume(ws, data)
        elif op == 8:
            await self._on_request_members(ws, data)
        else:
            log.debug("fake gateway ignoring op %s", op)
        self._notify()

    async def _ack(self, ws: web.WebSocketResponse, beat: Heartbeat) -> None:
        if self.heartbeat_ack_delay:
            await asyncio.sleep(self.heartbeat_ack_delay)
        if ws.closed:
            return
        await self._ws_send(ws, {"op": 11, "d": None, "s": None, "t": None})
        beat.acked_at = time.perf_counter()
        self._notify()

    async def _on_identify(self, ws: web.WebSocketResponse, data: JSON) -> None:
        self.identify = data
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~self.enabled_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.intents = intents
        self._ws = ws
        self._seq = 0
        self._session_id = secrets.token_hex(16)
        self._ready.set()
        ready = {
            "v": 10,
            "user": {
                **self.bot_user.user_payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "email": None,
            },
            "guilds": [
                {"id": str(g), "unavailable": True}
                for g in [self.guild_id, *(g.id for g in self._joined_guilds())]
            ],
            "session_id": self._session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        await self._emit("READY", ready)
        await self._emit("GUILD_CREATE", self.guild_payload())
        for guild in self._joined_guilds():
            await self._emit("GUILD_CREATE", self.guild_payload(guild))

    def _joined_guilds(self) -> list[FakeGuild]:
        return [g for g in self.other_guilds.values() if g.joined]

    async def _on_resume(self, ws: web.WebSocketResponse, data: JSON) -> None:
        if data.get("token") != self.token or data.get("session_id") != self._session_id:
            await self._ws_send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        self._ws = ws
        await self._emit("RESUMED", {"_trace": ["fake-discord"]})

    async def _on_request_members(self, ws: web.WebSocketResponse, data: JSON) -> None:
        query = (data.get("query") or "").lower()
        wanted = {int(u) for u in data.get("user_ids") or []}
        limit = int(data.get("limit") or 0) or len(self.users)
        members = [
            u.member_payload()
            for u in self.users.values()
            if (not wanted or u.id in wanted) and u.username.lower().startswith(query)
        ][:limit]
        chunk: JSON = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._emit("GUILD_MEMBERS_CHUNK", chunk)

    # -------------------------------------------------------------- driving: messages

    async def send_message(
        self,
        content: str,
        *,
        author: FakeUser | None = None,
        channel_id: int | None = None,
        mentions_bot: bool = False,
        reply_to: FakeMessage | int | None = None,
        attachments: Sequence[AttachmentLike] | None = None,
        embeds: Sequence[JSON] | None = None,
    ) -> FakeMessage:
        """Post a message as a user and deliver MESSAGE_CREATE to the bot.

        ``mentions_bot`` prefixes ``<@bot>`` unless the content already mentions it;
        ``reply_to`` makes it a reply (``message_reference`` + ``referenced_message``);
        ``attachments`` are attachment objects from :meth:`attachment` or
        ``(filename, bytes[, content_type])`` tuples.  Delivery honours the bot's
        intents (GUILD_MESSAGES / DIRECT_MESSAGES / MESSAGE_CONTENT).
        """
        await self.wait_until_ready()
        author = author or self.member
        cid = channel_id or self.channel_id
        if self._channel_by_id(cid) is None:
            raise LookupError(f"unknown channel {cid}")
        if mentions_bot and self.bot_user.mention not in content:
            content = f"{self.bot_user.mention} {content}"
        payload = self._message_payload(
            cid,
            author,
            content=content,
            attachments=[self._as_attachment(a) for a in attachments or []],
            embeds=list(embeds or []),
        )
        if reply_to is not None:
            self._attach_reference(payload, reply_to)
        msg = FakeMessage(payload)
        self.messages_by_id[msg.id] = msg
        await self._deliver(msg, "MESSAGE_CREATE")
        return msg

    async def send_dm(
        self,
        content: str,
        *,
        author: FakeUser | None = None,
        attachments: Sequence[AttachmentLike] | None = None,
    ) -> FakeMessage:
        """Send the bot a direct message from ``author`` (default: the plain member)."""
        author = author or self.member
        return await self.send_message(
            content,
            author=author,
            channel_id=self.dm_channel_for(author),
            attachments=attachments,
        )

    async def edit_message(self, message: FakeMessage | int, content: str) -> FakeMessage:
        """Edit a user's message and deliver MESSAGE_UPDATE."""
        msg = self._get_message(message)
        msg.payload["content"] = content
        msg.payload["edited_timestamp"] = _now_iso()
        msg.payload["mentions"] = self._parse_mentions(content, msg.channel_id)
        msg.edits.append({"content": content})
        await self._deliver(msg, "MESSAGE_UPDATE")
        return msg

    async def delete_message(self, message: FakeMessage | int) -> None:
        """Delete a message and deliver MESSAGE_DELETE."""
        msg = self._get_message(message)
        msg.deleted = True
        data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if not self._is_dm(msg.channel_id):
            data["guild_id"] = str(self.guild_of(msg.channel_id))
        await self.dispatch("MESSAGE_DELETE", data)

    def _get_message(self, message: FakeMessage | int) -> FakeMessage:
        mid = message.id if isinstance(message, FakeMessage) else int(message)
        try:
            return self.messages_by_id[mid]
        except KeyError:
            raise LookupError(f"unknown message {mid}") from None

    def _message_payload(
        self,
        cid: int,
        author: FakeUser,
        *,
        content: str,
        attachments: list[JSON] | None = None,
        embeds: list[JSON] | None = None,
        components: list[JSON] | None = None,
        flags: int = 0,
        msg_type: int = 0,
    ) -> JSON:
        payload: JSON = {
            "id": str(self.snowflake()),
            "channel_id": str(cid),
            "author": author.user_payload(),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": self._parse_mentions(content, cid),
            "mention_roles": re.findall(r"<@&(\d+)>", content),
            "attachments": attachments or [],
            "embeds": embeds or [],
            "components": components or [],
            "pinned": False,
            "type": msg_type,
            "flags": flags,
        }
        if not self._is_dm(cid):
            payload["guild_id"] = str(self.guild_of(cid))
            payload["member"] = author.member_payload(with_user=False)
        return payload

    def _parse_mentions(self, content: str, cid: int) -> list[JSON]:
        """User objects of the users ``content`` mentions; in a guild channel each carries a
        partial ``member`` (Discord sends no member data in DMs)."""
        dm = self._is_dm(cid)
        found: list[JSON] = []
        for raw in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            user = self.users.get(int(raw))
            if user is not None:
                member = {} if dm else {"member": user.member_payload(with_user=False)}
                found.append({**user.user_payload(), **member})
        return found

    def _attach_reference(self, payload: JSON, target: FakeMessage | int) -> None:
        ref = self._get_message(target)
        payload["type"] = 19
        payload["message_reference"] = {
            "type": 0,
            "message_id": str(ref.id),
            "channel_id": str(ref.channel_id),
            **({"guild_id": ref.payload["guild_id"]} if "guild_id" in ref.payload else {}),
        }
        payload["referenced_message"] = {
            k: v for k, v in ref.payload.items() if k != "referenced_message"
        }

    async def _deliver(self, msg: FakeMessage, event: str) -> None:
        """Send a user's message event to the bot, applying intent rules."""
        dm = self._is_dm(msg.channel_id)
        needed = Intent.DIRECT_MESSAGES if dm else Intent.GUILD_MESSAGES
        if not self.intents & needed:
            log.info("not delivering %s: bot lacks %s intent", event, needed.name)
            return
        data = json.loads(json.dumps(msg.payload))
        mentioned = any(int(u["id"]) == self.bot_user.id for u in data["mentions"])
        if not (self.intents & Intent.MESSAGE_CONTENT) and not dm and not mentioned:
            for key in ("content",):
                data[key] = ""
            for key in ("embeds", "attachments", "components"):
                data[key] = []
        await self.dispatch(event, data)

    # ---------------------------------------------------------- driving: interactions

    def _base_interaction(
        self, itype: int, data: JSON, user: FakeUser, channel_id: int | None
    ) -> JSON:
        cid = channel_id or self.channel_id
        channel = self._channel_by_id(cid)
        if channel is None:
            raise LookupError(f"unknown channel {cid}")
        payload: JSON = {
            "id": str(self.snowflake()),
            "application_id": str(self.app_id),
            "type": itype,
            "data": data,
            "token": "fake-" + secrets.token_urlsafe(24),
            "version": 1,
            "channel_id": str(cid),
            "channel": channel,
            "app_permissions": str(self.permissions_for(self.bot_user, self.guild_of(cid))),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if self._is_dm(cid):
            payload["user"] = user.user_payload()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"1": str(user.id)}
        else:
            gid = self.guild_of(cid)
            payload["guild_id"] = str(gid)
            payload["guild"] = {"id": str(gid), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = user.member_payload(permissions=self.permissions_for(user, gid))
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(gid)}
        return payload

    async def _send_interaction(self, payload: JSON, user: FakeUser) -> FakeInteraction:
        handle = FakeInteraction(self, payload, user)
        self.interactions[handle.id] = handle
        await self.dispatch("INTERACTION_CREATE", payload)
        return handle

    def find_command(
        self, name: str, *, in_dm: bool = False, guild_id: int | None = None
    ) -> JSON | None:
        """A synced command by top-level name (guild commands of ``guild_id``, default the fake
        guild, win over global; a DM has only the global ones)."""
        guild_cmds = {} if in_dm else self.guild_commands.get(guild_id or self.guild_id, {})
        return guild_cmds.get(name) or self.global_commands.get(name)

    async def slash(
        self,
        name: str,
        options: JSON | None = None,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        attachments: dict[str, AttachmentLike] | None = None,
        bypass_permissions: bool = False,
    ) -> FakeInteraction:
        """Invoke a slash command as ``user`` (default: the plain member).

        ``name`` may contain subcommands: ``"news latest"``.  ``options`` maps option
        names to values: str/int/float/bool, a :class:`FakeUser` (user option), a
        channel/role id, or an attachment (object from :meth:`attachment` or a
        ``(filename, bytes)`` tuple); ``attachments`` is merged into ``options``.
        Option types come from the synced command definition.  Returns at once; use the
        handle's ``wait_*`` methods to see the bot's response.
        """
        user = user or self.member
        values = dict(options or {})
        values.update(attachments or {})
        data = self._command_data(name, values, user, None, bypass_permissions, channel_id)
        payload = self._base_interaction(
            InteractionType.APPLICATION_COMMAND, data, user, channel_id
        )
        return await self._send_interaction(payload, user)

    async def autocomplete(
        self,
        name: str,
        options: JSON,
        *,
        focused: str | None = None,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[JSON]:
        """Simulate typing into an autocompleted option; return the bot's choices.

        ``focused`` is the option being typed (default: the last key of ``options``);
        its value is the partial text.  Returns the list of ``{"name", "value"}``.
        """
        handle = await self.autocomplete_interaction(
            name, options, focused=focused, user=user, channel_id=channel_id
        )
        return await handle.wait_choices(timeout)

    async def autocomplete_interaction(
        self,
        name: str,
        options: JSON,
        *,
        focused: str | None = None,
        user: FakeUser | None = None,
        channel_id: int | None = None,
    ) -> FakeInteraction:
        """Like :meth:`autocomplete` but returns the interaction handle."""
        user = user or self.member
        if not options:
            raise ValueError("autocomplete needs at least the focused option")
        focus = focused or list(options)[-1]
        data = self._command_data(name, dict(options), user, focus, True, channel_id)
        payload = self._base_interaction(InteractionType.AUTOCOMPLETE, data, user, channel_id)
        return await self._send_interaction(payload, user)

    async def press_button(
        self,
        message: FakeMessage | int,
        custom_id: str,
        *,
        user: FakeUser | None = None,
    ) -> FakeInteraction:
        """Click the button ``custom_id`` on ``message`` as ``user``."""
        return await self._component(message, custom_id, user, values=None)

    async def select(
        self,
        message: FakeMessage | int,
        custom_id: str,
        values: Sequence[str],
        *,
        user: FakeUser | None = None,
    ) -> FakeInteraction:
        """Pick ``values`` in the select menu ``custom_id`` on ``message``."""
        return await self._component(message, custom_id, user, values=list(values))

    async def submit_modal(
        self,
        opened_by: FakeInteraction,
        values: dict[str, str],
        *,
        user: FakeUser | None = None,
    ) -> FakeInteraction:
        """Submit the modal the bot opened on ``opened_by`` with text input values."""
        modal = await opened_by.wait_until(lambda: opened_by.modal)
        rows = []
        for comp in _walk_components(modal.get("components") or []):
            if comp.get("type") == 4:
                cid = comp["custom_id"]
                rows.append(
                    {
                        "type": 1,
                        "components": [{"type": 4, "custom_id": cid, "value": values.get(cid, "")}],
                    }
                )
        user = user or opened_by.user
        data = {"custom_id": modal["custom_id"], "components": rows}
        payload = self._base_interaction(
            InteractionType.MODAL_SUBMIT, data, user, int(opened_by.payload["channel_id"])
        )
        return await self._send_interaction(payload, user)

    async def _component(
        self,
        message: FakeMessage | int,
        custom_id: str,
        user: FakeUser | None,
        values: list[str] | None,
    ) -> FakeInteraction:
        msg = self._get_message(message)
        comp = msg.find_component(custom_id)
        if comp is None:
            raise LookupError(
                f"message {msg.id} has no component {custom_id!r}; has {msg.custom_ids}"
            )
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled and can't be used")
        user = user or self.member
        data: JSON = {"custom_id": custom_id, "component_type": int(comp["type"])}
        if values is not None:
            data["values"] = values
        elif comp["type"] != 2:
            raise ValueError(f"{custom_id!r} is not a button; use select()")
        payload = self._base_interaction(
            InteractionType.MESSAGE_COMPONENT, data, user, msg.channel_id
        )
        payload["message"] = json.loads(json.dumps(msg.payload))
        payload["message"].pop("member", None)
        handle = FakeInteraction(self, payload, user)
        handle.component_message = msg
        self.interactions[handle.id] = handle
        await self.dispatch("INTERACTION_CREATE", payload)
        return handle

    def _command_data(
        self,
        name: str,
        values: JSON,
        user: FakeUser,
        focused: str | None,
        bypass_permissions: bool,
        channel_id: int | None = None,
    ) -> JSON:
        path = name.lstrip("/").split()
        in_dm = channel_id is not None and self._is_dm(channel_id)
        gid = self.guild_of(channel_id or self.channel_id) or self.guild_id
        command = self.find_command(path[0], in_dm=in_dm, guild_id=gid)
        if command is None and in_dm and bypass_permissions:
            command = self.find_command(path[0])  # a client with a stale command list
        if command is not None and in_dm and not bypass_permissions and not _in_dms(command):
            raise PermissionError(
                f"/{path[0]} is not offered in DMs (contexts={command.get('contexts')}, "
                f"dm_permission={command.get('dm_permission')})"
            )
        if command is None and self.strict_commands:
            known = sorted(set(self.global_commands) | set(self.guild_commands.get(gid, {})))
            raise LookupError(
                f"/{path[0]} is not synced (synced: {known}); call tree.sync() or "
                "use FakeDiscord(strict_commands=False)"
            )
        if command is not None and not bypass_permissions:
            required = command.get("default_member_permissions")
            perms = self.permissions_for(user, gid)
            if required is not None and perms & int(required) != int(required):
                raise PermissionError(
                    f"{user.username} lacks default_member_permissions={required} for /{path[0]}"
                )
        defs = self._defs_at(command, path[1:]) if command is not None else None
        resolved: JSON = {}
        leaf = self._build_options(defs, values, focused, resolved, path[0])
        # wrap into subcommand (group) options, innermost first
        for depth in range(len(path) - 1, 0, -1):
            sub_name = path[depth]
            sub_type = OptionType.SUB_COMMAND
            if defs is not None:
                parent_defs = self._defs_at(command, path[1:depth])
                sub_def = next((o for o in parent_defs if o["name"] == sub_name), None)
                if sub_def is None:
                    raise LookupError(f"/{' '.join(path[:depth])} has no subcommand {sub_name}")
                sub_type = OptionType(sub_def["type"])
            elif depth < len(path) - 1:
                sub_type = OptionType.SUB_COMMAND_GROUP
            leaf = [{"type": int(sub_type), "name": sub_name, "options": leaf}]
        data: JSON = {
            "id": str(command["id"]) if command else str(self.snowflake()),
            "name": path[0],
            "type": 1,
            "options": leaf,
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = str(command["guild_id"])
        if resolved and focused is None:
            data["resolved"] = resolved
        return data

    @staticmethod
    def _defs_at(command: JSON | None, path: Sequence[str]) -> list[JSON]:
        defs: list[JSON] = (command or {}).get("options", [])
        for part in path:
            node = next((o for o in defs if o["name"] == part), None)
            defs = (node or {}).get("options", [])
        return defs

    def _build_options(
        self,
        defs: list[JSON] | None,
        values: JSON,
        focused: str | None,
        resolved: JSON,
        command_name: str,
    ) -> list[JSON]:
        """Options payload for ``values``; ``defs`` is the synced definition (or None)."""
        out: list[JSON] = []
        for key, value in values.items():
            definition = None
            if defs is not None:
                definition = self._find_leaf_def(defs, key)
                if definition is None:
                    raise LookupError(f"/{command_name} has no option {key!r}")
            otype = OptionType(definition["type"]) if definition else _infer_type(value)
            opt: JSON = {"name": key, "type": int(otype)}
            if key == focused:
                opt["value"] = value if isinstance(value, str) else str(value)
                opt["focused"] = True
            else:
                opt["value"] = self._option_value(otype, value, resolved)
            out.append(opt)
        if defs is not None and focused is None:
            leaf_defs = [d for d in defs if d["type"] not in (1, 2)]
            missing = [
                d["name"] for d in leaf_defs if d.get("required") and d["name"] not in values
            ]
            if missing:
                raise ValueError(f"/{command_name} missing required option(s) {missing}")
        return out

    @staticmethod
    def _find_leaf_def(defs: list[JSON], key: str) -> JSON | None:
        return next((d for d in defs if d["name"] == key and d["type"] not in (1, 2)), None)

    def _option_value(self, otype: OptionType, value: Any, resolved: JSON) -> Any:
        if otype == OptionType.STRING:
            return str(value)
        if otype == OptionType.INTEGER:
            return int(value)
        if otype == OptionType.NUMBER:
            return float(value)
        if otype == OptionType.BOOLEAN:
            return bool(value)
        if otype in (OptionType.USER, OptionType.MENTIONABLE) and isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.user_payload()
            if value.id in self.users:
                resolved.setdefault("members", {})[str(value.id)] = value.member_payload(
                    with_user=False, permissions=self.permissions_for(value)
                )
            return str(value.id)
        if otype in (OptionType.ROLE, OptionType.MENTIONABLE) and int(value) in self.roles:
            resolved.setdefault("roles", {})[str(value)] = self.roles[int(value)]
            return str(value)
        if otype == OptionType.CHANNEL:
            channel = self._channel_by_id(int(value))
            if channel is None:
                raise LookupError(f"unknown channel {value}")
            resolved.setdefault("channels", {})[str(value)] = {
                "id": channel["id"],
                "name": channel.get("name", ""),
                "type": channel["type"],
                "parent_id": channel.get("parent_id"),
                "permissions": str(ALL_PERMISSIONS),
            }
            return str(value)
        if otype == OptionType.ATTACHMENT:
            att = self._as_attachment(value)
            resolved.setdefault("attachments", {})[att["id"]] = att
            return att["id"]
        return value

    # ---------------------------------------------------------------- error injection

    def inject_error(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 0.05,
        body: JSON | None = None,
    ) -> None:
        """Make the next ``times`` matching REST calls fail with ``status``.

        For 429 the fake sends what discord.py needs to retry (``Via`` header and
        JSON ``retry_after``); discord.py then sleeps ``retry_after`` and retries.
        """
        if body is None:
            if status == 429:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": False,
                    "code": 0,
                }
            else:
                body = {"message": f"{status}: injected error", "code": 0}
        self._injected.append(
            _InjectedError(method.upper(), re.compile(path_regex), status, times, body)
        )

    # ---------------------------------------------------------------------- REST

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], _Handler, bool]]:
        """(method, path regex, handler, needs bot auth)."""
        sf = r"(\d+)"
        tok = r"([^/]+)"
        table: list[tuple[str, str, _Handler, bool]] = [
            ("GET", r"/gateway", self._r_gateway, False),
            ("GET", r"/gateway/bot", self._r_gateway_bot, True),
            ("GET", r"/users/@me", self._r_me, True),
            ("GET", rf"/users/{sf}", self._r_user, True),
            ("POST", r"/users/@me/channels", self._r_create_dm, True),
            ("GET", r"/oauth2/applications/@me", self._r_application, True),
            ("GET", r"/applications/@me", self._r_application, True),
            ("PUT", rf"/applications/{sf}/commands", self._r_put_global, True),
            ("GET", rf"/applications/{sf}/commands", self._r_get_global, True),
            ("PUT", rf"/applications/{sf}/guilds/{sf}/commands", self._r_put_guild, True),
            ("GET", rf"/applications/{sf}/guilds/{sf}/commands", self._r_get_guild, True),
            ("GET", rf"/channels/{sf}", self._r_channel, True),
            ("POST", rf"/channels/{sf}/typing", self._r_typing, True),
            ("GET", rf"/channels/{sf}/messages", self._r_history, True),
            ("POST", rf"/channels/{sf}/messages", self._r_create_message, True),
            ("GET", rf"/channels/{sf}/messages/{sf}", self._r_get_message, True),
            ("PATCH", rf"/channels/{sf}/messages/{sf}", self._r_edit_message, True),
            ("DELETE", rf"/channels/{sf}/messages/{sf}", self._r_delete_message, True),
            (
                "PUT",
                rf"/channels/{sf}/messages/{sf}/reactions/{tok}/@me",
                self._r_add_reaction,
                True,
            ),
            (
                "DELETE",
                rf"/channels/{sf}/messages/{sf}/reactions/{tok}/@me",
                self._r_remove_reaction,
                True,
            ),
            ("GET", rf"/guilds/{sf}", self._r_guild, True),
            ("GET", rf"/guilds/{sf}/channels", self._r_guild_channels, True),
            ("GET", rf"/guilds/{sf}/roles", self._r_guild_roles, True),
            ("GET", rf"/guilds/{sf}/members/{sf}", self._r_guild_member, True),
            ("DELETE", rf"/users/@me/guilds/{sf}", self._r_leave_guild, True),
            ("POST", rf"/interactions/{sf}/{tok}/callback", self._r_callback, False),
            ("POST", rf"/webhooks/{sf}/{tok}", self._r_followup, False),
            ("GET", rf"/webhooks/{sf}/{tok}/messages/{tok}", self._r_wh_get, False),
            ("PATCH", rf"/webhooks/{sf}/{tok}/messages/{tok}", self._r_wh_edit, False),
            ("DELETE", rf"/webhooks/{sf}/{tok}/messages/{tok}", self._r_wh_delete, False),
        ]
        return [(m, re.compile(p), h, a) for m, p, h, a in table]

    async def _api_handler(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        call = RestCall(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
            at=time.perf_counter(),
        )
        self.calls.append(call)
        try:
            status, payload, headers = await self._route(call, request)
        except DiscordAPIError as err:
            status, payload, headers = err.status, err.body, {}
        except Exception as exc:  # a bug in the fake: report it loudly
            log.exception("fake Discord crashed on %s", call.route)
            self.record_error(CapturedError("fake", f"crash on {call.route}", exc))
            status, payload, headers = 500, {"message": "fake crashed", "code": 0}, {}
        call.status, call.response = status, payload
        self._notify()
        return _json_response(status, payload, headers)

    async def _route(self, call: RestCall, request: web.Request) -> tuple[int, Any, dict[str, str]]:
        for injected in self._injected:
            if injected.times > 0 and injected.matches(call):
                injected.times -= 1
                headers = {"Via": "1.1 google"} if injected.status == 429 else {}
                return injected.status, injected.body, headers
        for method, rx, handler, needs_auth in self._routes:
            match = rx.fullmatch(call.path)
            if match is None or method != call.method:
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return 401, {"message": "401: Unauthorized", "code": 0}, {}
            args = [unquote(g) for g in match.groups()]
            status, payload = await handler(call, *args)
            return status, payload, {}
        log.warning("fake Discord: unhandled route %s (answered 404)", call.route)
        self.unhandled.append(call)
        return 404, {"message": "404: Not Found", "code": 0}, {}

    # --- users / application / gateway info

    async def _r_gateway(self, call: RestCall) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _r_gateway_bot(self, call: RestCall) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    async def _r_me(self, call: RestCall) -> tuple[int, Any]:
        return 200, {
            **self.bot_user.user_payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
        }

    async def _r_user(self, call: RestCall, uid: str) -> tuple[int, Any]:
        user = self.users.get(int(uid))
        if user is None:
            raise DiscordAPIError(404, "Unknown User", 10013)
        return 200, user.user_payload()

    async def _r_create_dm(self, call: RestCall) -> tuple[int, Any]:
        user = self.users.get(int((call.json or {}).get("recipient_id", 0)))
        if user is None:
            raise DiscordAPIError(400, "Invalid Recipient(s)", 50033)
        return 200, self._channel_by_id(self.dm_channel_for(user))

    async def _r_application(self, call: RestCall) -> tuple[int, Any]:
        return 200, self.application_payload()

    # --- commands

    def _store_commands(self, app: str, guild_id: int | None, body: Any) -> list[JSON]:
        if int(app) != self.app_id:
            raise DiscordAPIError(403, "Missing Access", 50001)
        if not isinstance(body, list):
            raise DiscordAPIError(400, "Invalid Form Body", 50035)
        existing = (
            self.global_commands if guild_id is None else self.guild_commands.get(guild_id, {})
        )
        stored: dict[str, JSON] = {}
        for cmd in body:
            name = cmd.get("name", "")
            if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
                raise DiscordAPIError(
                    400,
                    "Invalid Form Body",
                    50035,
                    _form_error(["name"], "APPLICATION_COMMAND_INVALID_NAME", "Invalid name"),
                )
            old = existing.get(name)
            record = {
                "type": 1,
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **cmd,
                "id": old["id"] if old else str(self.snowflake()),
                "application_id": str(self.app_id),
                "version": str(self.snowflake()),
            }
            if guild_id is not None:
                record["guild_id"] = str(guild_id)
            stored[name] = record
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.synced_commands = body
        return list(stored.values())

    async def _r_put_global(self, call: RestCall, app: str) -> tuple[int, Any]:
        return 200, self._store_commands(app, None, call.json)

    async def _r_get_global(self, call: RestCall, app: str) -> tuple[int, Any]:
        return 200, list(self.global_commands.values())

    async def _r_put_guild(self, call: RestCall, app: str, gid: str) -> tuple[int, Any]:
        if not self._in_guild(int(gid)):
            raise DiscordAPIError(403, "Missing Access", 50001)
        return 200, self._store_commands(app, int(gid), call.json)

    async def _r_get_guild(self, call: RestCall, app: str, gid: str) -> tuple[int, Any]:
        return 200, list(self.guild_commands.get(int(gid), {}).values())

    # --- channels and messages

    def _require_channel(self, cid: str) -> JSON:
        channel = self._channel_by_id(int(cid))
        if channel is None:
            raise DiscordAPIError(404, "Unknown Channel", 10003)
        gid = self.guild_of(int(cid))
        if gid is not None and not self._in_guild(gid):
            raise DiscordAPIError(403, "Missing Access", 50001)
        return channel

    def _require_message(self, cid: str, mid: str) -> FakeMessage:
        self._require_channel(cid)
        msg = self.messages_by_id.get(int(mid))
        if msg is None or msg.deleted or msg.channel_id != int(cid):
            raise DiscordAPIError(404, "Unknown Message", 10008)
        return msg

    async def _r_channel(self, call: RestCall, cid: str) -> tuple[int, Any]:
        return 200, self._require_channel(cid)

    async def _r_typing(self, call: RestCall, cid: str) -> tuple[int, Any]:
        self._require_channel(cid)
        return 204, None

    async def _r_history(self, call: RestCall, cid: str) -> tuple[int, Any]:
        self._require_channel(cid)
        limit = min(int(call.query.get("limit", 50)), 100)
        before = int(call.query.get("before", 0)) or None
        after = int(call.query.get("after", 0)) or None
        msgs = self.messages(int(cid))
        if before is not None:
            msgs = [m for m in msgs if m.id < before]
        if after is not None:
            msgs = [m for m in msgs if m.id > after][:limit]
        msgs = sorted(msgs, key=lambda m: m.id, reverse=True)[:limit]
        return 200, [m.payload for m in msgs]

    async def _r_get_message(self, call: RestCall, cid: str, mid: str) -> tuple[int, Any]:
        return 200, self._require_message(cid, mid).payload

    async def _r_create_message(self, call: RestCall, cid: str) -> tuple[int, Any]:
        self._require_channel(cid)
        body = call.json or {}
        msg = await self._bot_message(int(cid), body, call)
        return 200, msg.payload

    async def _r_edit_message(self, call: RestCall, cid: str, mid: str) -> tuple[int, Any]:
        msg = self._require_message(cid, mid)
        if msg.author_id != self.bot_user.id and set(call.json or {}) - {"flags"}:
            raise DiscordAPIError(403, "Cannot edit a message authored by another user", 50005)
        await self._apply_edit(msg, call.json or {}, call)
        return 200, msg.payload

    async def _r_delete_message(self, call: RestCall, cid: str, mid: str) -> tuple[int, Any]:
        msg = self._require_message(cid, mid)
        msg.deleted = True
        return 204, None

    async def _r_add_reaction(
        self, call: RestCall, cid: str, mid: str, emoji: str
    ) -> tuple[int, Any]:
        msg = self._require_message(cid, mid)
        if emoji not in msg.reactions:
            msg.reactions.append(emoji)
        return 204, None

    async def _r_remove_reaction(
        self, call: RestCall, cid: str, mid: str, emoji: str
    ) -> tuple[int, Any]:
        msg = self._require_message(cid, mid)
        if emoji in msg.reactions:
            msg.reactions.remove(emoji)
        return 204, None

    # --- guild

    def _in_guild(self, gid: int) -> bool:
        """Whether the bot is in server ``gid`` (the fake guild, or another it joined)."""
        other = self.other_guilds.get(gid)
        return gid == self.guild_id or (other is not None and other.joined)

    def _require_guild(self, gid: str) -> None:
        if not self._in_guild(int(gid)):
            raise DiscordAPIError(404, "Unknown Guild", 10004)

    async def _r_guild(self, call: RestCall, gid: str) -> tuple[int, Any]:
        self._require_guild(gid)
        data = self.guild_payload(self.other_guilds.get(int(gid)))
        for key in ("channels", "members", "threads", "voice_states", "presences"):
            data.pop(key, None)
        return 200, data

    async def _r_guild_channels(self, call: RestCall, gid: str) -> tuple[int, Any]:
        self._require_guild(gid)
        return 200, list(self.channels.values())

    async def _r_guild_roles(self, call: RestCall, gid: str) -> tuple[int, Any]:
        self._require_guild(gid)
        return 200, list(self.roles.values())

    async def _r_guild_member(self, call: RestCall, gid: str, uid: str) -> tuple[int, Any]:
        self._require_guild(gid)
        user = self.users.get(int(uid))
        if user is None or not self._is_member(user, int(gid)):
            raise DiscordAPIError(404, "Unknown Member", 10007)
        return 200, user.member_payload()

    async def _r_leave_guild(self, call: RestCall, gid: str) -> tuple[int, Any]:
        guild = self.other_guilds.get(int(gid))
        if guild is None or not guild.joined:  # (leaving the fake guild itself: not simulated)
            raise DiscordAPIError(404, "Unknown Guild", 10004)
        guild.joined, guild.left = False, True
        guild.member_ids.discard(self.bot_user.id)
        # Discord confirms on the gateway, after answering the request.
        task = asyncio.get_running_loop().create_task(self._emit("GUILD_DELETE", {"id": gid}))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return 204, None

    # --- bot-authored messages

    def _make_attachments(
        self, body: JSON, files: list[UploadedFile], existing: list[JSON]
    ) -> tuple[list[JSON], dict[str, bytes]]:
        """Resolve ``attachments`` of a create/edit body against uploaded files."""
        by_index = {}
        for pos, upload in enumerate(files):
            m = re.fullmatch(r"files\[(\d+)\]", upload.field)
            by_index[int(m.group(1)) if m else pos] = upload
        existing_by_id = {str(a["id"]): a for a in existing}
        result: list[JSON] = []
        blobs: dict[str, bytes] = {}
        entries = body.get("attachments")
        if entries is None:
            entries = [{"id": i} for i in sorted(by_index)]
            result.extend(existing)
        for entry in entries:
            key = str(entry.get("id"))
            if key in existing_by_id:
                result.append(existing_by_id[key])
                continue
            upload = by_index.get(int(key)) if key.isdigit() else None
            if upload is None:
                raise DiscordAPIError(
                    400,
                    "Invalid Form Body",
                    50035,
                    _form_error(["attachments"], "ATTACHMENT_NOT_FOUND", "Unknown file"),
                )
            filename = entry.get("filename") or upload.filename
            att = self.attachment(filename, upload.data, None)
            if entry.get("description"):
                att["description"] = entry["description"]
            result.append(att)
            blobs[filename] = upload.data
        return result, blobs

    async def _bot_message(
        self,
        cid: int,
        body: JSON,
        call: RestCall,
        *,
        interaction: FakeInteraction | None = None,
        msg_type: int = 0,
        extra_flags: int = 0,
        validate: bool = True,
    ) -> FakeMessage:
        if validate:
            _validate_message(body, call.files, partial=False)
        attachments, blobs = self._make_attachments(body, call.files, [])
        payload = self._message_payload(
            cid,
            self.bot_user,
            content=body.get("content") or "",
            attachments=attachments,
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=int(body.get("flags") or 0) | extra_flags,
            msg_type=msg_type,
        )
        if body.get("tts"):
            payload["tts"] = True
        if body.get("nonce") is not None:
            payload["nonce"] = body["nonce"]
        if body.get("poll"):
            payload["poll"] = body["poll"]
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = self.messages_by_id.get(int(ref["message_id"]))
            if target is None or target.deleted:
                if ref.get("fail_if_not_exists", True):
                    raise DiscordAPIError(
                        400,
                        "Invalid Form Body",
                        50035,
                        _form_error(
                            ["message_reference"],
                            "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                            "Unknown message",
                        ),
                    )
            else:
                self._attach_reference(payload, target)
        if interaction is not None:
            payload["webhook_id"] = str(self.app_id)
            payload["application_id"] = str(self.app_id)
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.user_payload(),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        msg = FakeMessage(
            payload,
            allowed_mentions=body.get("allowed_mentions"),
            files=blobs,
            interaction_id=interaction.id if interaction else None,
            request=call,
            requests=[call],
        )
        self.messages_by_id[msg.id] = msg
        if self.echo_bot_messages and not msg.ephemeral:
            await self._emit("MESSAGE_CREATE", msg.payload)
        return msg

    async def _apply_edit(self, msg: FakeMessage, body: JSON, call: RestCall) -> None:
        _validate_message(body, call.files, partial=True)
        payload = msg.payload
        if "content" in body:
            payload["content"] = body["content"] or ""
            payload["mentions"] = self._parse_mentions(payload["content"], msg.channel_id)
        if "embeds" in body:
            payload["embeds"] = list(body["embeds"] or [])
        if "components" in body:
            payload["components"] = list(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            keep = msg.flags & (EPHEMERAL | MessageFlag.IS_COMPONENTS_V2)
            payload["flags"] = keep | (int(body["flags"]) & ~int(MessageFlag.LOADING))
        if "attachments" in body or call.files:
            payload["attachments"], blobs = self._make_attachments(
                body, call.files, payload["attachments"]
            )
            kept = {a["filename"] for a in payload["attachments"]}
            msg.files = {k: v for k, v in msg.files.items() if k in kept} | blobs
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        payload["flags"] = int(payload.get("flags") or 0) & ~int(MessageFlag.LOADING)
        payload["edited_timestamp"] = _now_iso()
        msg.edits.append(body)
        msg.requests.append(call)
        if self.echo_bot_messages and not msg.ephemeral:
            await self._emit("MESSAGE_UPDATE", msg.payload)

    # --- interactions

    def _interaction_by_token(self, token: str) -> FakeInteraction:
        for handle in self.interactions.values():
            if handle.token == token:
                return handle
        raise DiscordAPIError(404, "Unknown Webhook", 10015)

    async def _r_callback(self, call: RestCall, iid: str, token: str) -> tuple[int, Any]:
        handle = self.interactions.get(int(iid))
        if handle is None or handle.token != token:
            raise DiscordAPIError(404, "Unknown interaction", 10062)
        if handle.responses:
            raise DiscordAPIError(400, "Interaction has already been acknowledged.", 40060)
        if (
            self.interaction_deadline is not None
            and time.monotonic() - handle.created_at > self.interaction_deadline
        ):
            raise DiscordAPIError(404, "Unknown interaction", 10062)
        body = call.json or {}
        ctype = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        message: FakeMessage | None = None
        cid = int(handle.payload["channel_id"])
        if ctype == InteractionCallbackType.CHANNEL_MESSAGE:
            message = await self._bot_message(
                cid, data, call, interaction=handle, msg_type=_response_msg_type(handle)
            )
            handle.original = message
        elif ctype == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = int(data.get("flags") or 0) | int(MessageFlag.LOADING)
            message = await self._bot_message(
                cid,
                {"content": "", "flags": flags},
                call,
                interaction=handle,
                msg_type=_response_msg_type(handle),
                validate=False,
            )
            handle.original = message
        elif ctype in (
            InteractionCallbackType.DEFERRED_UPDATE_MESSAGE,
            InteractionCallbackType.UPDATE_MESSAGE,
        ):
            if handle.component_message is None:
                raise DiscordAPIError(400, "Invalid interaction application command", 50035)
            message = handle.original = handle.component_message
            if ctype == InteractionCallbackType.UPDATE_MESSAGE:
                await self._apply_edit(message, data, call)
        elif ctype == InteractionCallbackType.AUTOCOMPLETE_RESULT:
            choices = list(data.get("choices") or [])
            _validate_choices(choices)
            handle.choices = choices
        elif ctype == InteractionCallbackType.MODAL:
            handle.modal = data
        elif ctype != InteractionCallbackType.PONG:
            raise DiscordAPIError(400, f"unsupported callback type {ctype}", 50035)
        handle.responses.append(body)
        result: JSON = {
            "interaction": {
                "id": str(handle.id),
                "type": handle.type,
                "response_message_loading": ctype
                == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": {"type": ctype},
        }
        if message is not None:
            result["interaction"]["response_message_id"] = str(message.id)
            result["resource"]["message"] = message.payload
        return 200, result

    def _webhook_target(
        self, app: str, token: str, mid: str
    ) -> tuple[FakeInteraction, FakeMessage]:
        if int(app) != self.app_id:
            raise DiscordAPIError(404, "Unknown Webhook", 10015)
        handle = self._interaction_by_token(token)
        if mid == "@original":
            if handle.original is None or handle.original.deleted:
                raise DiscordAPIError(404, "Unknown Message", 10008)
            return handle, handle.original
        for msg in handle.messages():
            if msg.id == int(mid) and not msg.deleted:
                return handle, msg
        raise DiscordAPIError(404, "Unknown Message", 10008)

    async def _r_wh_get(self, call: RestCall, app: str, token: str, mid: str) -> tuple[int, Any]:
        return 200, self._webhook_target(app, token, mid)[1].payload

    async def _r_wh_edit(self, call: RestCall, app: str, token: str, mid: str) -> tuple[int, Any]:
        handle, msg = self._webhook_target(app, token, mid)
        await self._apply_edit(msg, call.json or {}, call)
        if msg is handle.original:
            handle.edits.append(call.json or {})
        return 200, msg.payload

    async def _r_wh_delete(self, call: RestCall, app: str, token: str, mid: str) -> tuple[int, Any]:
        _, msg = self._webhook_target(app, token, mid)
        msg.deleted = True
        return 204, None

    async def _r_followup(self, call: RestCall, app: str, token: str) -> tuple[int, Any]:
        if int(app) != self.app_id:
            raise DiscordAPIError(404, "Unknown Webhook", 10015)
        handle = self._interaction_by_token(token)
        if not handle.responses:
            raise DiscordAPIError(404, "Unknown Webhook", 10015)
        body = call.json or {}
        original = handle.original
        if (
            original is not None
            and original.loading
            and not handle.followups
            and handle.response_type == InteractionCallbackType.DEFERRED_CHANNEL_MESSAGE
        ):
            # Discord: the first follow-up after a deferred response replaces "thinking"
            _validate_message(body, call.files, partial=False)
            await self._apply_edit(original, body, call)
            msg = original
        else:
            cid = int(handle.payload["channel_id"])
            msg = await self._bot_message(cid, body, call, interaction=handle)
        handle.followups.append(msg)
        wait = call.query.get("wait", "").lower() in ("1", "true")
        return (200, msg.payload) if wait else (204, None)

    # --- CDN

    async def _attachment_handler(self, request: web.Request) -> web.Response:
        blob = self.attachment_blobs.get(int(request.match_info["aid"]))
        if blob is None:
            return web.Response(status=404, text="not found")
        _, ctype, data = blob
        return web.Response(body=data, headers={"Content-Type": ctype})


# ----------------------------------------------------------------------- helpers


@dataclass
class _InjectedError:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    body: JSON

    def matches(self, call: RestCall) -> bool:
        return self.method == call.method and self.path.fullmatch(call.path) is not None


def _json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> web.Response:
    """A response whose Content-Type is exactly ``application/json``.

    discord.py only parses JSON when the header equals ``application/json`` (aiohttp's
    ``json_response`` appends ``; charset=utf-8``).  204 has no body and no type.
    """
    if status == 204 or payload is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """Parse a JSON or multipart/form-data (payload_json + files[n]) request body."""
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        payload: Any = None
        files: list[UploadedFile] = []
        while True:
            part = await reader.next()
            if part is None:
                break
            data = await part.read(decode=False)  # type: ignore[union-attr]
            name = part.name or ""
            filename = getattr(part, "filename", None)
            if name == "payload_json":
                payload = json.loads(data)
            elif filename:
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append(UploadedFile(name, filename, ctype, bytes(data)))
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode(errors="replace"), []


def _walk_components(items: Sequence[JSON]) -> Iterator[JSON]:
    for item in items:
        yield item
        yield from _walk_components(item.get("components") or [])
        if item.get("component"):
            yield from _walk_components([item["component"]])


def _infer_type(value: Any) -> OptionType:
    if isinstance(value, bool):
        return OptionType.BOOLEAN
    if isinstance(value, int):
        return OptionType.INTEGER
    if isinstance(value, float):
        return OptionType.NUMBER
    if isinstance(value, FakeUser):
        return OptionType.USER
    if isinstance(value, (dict, tuple)):
        return OptionType.ATTACHMENT
    return OptionType.STRING


def _plain_member(user: FakeUser) -> JSON:
    """A member of another server: no roles of the fake guild."""
    data = user.member_payload()
    data["roles"] = []
    return data


def _in_dms(command: JSON) -> bool:
    """Whether Discord offers ``command`` in the bot's DMs: its ``contexts`` (0 guild, 1 bot DM,
    2 private channel) include 1, or, without contexts, the legacy ``dm_permission`` allows it."""
    contexts = command.get("contexts")
    if contexts is not None:
        return 1 in [int(c) for c in contexts]
    return command.get("dm_permission") is not False


def _response_msg_type(handle: FakeInteraction) -> int:
    # 20 = CHAT_INPUT_COMMAND response, 19 = REPLY (component responses)
    return 20 if handle.type == InteractionType.APPLICATION_COMMAND else 19


def _form_error(path: Sequence[str | int], code: str, message: str) -> JSON:
    """Nested ``errors`` object as Discord returns it for 50035 Invalid Form Body."""
    node: JSON = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        node = {str(key): node}
    return node


def _too_long(path: Sequence[str | int], limit: int) -> DiscordAPIError:
    return DiscordAPIError(
        400,
        "Invalid Form Body",
        50035,
        _form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."),
    )


def _validate_message(body: JSON, files: Sequence[UploadedFile], *, partial: bool) -> None:
    """Apply Discord's message limits; raise :class:`DiscordAPIError` like Discord."""
    content = body.get("content") or ""
    if len(content) > 2000:
        raise _too_long(["content"], 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise _too_long(["embeds"], 10)
    total = 0
    limits = {"title": 256, "description": 4096}
    for i, embed in enumerate(embeds):
        for key, limit in limits.items():
            text = embed.get(key) or ""
            if len(text) > limit:
                raise _too_long(["embeds", i, key], limit)
            total += len(text)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise _too_long(["embeds", i, "fields"], 25)
        for j, fld in enumerate(fields):
            if len(fld.get("name") or "") > 256:
                raise _too_long(["embeds", i, "fields", j, "name"], 256)
            if len(fld.get("value") or "") > 1024:
                raise _too_long(["embeds", i, "fields", j, "value"], 1024)
            total += len(fld.get("name") or "") + len(fld.get("value") or "")
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        if len(footer) > 2048:
            raise _too_long(["embeds", i, "footer", "text"], 2048)
        if len(author) > 256:
            raise _too_long(["embeds", i, "author", "name"], 256)
        total += len(footer) + len(author)
    if total > 6000:
        raise _too_long(["embeds"], 6000)
    components = body.get("components") or []
    flags = int(body.get("flags") or 0)
    if not flags & MessageFlag.IS_COMPONENTS_V2 and len(components) > 5:
        raise _too_long(["components"], 5)
    for comp in _walk_components(components):
        if len(comp.get("custom_id") or "") > 100:
            raise _too_long(["components", "custom_id"], 100)
        if comp.get("type") == 2 and len(comp.get("label") or "") > 80:
            raise _too_long(["components", "label"], 80)
    if partial:
        return
    has_body = any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))
    if not has_body and not files and not body.get("attachments"):
        raise DiscordAPIError(400, "Cannot send an empty message", 50006)


def _validate_choices(choices: Sequence[JSON]) -> None:
    if len(choices) > 25:
        raise _too_long(["data", "choices"], 25)
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            raise _too_long(["data", "choices", i, "name"], 100)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            raise _too_long(["data", "choices", i, "value"], 100)


__all__ = [
    "ALL_PERMISSIONS",
    "EPHEMERAL",
    "BotError",
    "CapturedError",
    "FakeDiscord",
    "FakeInteraction",
    "FakeMessage",
    "FakeUser",
    "Heartbeat",
    "Intent",
    "InteractionCallbackType",
    "InteractionType",
    "MessageFlag",
    "OptionType",
    "Perm",
    "RestCall",
    "UploadedFile",
    "mint_token",
    "patch_discord",
]
