"""`newsbot serve`: run the Discord bot."""

from __future__ import annotations

import logging
import sys

import click


@click.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Run the Discord bot: answers mentions, /ask, /sources; admins get /reindex, /ingest,
    /forget and /stats.

    Needs NEWSBOT_DISCORD_TOKEN (see README, "Discord bot"). Stop it with Ctrl-C or SIGTERM:
    answers in flight get up to 8 s to finish, a running re-index stops at its next batch.
    """
    settings = ctx.obj["settings"]
    # A server process reports its start-up (login, guilds, command sync) unless told to be
    # quieter than INFO by -v flags or NEWSBOT_LOG_LEVEL=DEBUG; it never logs the token.
    root = logging.getLogger().getEffectiveLevel()
    for name in ("bot.discord", "discord"):
        logging.getLogger(name).setLevel(min(root, logging.INFO))
    from bot.discord.client import run_bot

    sys.exit(run_bot(settings))
