"""Command-side helpers shared by several cogs' slash commands.

- `lacking_permissions`: which of a feature's channel permissions the bot lacks in a channel.
- `refuse_missing_permissions`: the /config refusal when the bot lacks some of them.
- `send_calendar_link`: the ephemeral reply with the server's calendar feed link.
- `save_and_say`: a /config change of some settings, then the private answer.
- `switch_off`: a feature's `/config ... off`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, Self, TypeVar

import discord

from bot import calendar
from bot.checks import require_guild
from bot.ui import UserError

if TYPE_CHECKING:
    from bot.client import HammingBot

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound="Switchable")


def lacking_permissions(
    channel: discord.abc.GuildChannel,
    member: discord.Member,
    needed: Mapping[str, str] | Iterable[str],
) -> list[str]:
    """The labels of the `needed` permission flags `member` lacks in `channel`, in their order.

    `needed` maps each flag to its label, or lists flags labelled by their title-cased names.
    """
    labels = (
        needed
        if isinstance(needed, Mapping)
        else {flag: flag.replace("_", " ").title() for flag in needed}
    )
    granted = channel.permissions_for(member)
    return [label for flag, label in labels.items() if not getattr(granted, flag)]


def refuse_missing_permissions(
    channel: discord.TextChannel, missing: Sequence[str], feature: str
) -> None:
    """Refuse to set a feature up in `channel` while the bot lacks `missing` permissions there."""
    if missing:
        raise UserError(
            f"I cannot run {feature} in {channel.mention}: I am missing the "
            f"{', '.join(missing)} permission(s) there. Grant them (channel settings → "
            "Permissions) and run this again; nothing was changed."
        )


async def send_calendar_link(
    bot: HammingBot,
    interaction: discord.Interaction[HammingBot],
    *,
    unset: str,
    reply: Callable[[str], str],
) -> None:
    """Answer with the server's calendar feed link (`reply(url)`), privately.

    Without a public base URL there is no link to give: `unset` says so instead.
    """
    guild = require_guild(interaction)
    base = bot.settings.public_base_url
    if not base:
        raise UserError(unset)
    secret = await calendar.get_or_create_secret(bot.db, guild.id, bot.clock.now())
    await interaction.response.send_message(reply(calendar.feed_url(base, secret)), ephemeral=True)


class Switchable(Protocol):
    """A feature's settings with an on/off switch."""

    @property
    def enabled(self) -> bool: ...

    def with_changes(self, **changes: Any) -> Self: ...


async def save_and_say(
    interaction: discord.Interaction[HammingBot],
    save: Callable[[int, int, Callable[[S], S]], Awaitable[object]],
    reply: str,
    **changes: Any,
) -> None:
    """Save `changes` to the server's feature settings as the person who asked (audited and
    replanned by `save`), then answer them `reply`, privately."""
    guild = require_guild(interaction)
    await save(guild.id, interaction.user.id, lambda old: old.with_changes(**changes))
    await interaction.response.send_message(reply, ephemeral=True)


async def switch_off(
    interaction: discord.Interaction[HammingBot],
    get: Callable[[int], Awaitable[S]],
    save: Callable[[int, int, Callable[[S], S]], Awaitable[object]],
    *,
    already_off: str,
    done: str,
) -> None:
    """A feature's `/config ... off`: refuse when it is off already, else save it off and say so."""
    guild = require_guild(interaction)
    if not (await get(guild.id)).enabled:
        raise UserError(already_off)
    await save_and_say(interaction, save, done, enabled=False)


__all__ = [
    "lacking_permissions",
    "refuse_missing_permissions",
    "save_and_say",
    "send_calendar_link",
    "switch_off",
]
