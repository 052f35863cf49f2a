"""/reading schedule, reschedule, cancel, sessions, recurring, poll: Discord I/O only."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds
from bot.checks import moderator_only, require_guild
from bot.client import HammingBot
from bot.time import discord_timestamp
from bot.timeparse import parse_hhmm
from bot.ui import WEEKDAY_CHOICES, UserError
from cogs.reading import store
from cogs.reading.common import (
    ITEM_HELP,
    SESSION_HELP,
    ensure_may_manage,
    item_autocomplete,
    plain_errors,
    reading,
    resolve_item,
    resolve_session,
    session_autocomplete,
)
from cogs.reading.logic import (
    Series,
    read_closes,
    read_duration,
    read_poll_options,
    read_when,
    series_text,
)
from cogs.reading.views import session_reply

if TYPE_CHECKING:
    from cogs.reading.occurrences import ReadingOccurrences
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)


class SessionCommands(commands.Cog):
    """Mixed into ReadingCog: the commands that schedule, move and cancel sessions."""

    bot: HammingBot
    service: ReadingService
    occurrences: ReadingOccurrences

    # -- sessions -----------------------------------------------------------------------------

    @reading.command(name="schedule")
    @app_commands.describe(
        item=ITEM_HELP + "; default: the next queued one",
        when="e.g. 'next Tuesday 18:00', '2026-12-08 17:30', 'in 3 days at 6pm' (your zone)",
        duration="How long, e.g. 60m or 1h30m (default 1h, at most 24h)",
        voice_channel="Hold it in this voice channel (default: an event in the channel)",
        lead="Who leads the discussion (default: fair rotation)",
    )
    @app_commands.autocomplete(item=item_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction[HammingBot],
        when: app_commands.Range[str, 1, 100],
        item: str | None = None,
        duration: str | None = None,
        voice_channel: discord.VoiceChannel | None = None,
        lead: discord.Member | None = None,
    ) -> None:
        """Schedule a discussion session: a server event, an announcement and RSVPs."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel_id = await self.service.reading_channel(guild.id)
        zone = await guilds.get_reading_zone(self.bot.db, guild.id, interaction.user.id)
        with plain_errors():
            parsed = read_when(when, zone, self.bot.clock.now())
            length = read_duration(duration)
        chosen = await resolve_item(self.bot.db, guild.id, item) if item else None
        chosen = chosen or await store.get_next_queued_item(self.bot.db, guild.id)
        if chosen is None:
            raise UserError("No reading is queued: add one with `/reading add` or give `item:`.")
        if lead is not None and lead.bot:
            raise UserError("A bot can't lead a discussion; pick a member.")
        voice_id = self.service.check_voice_channel(guild, voice_channel)
        await self.service.check_event_room(guild)
        lead_id = lead.id if lead else await self.service.choose_lead(guild, guild.id)
        async with self.bot.db.transaction() as tx:
            session_id = await self.service.create_session(
                tx,
                guild.id,
                item=chosen,
                title=chosen.title,
                url=chosen.url,
                starts_at=parsed.when,
                duration=length,
                channel_id=channel_id,
                voice_channel_id=voice_id,
                lead_id=lead_id,
                origin=None,
                created_by=interaction.user.id,
            )
        await self.bot.scheduler.run_due()
        session = await store.get_session(self.bot.db, session_id)
        assert session is not None
        await interaction.followup.send(
            session_reply("Scheduled", session, parsed.notes, zone), ephemeral=True
        )

    @reading.command(name="reschedule")
    @app_commands.describe(
        session=SESSION_HELP,
        when="The new start, e.g. 'thursday 18:00' (your zone)",
        duration="A new length, e.g. 90m (default: keep it)",
    )
    @app_commands.autocomplete(session=session_autocomplete)
    async def reschedule(
        self,
        interaction: discord.Interaction[HammingBot],
        session: str,
        when: app_commands.Range[str, 1, 100],
        duration: str | None = None,
    ) -> None:
        """Move a session; its event, announcement and reminders follow."""
        guild = require_guild(interaction)
        found = await resolve_session(self.bot.db, guild.id, session)
        await ensure_may_manage(interaction, found.created_by, found.lead_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        zone = await guilds.get_reading_zone(self.bot.db, guild.id, interaction.user.id)
        with plain_errors():
            parsed = read_when(when, zone, self.bot.clock.now())
            length = read_duration(duration, default=found.duration)
        async with self.bot.db.transaction() as tx:
            revision = await store.update_session_times(
                tx, found.id, parsed.when, parsed.when + length
            )
            moved_session = await store.get_session(tx, found.id)
            assert moved_session is not None
            await self.service.replan_session(moved_session)
            await self.bot.scheduler.schedule(
                f"reading-update:{found.id}:{revision}",
                "reading-update",
                self.bot.clock.now(),
                guild_id=guild.id,
                payload={"session": found.id, "revision": revision},
            )
        log.info(
            "guild %s: %s moved session %s to %s",
            guild.id,
            interaction.user.id,
            found.id,
            parsed.when.isoformat(),
        )
        await self.bot.scheduler.run_due()
        await interaction.followup.send(
            session_reply("Moved", moved_session, parsed.notes, zone), ephemeral=True
        )

    @reading.command(name="cancel")
    @app_commands.describe(session=SESSION_HELP)
    @app_commands.autocomplete(session=session_autocomplete)
    async def cancel(self, interaction: discord.Interaction[HammingBot], session: str) -> None:
        """Cancel a session: its event is cancelled and those who RSVPed are told."""
        guild = require_guild(interaction)
        found = await resolve_session(self.bot.db, guild.id, session)
        await ensure_may_manage(interaction, found.created_by, found.lead_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            if not await store.update_session_status(tx, found.id, "cancelled"):
                raise UserError("That session is no longer scheduled.")
            if found.item_id and not await store.count_upcoming_sessions_for_item(
                tx, found.item_id, now, excluding=found.id
            ):
                await store.update_item_status(tx, found.item_id, "queued", now)
            await self.service.cancel_pending(found.id)
            await self.bot.scheduler.schedule(
                f"reading-cancel:{found.id}",
                "reading-cancel",
                now,
                guild_id=guild.id,
                payload={"session": found.id},
            )
        log.info("guild %s: %s cancelled session %s", guild.id, interaction.user.id, found.id)
        told = len(await self.service.reminded_members(found.id))
        await self.bot.scheduler.run_due()
        await interaction.followup.send(
            f"Cancelled **{discord.utils.escape_markdown(found.title)}**"
            f" ({discord_timestamp(found.starts_at, 'F')}); {told} member(s) who planned to"
            " come are told, and the reading goes back into the queue.",
            ephemeral=True,
        )

    @reading.command(name="sessions")
    async def sessions(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Show the upcoming reading-group sessions."""
        guild = require_guild(interaction)
        upcoming = await store.list_upcoming_sessions(
            self.bot.db, guild.id, self.bot.clock.now(), limit=10
        )
        lines = [
            f"{discord_timestamp(s.starts_at, 'F')}: **{discord.utils.escape_markdown(s.title)}**"
            + (f", lead <@{s.lead_id}>" if s.lead_id else "")
            for s in upcoming
        ]
        await interaction.response.send_message(
            "\n".join(lines) or "No sessions are scheduled. Start one with `/reading schedule`.",
            ephemeral=True,
        )

    @reading.command(name="recurring")
    @app_commands.describe(
        weekday="The day of the weekly session",
        time="The time, in the server's zone, e.g. 18:00 or 6pm",
        duration="How long each session is, e.g. 60m (default 1h)",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    @app_commands.default_permissions(manage_guild=True)
    @moderator_only()
    async def recurring(
        self,
        interaction: discord.Interaction[HammingBot],
        weekday: int,
        time: app_commands.Range[str, 1, 20],
        duration: str | None = None,
    ) -> None:
        """Run a weekly series: each session is created with the next queued reading."""
        guild = require_guild(interaction)
        await self.service.reading_channel(guild.id)
        with plain_errors():
            at = parse_hhmm(time)
            length = read_duration(duration)
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await store.get_settings(self.bot.db, guild.id)
        series = Series(weekday, at, length, settings.days_ahead)
        zone = await guilds.get_guild_zone(self.bot.db, guild.id)
        await self.set_series(interaction, series, zone)
        await self.bot.scheduler.run_due()
        upcoming = await store.list_upcoming_sessions(self.bot.db, guild.id, self.bot.clock.now())
        created = [s for s in upcoming if s.origin and s.origin.startswith("series:")]
        tail = (
            f" The first session, {discord_timestamp(created[0].starts_at, 'F')}, is announced."
            if created
            else f" The first session is created and announced {settings.days_ahead} days ahead."
        )
        await interaction.followup.send(
            f"Weekly reading series set: {series_text(series, zone)}.{tail}", ephemeral=True
        )

    @reading.command(name="recurring-stop")
    @app_commands.default_permissions(manage_guild=True)
    @moderator_only()
    async def recurring_stop(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Stop the weekly series (sessions already scheduled stay)."""
        guild = require_guild(interaction)
        await self.set_series(interaction, None, await guilds.get_guild_zone(self.bot.db, guild.id))
        await interaction.response.send_message(
            "The weekly series is stopped; sessions already scheduled stay.", ephemeral=True
        )

    async def set_series(
        self, interaction: discord.Interaction[Any], series: Series | None, zone: ZoneInfo
    ) -> None:
        guild = require_guild(interaction)
        old = await store.get_settings(self.bot.db, guild.id)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            generation = await store.update_series(
                tx,
                guild.id,
                weekday=series.weekday if series else None,
                at=f"{series.at:%H:%M}" if series else None,
                minutes=int(series.duration.total_seconds() // 60) if series else None,
                now=now,
            )
            await self.bot.scheduler.cancel(prefix=f"reading-recurring:{guild.id}:")
            if series is not None:
                await self.occurrences.schedule_series_tick(guild.id, series, generation, now, zone)
            await guilds.insert_audit(
                tx,
                guild_id=guild.id,
                actor_id=interaction.user.id,
                setting="reading.recurring",
                old_value=series_text(old.series, zone) if old.series else "off",
                new_value=series_text(series, zone) if series else "off",
                now=now,
            )
        log.info("guild %s: %s set the weekly series to %s", guild.id, interaction.user.id, series)

    # -- polls and the calendar ----------------------------------------------------------------

    @reading.command(name="poll")
    @app_commands.describe(
        options="Up to 10 candidate times, comma-separated, e.g. 'tue 18:00, wed 18:00'",
        closes="When voting ends: a duration (12h) or a time (friday 12:00); default 24h",
        item=ITEM_HELP + "; default: the next queued one at closing",
        duration="How long the session is, e.g. 60m (default 1h)",
        voice_channel="Hold it in this voice channel",
    )
    @app_commands.autocomplete(item=item_autocomplete)
    async def poll(
        self,
        interaction: discord.Interaction[HammingBot],
        options: app_commands.Range[str, 1, 1000],
        closes: str | None = None,
        item: str | None = None,
        duration: str | None = None,
        voice_channel: discord.VoiceChannel | None = None,
    ) -> None:
        """Find a time: members pick every option they can attend; the best one is scheduled."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel_id = await self.service.reading_channel(guild.id)
        zone = await guilds.get_reading_zone(self.bot.db, guild.id, interaction.user.id)
        now = self.bot.clock.now()
        with plain_errors():
            times = read_poll_options(options, zone, now)
            closes_at = read_closes(closes, zone, now, min(t.when for t in times))
            length = read_duration(duration)
        chosen = await resolve_item(self.bot.db, guild.id, item) if item else None
        if chosen is None and await store.get_next_queued_item(self.bot.db, guild.id) is None:
            raise UserError("No reading is queued: add one with `/reading add` or give `item:`.")
        voice_id = self.service.check_voice_channel(guild, voice_channel)
        async with self.bot.db.transaction() as tx:
            poll_id = await store.insert_poll(
                tx,
                guild.id,
                channel_id=channel_id,
                item_id=chosen.id if chosen else None,
                minutes=int(length.total_seconds() // 60),
                voice_channel_id=voice_id,
                lead_id=None,
                closes_at=closes_at,
                options=[t.when for t in times],
                created_by=interaction.user.id,
                now=now,
            )
            await self.bot.scheduler.schedule(
                f"reading-poll-close:{poll_id}",
                "reading-poll-close",
                closes_at,
                guild_id=guild.id,
                payload={"poll": poll_id},
            )
        log.info("guild %s: %s opened poll %s", guild.id, interaction.user.id, poll_id)
        await self.service.run_now(
            f"reading-poll-post:{poll_id}", "reading-poll-post", guild.id, {"poll": poll_id}
        )
        notes = [n for t in times for n in t.notes]
        await interaction.followup.send(
            f"The poll is up in <#{channel_id}> with {len(times)} times; it closes"
            f" {discord_timestamp(closes_at, 'F')} and then schedules the winner."
            + ("\n" + "\n".join(notes) if notes else ""),
            ephemeral=True,
        )
