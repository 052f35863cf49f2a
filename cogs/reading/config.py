"""/config reading: the announcement channel, reminders, series lead time, the calendar secret."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import calendar, guilds
from bot.checks import ModeratorGroup, require_guild
from bot.client import HammingBot
from bot.commands import lacking_permissions
from bot.timeparse import parse_offsets
from bot.ui import UserError
from cogs.reading.logic import MAX_DAYS_AHEAD
from cogs.reading.messages import offsets_shown

if TYPE_CHECKING:
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)

NO_REMINDERS = frozenset({"none", "off", "no", "0"})
# Without these the feature still works, in a plainer way (no embeds, no threads, no events).
RECOMMENDED_CHANNEL = {
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "read_message_history": "Read Message History",
}


def permission_note(channel: discord.TextChannel) -> str:
    missing = lacking_permissions(channel, channel.guild.me, RECOMMENDED_CHANNEL)
    if not (channel.guild.me.guild_permissions.manage_events):
        missing.append("Manage Events (server-wide, to create the events)")
    if not missing:
        return ""
    return (
        f"\nNote: I still need {', '.join(missing)} in {channel.mention} so that announcements"
        " show in full and each session gets its discussion thread and server event."
    )


class ReadingConfig(ModeratorGroup, name="reading", description="Reading group settings"):
    def __init__(self, service: ReadingService) -> None:
        super().__init__()
        self.service = service
        self.bot: HammingBot = service.bot

    @app_commands.command(name="setup")
    @app_commands.describe(
        channel="Where sessions and polls are announced (each session gets a thread)",
        reminders="DM reminders before a session, e.g. '24h, 1h' (default), or 'none'",
        days_ahead="How many days before a weekly session it is created (default 6)",
    )
    async def setup_(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel,
        reminders: app_commands.Range[str, 1, 200] | None = None,
        days_ahead: app_commands.Range[int, 1, MAX_DAYS_AHEAD] | None = None,
    ) -> None:
        """Set the reading group's channel, reminder times and weekly lead time."""
        guild = require_guild(interaction)
        perms = channel.permissions_for(guild.me)
        if not (perms.view_channel and perms.send_messages):
            raise UserError(
                f"I can't post in {channel.mention}; give me View Channel and Send Messages"
                " there, or pick another channel."
            )
        offsets: tuple[timedelta, ...] | None = None
        if reminders is not None:
            offsets = () if reminders.strip().lower() in NO_REMINDERS else parse_offsets(reminders)
        saved = await self.service.configure(
            guild.id, interaction.user.id, channel.id, offsets=offsets, days_ahead=days_ahead
        )
        offsets, ahead = saved.offsets, saved.days_ahead
        await interaction.response.send_message(
            f"Reading group: announcements in {channel.mention}; reminders"
            f" {offsets_shown(offsets)} before each session (to Going and Maybe); weekly"
            f" sessions are created {ahead} days ahead. Reminders of sessions already"
            f" scheduled keep their times.{permission_note(channel)}",
            ephemeral=True,
        )

    @app_commands.command(name="calendar-rotate")
    async def calendar_rotate(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Replace the calendar feed's secret URL; the old one stops working at once."""
        guild = require_guild(interaction)
        now = self.bot.clock.now()
        secret = await calendar.rotate_secret(self.bot.db, guild.id, now)
        async with self.bot.db.transaction() as tx:
            await guilds.insert_audit(
                tx,
                guild_id=guild.id,
                actor_id=interaction.user.id,
                setting="reading.calendar_secret",
                old_value="(secret)",
                new_value="(rotated)",
                now=now,
            )
        log.info("guild %s: %s rotated the calendar secret", guild.id, interaction.user.id)
        base = self.bot.settings.public_base_url
        where = (
            f"The new URL: {calendar.feed_url(base, secret)}"
            if base
            else "Set PUBLIC_BASE_URL so that `/reading calendar` can show the new URL."
        )
        await interaction.response.send_message(
            f"The calendar URL is replaced; the old one no longer works. {where}", ephemeral=True
        )
