"""Who may do what: the moderator check used by every moderator command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot import guilds
from bot.ui import NotModerator, UserError

if TYPE_CHECKING:
    from bot.client import HammingBot

T = TypeVar("T")


def hamming(interaction: discord.Interaction[Any]) -> HammingBot:
    """The bot behind an interaction, typed."""
    return interaction.client  # type: ignore[no-any-return]


def require_guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise UserError("This works only inside a server, not in DMs.")
    return interaction.guild


class ModeratorGroup(app_commands.Group):
    """A /config subgroup whose every command is for moderators, checked at run time
    (Discord's default_permissions only hides commands; it is not a guarantee)."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await ensure_moderator(interaction)


def in_cohort(member: discord.Member, cohort_role_id: int | None) -> bool:
    """Cohort = the configured role's members; without a role, every human member."""
    if member.bot:
        return False
    return cohort_role_id is None or any(role.id == cohort_role_id for role in member.roles)


async def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server, or the server's configured moderator role."""
    member = interaction.user
    if not isinstance(member, discord.Member) or interaction.guild is None:
        return False
    if member.guild_permissions.manage_guild:
        return True
    settings = await guilds.get_guild_settings(hamming(interaction).db, interaction.guild.id)
    role_id = settings.moderator_role_id
    return role_id is not None and any(role.id == role_id for role in member.roles)


async def ensure_moderator(interaction: discord.Interaction[Any]) -> bool:
    if await is_moderator(interaction):
        return True
    role_mention = None
    if interaction.guild is not None:
        settings = await guilds.get_guild_settings(hamming(interaction).db, interaction.guild.id)
        if settings.moderator_role_id is not None:
            role_mention = f"<@&{settings.moderator_role_id}>"
    raise NotModerator(role_mention)


def moderator_only() -> Callable[[T], T]:
    """Run-time moderator check for a command (pair with default_permissions to hide it)."""
    return app_commands.check(ensure_moderator)
