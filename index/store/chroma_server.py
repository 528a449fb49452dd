"""A Chroma server as newsbot addresses it: host and port, tenant and database, an optional token.

`chroma run` serves one machine; Chroma's distributed deployment and Chroma Cloud serve many.
All of them speak the same HTTP API and place collections in a tenant's database, so several
teams (or a staging and a production bot) can share one server, each in a database of its own.

A missing tenant or database is never created on the way: a typo in one bot's settings would
otherwise split a team's index across two databases, each process answering from half of the
articles with no error. `newsbot database create` creates them when asked (see
docs/guide/deployment.md). The token is read from a `SecretStr` only where the client is built; no
message of this module carries it.
"""

from __future__ import annotations

import logging
from typing import Any

from index.errors import StoreUnavailable
from index.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TENANT = "default_tenant"
DEFAULT_DATABASE = "default_database"
_HEADERS = {"x-chroma-token": "X-Chroma-Token", "authorization": "Authorization"}


class NoSuchPlace(StoreUnavailable):
    """The server has no such tenant, or the tenant no such database."""


class AccessDenied(StoreUnavailable):
    """The server (or the proxy in front of it) refused newsbot's credentials."""


def server_name(settings: Settings) -> str:
    """`host:port`, with the scheme when https: how messages name the server."""
    where = f"{settings.chroma_host}:{settings.chroma_port}"
    return f"https://{where}" if settings.chroma_ssl else where


def place(settings: Settings) -> str:
    """Tenant and database in words, when not Chroma's defaults: ' (database team-a)'."""
    parts = []
    if settings.chroma_tenant != DEFAULT_TENANT:
        parts.append(f"tenant {settings.chroma_tenant}")
    if settings.chroma_database != DEFAULT_DATABASE:
        parts.append(f"database {settings.chroma_database}")
    return f" ({', '.join(parts)})" if parts else ""


def folder_prefix(settings: Settings) -> str:
    """What names this server's store in local folder names (the keyword index's): two settings
    with different databases on one server must not share one keyword index. Chroma's default
    tenant and database add nothing, so folders made before they were settings stay in use."""
    parts = [str(settings.chroma_host), str(settings.chroma_port)]
    if settings.chroma_tenant != DEFAULT_TENANT:
        parts.append(settings.chroma_tenant)
    if settings.chroma_database != DEFAULT_DATABASE:
        parts.append(settings.chroma_database)
    return "_".join(parts) + "_"


def auth_headers(settings: Settings) -> dict[str, str]:
    """The header that carries the token (none without one), for requests made outside
    chromadb's client (the reachability check before it is built)."""
    if settings.chroma_token is None:
        return {}
    token = settings.chroma_token.get_secret_value()
    if settings.chroma_token_header == "authorization":
        return {"Authorization": f"Bearer {token}"}
    return {"X-Chroma-Token": token}


def client_settings(settings: Settings) -> Any:
    """chromadb's settings for an HTTP client: no telemetry, https when asked, and the token
    through chromadb's own token provider (which keeps it a SecretStr)."""
    from chromadb.config import Settings as ChromaSettings

    extra: dict[str, Any] = {}
    if settings.chroma_token is not None:
        extra = {
            "chroma_client_auth_provider": "chromadb.auth.token_authn.TokenAuthClientProvider",
            "chroma_client_auth_credentials": settings.chroma_token.get_secret_value(),
            "chroma_auth_token_transport_header": _HEADERS[settings.chroma_token_header],
        }
    return ChromaSettings(anonymized_telemetry=False, **extra)


def http_client(settings: Settings) -> Any:
    """chromadb's HTTP client on the configured tenant and database, or one clear sentence."""
    import chromadb

    try:
        return chromadb.HttpClient(
            host=str(settings.chroma_host),
            port=settings.chroma_port,
            ssl=settings.chroma_ssl,
            settings=client_settings(settings),
            tenant=settings.chroma_tenant,
            database=settings.chroma_database,
        )
    except Exception as exc:
        refused = refusal(settings, exc)
        if refused is not None:
            raise refused from None
        raise


def refusal(settings: Settings, exc: BaseException) -> StoreUnavailable | None:
    """The sentence for a server that answered but said no: an unknown tenant or database, or
    credentials refused. None for anything else (the caller's own handling applies)."""
    text = str(exc)
    name = type(exc).__name__
    server = f"the Chroma server at {server_name(settings)}"
    if name == "NotFoundError" and text.startswith("Tenant"):
        return NoSuchPlace(
            f"{server} has no tenant {settings.chroma_tenant!r} (NEWSBOT_CHROMA_TENANT); "
            "check the setting, or create it with `newsbot database create`"
        )
    if name == "NotFoundError" and text.startswith("Database"):
        return NoSuchPlace(
            f"{server} has no database {settings.chroma_database!r} in tenant "
            f"{settings.chroma_tenant!r} (NEWSBOT_CHROMA_DATABASE); check the setting, or "
            "create it with `newsbot database create`"
        )
    status = _status(exc)
    if name in {"ChromaAuthError", "AuthorizationError"} or status in {401, 403}:
        given = "refused the token" if settings.chroma_token else "wants a token"
        return AccessDenied(
            f"{server} {given} (HTTP {status or 'auth error'}); set NEWSBOT_CHROMA_TOKEN "
            "(and NEWSBOT_CHROMA_TOKEN_HEADER) to the server's token or API key"
        )
    return None


def _status(exc: BaseException) -> int | None:
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        code = getattr(response, "status_code", None)
        if isinstance(code, int):
            return code
        seen = seen.__cause__ or seen.__context__
    return None


def create_place(settings: Settings) -> list[str]:
    """Create the configured tenant and database on the server where missing; what was created
    (empty when both were there)."""
    import chromadb

    chroma = client_settings(settings)
    chroma.chroma_api_impl = "chromadb.api.fastapi.FastAPI"
    chroma.chroma_server_host = str(settings.chroma_host)
    chroma.chroma_server_http_port = settings.chroma_port
    chroma.chroma_server_ssl_enabled = settings.chroma_ssl
    tenant, database = settings.chroma_tenant, settings.chroma_database
    created: list[str] = []
    try:
        admin = chromadb.AdminClient(chroma)
        if not _exists(admin.get_tenant, tenant):
            admin.create_tenant(tenant)
            created.append(f"tenant {tenant}")
        if not _exists(admin.get_database, database, tenant=tenant):
            admin.create_database(database, tenant=tenant)
            created.append(f"database {database}")
    except Exception as exc:
        refused = refusal(settings, exc)
        if refused is not None:
            raise refused from None
        raise
    return created


def _exists(get: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        get(*args, **kwargs)
    except Exception as exc:
        if type(exc).__name__ == "NotFoundError":
            return False
        raise
    return True
