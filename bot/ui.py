"""Shared Discord UI pieces: the error reply used everywhere, and small builders."""

from __future__ import annotations

import functools
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Self, cast

import discord
from discord import app_commands

from bot.errors import DomainError
from bot.timeparse import WEEKDAYS

log = logging.getLogger(__name__)

COLOUR = discord.Colour(0x3B6EA5)
# A weekday option: the member sees the name, the command gets datetime.weekday()'s number.
WEEKDAY_CHOICES = [app_commands.Choice(name=name, value=i) for i, name in enumerate(WEEKDAYS)]
MAX_CONTENT = 2000


class UserError(app_commands.AppCommandError):
    """What was wrong, and what is accepted. Raised by Discord-side code under a command or
    component (pure logic raises bot.errors.DomainError instead)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotModerator(app_commands.CheckFailure):
    """The person is neither Manage Server nor in the configured moderator role."""

    def __init__(self, role_mention: str | None) -> None:
        who = "people with the Manage Server permission"
        if role_mention:
            who += f" or the {role_mention} role"
        super().__init__(f"Only moderators can do this: {who}.")
        self.message = str(self.args[0])


def user_message_for(error: BaseException) -> tuple[str, bool]:
    """(text for the person, whether it was their mistake). Unknown errors get a reference id."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError | NotModerator):
        return error.message, True
    if isinstance(error, DomainError):
        return str(error), True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only inside a server, not in DMs.", True
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {missing} permission to use this.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I need the {missing} permission here; ask a moderator to grant it.", True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.TransformerError):
        return (
            f"I could not understand {error.value!r} as a {error.type.name.lower()}; pick one"
            " from the list Discord offers.",
            True,
        )
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here.", True
    reference = secrets.token_hex(4)
    log.error("unhandled error (ref %s)", reference, exc_info=error)
    return (
        f"Something went wrong on my side (reference `{reference}`). Nothing was changed;"
        " a moderator can find the details in the bot's logs.",
        False,
    )


async def reply_error(interaction: discord.Interaction[Any], error: BaseException) -> bool:
    """Tell the person what went wrong, ephemerally; returns whether it was a user error."""
    text, user_fault = user_message_for(error)
    text = clip(text, MAX_CONTENT)  # messages may echo what was typed, which can be 6000 chars
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)
    return user_fault


class HammingView(discord.ui.View):
    """A view whose errors reach the person like a command's errors do."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await reply_error(interaction, error)


class HammingModal(discord.ui.Modal):
    async def on_error(  # type: ignore[override]  # Modal drops BaseView's `item` argument
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await reply_error(interaction, error)


def reports_errors(
    callback: Callable[[Any, discord.Interaction[Any]], Awaitable[None]],
) -> Callable[[Any, discord.Interaction[Any]], Coroutine[Any, Any, None]]:
    """For DynamicItem callbacks: discord.py only logs their errors; the person must hear too."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction[Any]) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:
            await reply_error(interaction, error)

    return wrapper


def ensure_presser(interaction: discord.Interaction[Any], user_id: int, refusal: str) -> None:
    """A button sent to one member works for that member only; anyone else is told `refusal`
    (whose button it is, and what they can use instead) and nothing changes."""
    if interaction.user.id != user_id:
        raise UserError(refusal)


def embed(title: str, description: str | None = None) -> discord.Embed:
    return discord.Embed(title=title[:256], description=description, colour=COLOUR)


def clip(text: str, limit: int) -> str:
    """Shorten text to Discord's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FromCustomId:
    """A persistent component (a DynamicItem) rebuilt from its custom id on a press: its
    template's groups, in order, are its constructor's arguments (whole numbers as ints).

    The custom id carries only database keys; everything else is read again on the press.
    """

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        values = [int(v) if v.isdigit() else v for v in match.groups() if v is not None]
        return cast(Any, cls)(*values)  # type: ignore[no-any-return]


class PersistentButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"(?!)",  # a base: it matches no id; each button class names its own template
):
    """A button that works after a restart: a subclass names its `template` (whose groups are
    its constructor's arguments) and passes its custom id (the template filled in) and looks."""

    def __init__(
        self,
        custom_id: str,
        label: str,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        *,
        disabled: bool = False,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=custom_id, disabled=disabled, row=row
            )
        )
