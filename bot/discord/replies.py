"""Replies to members: a refusal carries its reason, any failure becomes one short sentence (with
an error id for the log), and `tell` answers an interaction whatever state it is in."""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.discord.render import NO_MENTIONS
from index.errors import NewsbotError, StoreUnavailable

log = logging.getLogger("bot.discord")

# Members need not know where the Chroma server runs: the detail goes to the log.
INDEX_UNAVAILABLE = "The index is unavailable right now: try again shortly."


class Refused(app_commands.CheckFailure):
    """A command the user may not run, or input the bot will not take; `str()` is the reason."""


def user_message(exc: BaseException, where: str) -> str:
    """The sentence to show for `exc`; unexpected errors are logged with a fresh error id."""
    if isinstance(exc, app_commands.CommandInvokeError):
        exc = exc.original
    if isinstance(exc, StoreUnavailable):
        log.warning("%s: %s", where, exc)
        return INDEX_UNAVAILABLE
    if isinstance(exc, Refused | NewsbotError):
        return _sentence(str(exc))
    if isinstance(exc, app_commands.CheckFailure):
        return "You can't use this command here."
    error_id = secrets.token_hex(4)
    log.error("error %s in %s", error_id, where, exc_info=exc)
    return (
        f"Sorry, something went wrong on my side (error id `{error_id}`). "
        "Try again in a moment; if it keeps happening, give that id to an admin."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    if text.split(" ", 1)[0].isalpha():  # not when it starts with a url, a file name, a number
        text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else f"{text}."


async def tell(interaction: discord.Interaction, content: str, *, ephemeral: bool = True) -> None:
    """Answer an interaction with `content`, whatever state its response is in."""
    content = content[:2000]
    if not interaction.response.is_done():
        await interaction.response.send_message(
            content, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
    elif interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
        await interaction.edit_original_response(
            content=content, embeds=[], view=None, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.followup.send(content, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
