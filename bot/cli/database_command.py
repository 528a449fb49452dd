"""`newsbot database create`: make the Chroma server's tenant and database newsbot is set to use.

newsbot never creates them on its own (a misspelled database would silently split a team's
index); this is the one explicit way, for a `chroma run` server or a distributed deployment.
"""

from __future__ import annotations

import sys

import click

from bot.cli.terminal import echo
from index.errors import NewsbotError


@click.group("database")
def database_group() -> None:
    """The tenant and database on a Chroma server (NEWSBOT_CHROMA_TENANT, _DATABASE)."""


@database_group.command("create")
@click.pass_context
def create(ctx: click.Context) -> None:
    """Create NEWSBOT_CHROMA_DATABASE (and NEWSBOT_CHROMA_TENANT, when the server has no such
    tenant) on the Chroma server at NEWSBOT_CHROMA_HOST. Does nothing when both exist.

    Chroma Cloud: create databases in its dashboard or with `chroma db create NAME`.
    """
    from index.engine import Engine

    settings = ctx.obj["settings"]
    if not settings.server_mode:
        echo(
            "newsbot: error: NEWSBOT_CHROMA_HOST is not set: the embedded store needs no "
            "database (use NEWSBOT_DATA_DIR or NEWSBOT_COLLECTION to keep stores apart)",
            err=True,
        )
        sys.exit(1)
    try:
        created, server = Engine.create_database(settings)
    except NewsbotError as exc:
        echo(f"newsbot: error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # the server's own refusal, in one line (no token is in it)
        echo(f"newsbot: error: cannot create it: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    where = f"on the Chroma server at {server}"
    wanted = f"tenant {settings.chroma_tenant}, database {settings.chroma_database}"
    if created:
        echo(f"Created {' and '.join(created)} {where}.")
    else:
        echo(f"Nothing to do: {wanted} already exist {where}.")
