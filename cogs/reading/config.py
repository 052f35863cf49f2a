"""/config reading: the announcement channel, reminders, series lead time, the calendar secret."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import calendar, guilds
from bot.checks import ModeratorGroup, require_guild
from bot.client import HammingBot
from bot.features import FeatureStatus
from bot.time import discord_timestamp
from bot.timeparse import TimeParseError, parse_offsets
from bot.ui import UserError
from cogs.reading import store
from cogs.reading.logic import MAX_DAYS_AHEAD, offsets_text, series_text

if TYPE_CHECKING:
    from cogs.reading.cog import ReadingCog

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
    perms = channel.permissions_for(channel.guild.me)
    missing = [name for flag, name in RECOMMENDED_CHANNEL.items() if not getattr(perms, flag)]
    if not (channel.guild.me.guild_permissions.manage_events):
        missing.append("Manage Events (server-wide, to create the events)")
    if not missing:
        return ""
    return (
        f"\nNote: I still need {', '.join(missing)} in {channel.mention} so that announcements"
        " show in full and each session gets its discussion thread and server event."
    )


class ReadingConfig(ModeratorGroup, name="reading", description="Reading group settings"):
    def __init__(self, cog: ReadingCog) -> None:
        super().__init__()
        self.cog = cog
        self.bot: HammingBot = cog.bot

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
            try:
                offsets = (
                    () if reminders.strip().lower() in NO_REMINDERS else parse_offsets(reminders)
                )
            except TimeParseError as exc:
                raise UserError(str(exc)) from None
        saved = await self.configure(
            guild.id, interaction.user.id, channel.id, offsets=offsets, days_ahead=days_ahead
        )
        offsets, ahead = saved.offsets, saved.days_ahead
        await interaction.response.send_message(
            f"Reading group: announcements in {channel.mention}; reminders"
            f" {offsets_text(offsets)} before each session (to Going and Maybe); weekly"
            f" sessions are created {ahead} days ahead. Reminders of sessions already"
            f" scheduled keep their times.{permission_note(channel)}",
            ephemeral=True,
        )

    async def configure(
        self,
        guild_id: int,
        actor_id: int,
        channel_id: int,
        *,
        offsets: Sequence[timedelta] | None = None,
        days_ahead: int | None = None,
    ) -> store.ReadingSettings:
        """Save the channel (and reminders, lead time: None keeps them), audited; the path of
        both `/config reading setup` and /setup's channel select. Returns the new settings."""
        old = await store.get_settings(self.bot.db, guild_id)
        offsets = old.offsets if offsets is None else tuple(offsets)
        ahead = days_ahead or old.days_ahead
        now = self.bot.clock.now()
        changes = [
            (
                "reading.channel",
                f"<#{old.channel_id}>" if old.channel_id else "none",
                f"<#{channel_id}>",
            ),
            ("reading.reminders", offsets_text(old.offsets), offsets_text(offsets)),
            ("reading.days_ahead", str(old.days_ahead), str(ahead)),
        ]
        async with self.bot.db.transaction() as tx:
            await store.upsert_settings(
                tx, guild_id, channel_id=channel_id, offsets=offsets, days_ahead=ahead, now=now
            )
            await guilds.audit_changes(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                before={setting: before for setting, before, _ in changes},
                after={setting: after for setting, _, after in changes},
                now=now,
            )
            if old.series is not None and ahead != old.days_ahead:
                await self.restart_series(guild_id, now)
        log.info(
            "guild %s: %s set reading channel %s, reminders %s, days ahead %s",
            guild_id,
            actor_id,
            channel_id,
            offsets_text(offsets),
            ahead,
        )
        return await store.get_settings(self.bot.db, guild_id)

    async def restart_series(self, guild_id: int, now: datetime) -> None:
        """The series' pending tick moves to the new lead time (a new generation)."""
        async with self.bot.db.transaction() as tx:
            generation = await store.update_series_generation(tx, guild_id)
            settings = await store.get_settings(tx, guild_id)
            await self.bot.scheduler.cancel(prefix=f"reading-recurring:{guild_id}:")
            if settings.series is not None:
                zone = await guilds.get_guild_zone(self.bot.db, guild_id)
                await self.cog.occurrences.schedule_series_tick(
                    guild_id, settings.series, generation, now, zone
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


async def feature_status(bot: HammingBot, guild_id: int) -> FeatureStatus:
    """One line for /about and /config show."""
    settings = await store.get_settings(bot.db, guild_id)
    counts = await store.count_items(bot.db, guild_id)
    upcoming = await store.list_upcoming_sessions(bot.db, guild_id, bot.clock.now(), limit=1)
    if settings.channel_id is None:
        return FeatureStatus(
            "Reading group",
            False,
            f"not set up: `/config reading setup channel:`. {counts.get('queued', 0)} readings"
            " queued.",
        )
    parts = [
        f"announcements in <#{settings.channel_id}>",
        f"reminders {offsets_text(settings.offsets)}",
        f"{counts.get('queued', 0)} queued of {sum(counts.values())} readings",
    ]
    if upcoming:
        parts.append(f"next session {discord_timestamp(upcoming[0].starts_at, 'F')}")
    if settings.series is not None:
        zone = await guilds.get_guild_zone(bot.db, guild_id)
        parts.append(f"weekly: {series_text(settings.series, zone)}")
    return FeatureStatus("Reading group", True, "; ".join(parts))
