"""/config grants setup: the grants channel, the server's reminder offsets, the rolling nudge."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import ModeratorGroup, require_guild
from bot.timeparse import parse_offsets
from bot.ui import UserError
from cogs.grants import store
from cogs.grants.messages import settings_text
from cogs.grants.service import GrantService

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class GrantsConfig(ModeratorGroup, name="grants", description="Grant-deadline reminders"):
    def __init__(self, service: GrantService) -> None:
        super().__init__()
        self.service = service

    @app_commands.command(name="setup")
    @app_commands.describe(
        channel="Where deadline reminders go, and where members are mentioned instead of DMed",
        offsets="When the channel is reminded before each deadline, e.g. 30d,14d,7d,3d,1d",
        rolling_nudge="Post a gentle monthly list of rolling funds in the channel",
    )
    async def setup_grants(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel | None = None,
        offsets: str | None = None,
        rolling_nudge: bool | None = None,
    ) -> None:
        """Set the grants channel, the reminder offsets and the monthly rolling-fund nudge."""
        guild = require_guild(interaction)
        new, warning = await apply_setup(
            self.service,
            guild.id,
            interaction.user.id,
            channel=channel,
            offsets=offsets,
            rolling_nudge=rolling_nudge,
        )
        await interaction.response.send_message(settings_text(new) + warning, ephemeral=True)


async def apply_setup(
    service: GrantService,
    guild_id: int,
    actor_id: int,
    *,
    channel: discord.TextChannel | None = None,
    offsets: str | None = None,
    rolling_nudge: bool | None = None,
) -> tuple[store.GrantSettings, str]:
    """Check, store, audit and reschedule: /config grants setup and /setup's channel select.

    Returns the new settings and a warning to show (e.g. no Embed Links in the channel).
    """
    warning = _check_can_post(channel) if channel is not None else ""
    new = await service.save_settings(
        guild_id,
        actor_id,
        channel_id=None if channel is None else channel.id,
        offsets=None if offsets is None else parse_offsets(offsets),
        rolling_nudge=rolling_nudge,
    )
    return new, warning


def _check_can_post(channel: discord.TextChannel) -> str:
    """Refuse a channel the bot cannot post in; a warning if embeds would not show."""
    allowed = channel.permissions_for(channel.guild.me)
    if not (allowed.view_channel and allowed.send_messages):
        raise UserError(
            f"I can't post in {channel.mention}: give me View Channel and Send Messages there,"
            " or pick another channel."
        )
    if not allowed.embed_links:
        return f"\nNote: give me Embed Links in {channel.mention} so reminders show in full."
    return ""
