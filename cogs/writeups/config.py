"""`/config writeups ...`: where publications are announced, and when stale write-ups are
nudged. Every change goes through the feature's GuildSettings (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import ModeratorGroup, require_guild
from bot.client import HammingBot
from bot.commands import lacking_permissions, refuse_missing_permissions
from cogs.writeups.logic import MAX_NUDGE_WEEKS

if TYPE_CHECKING:
    from cogs.writeups.feature import WriteupsFeature

# What the bot needs where publications are announced.
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}


class WriteupsConfig(ModeratorGroup, name="writeups", description="Write-ups"):
    def __init__(self, cog: WriteupsFeature) -> None:
        super().__init__()
        self.cog = cog

    @app_commands.command(name="channel")
    @app_commands.describe(channel="Where published write-ups are announced (leave out: nowhere)")
    async def channel(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Choose where published write-ups are announced (or stop announcing)."""
        guild = require_guild(interaction)
        if channel is not None:
            missing = lacking_permissions(channel, guild.me, NEEDED)
            refuse_missing_permissions(channel, missing, "write-up announcements")
        chosen = channel.id if channel is not None else None
        await self.cog.service.save_settings(
            guild.id, interaction.user.id, lambda s: s.with_changes(channel_id=chosen)
        )
        text = (
            f"Published write-ups are announced in {channel.mention} (private ones never are)."
            if channel is not None
            else "Published write-ups are no longer announced."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="nudge")
    @app_commands.describe(
        weeks=f"Weeks in one stage before a gentle DM (0 = never; 1 to {MAX_NUDGE_WEEKS})"
    )
    async def nudge(
        self,
        interaction: discord.Interaction[HammingBot],
        weeks: app_commands.Range[int, 0, MAX_NUDGE_WEEKS],
    ) -> None:
        """Set after how many weeks in one stage a member gets one gentle nudge (0 = off)."""
        guild = require_guild(interaction)
        await self.cog.service.save_settings(
            guild.id, interaction.user.id, lambda s: s.with_changes(nudge_weeks=weeks)
        )
        text = (
            f"A write-up left in one stage for {weeks} week(s) gets one gentle DM to its author."
            if weeks
            else "Stale write-up nudges are off."
        )
        await interaction.response.send_message(text, ephemeral=True)
