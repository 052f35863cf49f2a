"""/reading: the reading list, sessions, the weekly series, time polls and the calendar link.

Commands parse and check what the member typed, let the service do the work and answer
with what happened (the feature's declarations and hooks are in feature.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands

from bot import guilds
from bot.checks import is_moderator, moderator_only, require_guild
from bot.client import HammingBot
from bot.commands import send_calendar_link
from bot.features import Job, Planner
from bot.scheduler import fan_out_key
from bot.time import discord_timestamp
from bot.timeparse import parse_hhmm
from bot.ui import WEEKDAY_CHOICES, UserError
from cogs.reading import store, store_sessions
from cogs.reading.cog_log import ReadingLogCommands
from cogs.reading.cog_sessions import SessionCommands, session_autocomplete, shown_title
from cogs.reading.config import ReadingConfig
from cogs.reading.group import item_autocomplete, reading
from cogs.reading.jobs import PUBLISH, ReadingJobs
from cogs.reading.jobs_sessions import SessionJobs
from cogs.reading.logic import (
    MAX_ITEMS,
    STARTER_PACK,
    Series,
    clean_notes,
    clean_title,
    missing_starter_items,
    moved,
    optional_web_link,
    read_closes,
    read_duration,
    read_poll_options,
    read_when,
    series_text,
    url_key,
)
from cogs.reading.messages import list_page, session_reply
from cogs.reading.service import ReadingService
from cogs.reading.views import PageButton, PollButton, RsvpButton, page_view
from cogs.reading.views_comments import COMMENT_ITEMS
from cogs.reading.views_sessions import GoalButton, OutcomeButton

log = logging.getLogger(__name__)

ITEM_HELP = "A reading from the list (start typing its title), or its position"
SESSION_HELP = "An upcoming session (start typing its title)"


async def ensure_may_manage(
    interaction: discord.Interaction[HammingBot], *owners: int | None
) -> None:
    if interaction.user.id in owners or await is_moderator(interaction):
        return
    raise UserError("Only moderators or the person who set this up can do that.")


class ReadingCog(SessionCommands, ReadingLogCommands):
    reading = reading
    dynamic_items = (
        RsvpButton,
        PollButton,
        PageButton,
        GoalButton,
        OutcomeButton,
        *COMMENT_ITEMS,
    )

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.service = ReadingService(bot)
        self.scheduled = ReadingJobs(self.service)
        self.session_jobs = SessionJobs(self.service)
        self.config_group = ReadingConfig(self.service)

    def jobs(self) -> Sequence[Job]:
        return [*self.scheduled.jobs(), *self.session_jobs.jobs()]

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [
            ("reading-recurring", self.scheduled.plan_series),
            ("session-series", self.session_jobs.plan_series),
        ]

    # -- the reading list ----------------------------------------------------------------------

    @reading.command(name="add")
    @app_commands.describe(
        title="The reading's title",
        url="A link to it (http or https)",
        minutes="Estimated reading time in minutes",
        notes="Why read it, which part, prerequisites",
    )
    async def add(
        self,
        interaction: discord.Interaction[HammingBot],
        title: app_commands.Range[str, 1, 200],
        url: app_commands.Range[str, 1, 500] | None = None,
        minutes: app_commands.Range[int, 1, 1440] | None = None,
        notes: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        """Add a reading to the group's list."""
        guild = require_guild(interaction)
        clean = (clean_title(title), optional_web_link(url), clean_notes(notes))
        items = await store.list_items(self.bot.db, guild.id)
        if len(items) >= MAX_ITEMS:
            raise UserError(f"The list holds {MAX_ITEMS} readings; remove some first.")
        twin = next(
            (i for i in items if clean[1] and i.url and url_key(i.url) == url_key(clean[1])), None
        )
        if twin is not None:
            raise UserError(f"That link is already on the list: {twin.position}. {twin.title}")
        async with self.bot.db.transaction() as tx:
            await store.insert_item(
                tx,
                guild.id,
                title=clean[0],
                url=clean[1],
                minutes=minutes,
                notes=clean[2],
                added_by=interaction.user.id,
                now=self.bot.clock.now(),
            )
        log.info("guild %s: %s added reading %r", guild.id, interaction.user.id, clean[0])
        await interaction.response.send_message(
            f"Added **{discord.utils.escape_markdown(clean[0])}** to the reading list at"
            f" position {len(items) + 1}.",
            ephemeral=True,
        )

    @reading.command(name="list")
    async def list_(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Show the reading list: position, title, link, time, status."""
        guild = require_guild(interaction)
        items = await store.list_items(self.bot.db, guild.id)
        card, pages = list_page(items, 0)
        view = page_view(0, pages)
        await interaction.response.send_message(
            embed=card, view=view or discord.utils.MISSING, ephemeral=True
        )

    @reading.command(name="remove")
    @app_commands.describe(item=ITEM_HELP)
    @app_commands.autocomplete(item=item_autocomplete)
    async def remove(self, interaction: discord.Interaction[HammingBot], item: str) -> None:
        """Remove a reading from the list (moderators or whoever added it)."""
        guild = require_guild(interaction)
        found = await self.service.resolve_item(guild.id, item)
        await ensure_may_manage(interaction, found.added_by)
        now = self.bot.clock.now()
        if await store_sessions.count_upcoming_sessions_for_item(self.bot.db, found.id, now):
            raise UserError(
                f"**{found.title}** is scheduled for a session; cancel it first with"
                " `/reading cancel`."
            )
        async with self.bot.db.transaction() as tx:
            await store.delete_item(tx, guild.id, found.id)
        log.info("guild %s: %s removed reading %s", guild.id, interaction.user.id, found.id)
        await interaction.response.send_message(
            f"Removed **{discord.utils.escape_markdown(found.title)}** from the list.",
            ephemeral=True,
        )

    @reading.command(name="move")
    @app_commands.describe(item=ITEM_HELP, position="Its new position (1 is next in line)")
    @app_commands.autocomplete(item=item_autocomplete)
    async def move(
        self,
        interaction: discord.Interaction[HammingBot],
        item: str,
        position: app_commands.Range[int, 1, MAX_ITEMS],
    ) -> None:
        """Move a reading to another position in the list."""
        guild = require_guild(interaction)
        found = await self.service.resolve_item(guild.id, item)
        await ensure_may_manage(interaction, found.added_by)
        async with self.bot.db.transaction() as tx:
            order = [i.id for i in await store.list_items(tx, guild.id)]
            new_order = moved(order, found.id, position)
            await store.update_positions(tx, guild.id, new_order)
        log.info(
            "guild %s: %s moved reading %s to %s", guild.id, interaction.user.id, found.id, position
        )
        await interaction.response.send_message(
            f"Moved **{discord.utils.escape_markdown(found.title)}** to position"
            f" {new_order.index(found.id) + 1}.",
            ephemeral=True,
        )

    @reading.command(name="starter-pack")
    @moderator_only()
    async def starter_pack(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Add the curated starter readings for newcomers to alignment (skips ones present)."""
        guild = require_guild(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            items = await store.list_items(tx, guild.id)
            missing = missing_starter_items([(i.title, i.url) for i in items])
            if len(items) + len(missing) > MAX_ITEMS:
                raise UserError(f"The list would pass {MAX_ITEMS} readings; remove some first.")
            for starter in missing:
                await store.insert_item(
                    tx,
                    guild.id,
                    title=starter.title,
                    url=starter.url,
                    minutes=starter.minutes,
                    notes=starter.notes,
                    added_by=interaction.user.id,
                    now=now,
                )
        log.info(
            "guild %s: %s added %d starter readings", guild.id, interaction.user.id, len(missing)
        )
        present = len(STARTER_PACK) - len(missing)
        skipped = f" ({present} already on the list)" if present else ""
        added = "\n".join(f"• {discord.utils.escape_markdown(s.title)}" for s in missing)
        await interaction.response.send_message(
            f"Added {len(missing)} starter readings{skipped}.\n{added}".strip(), ephemeral=True
        )

    @reading.command(name="calendar")
    async def calendar_link(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Get this server's calendar feed (sessions and deadlines) for your calendar app."""
        await send_calendar_link(
            self.bot,
            interaction,
            unset="The calendar feed has no public address yet: whoever runs the bot sets"
            " PUBLIC_BASE_URL (e.g. https://hamming.example.org) to where its HTTP server"
            " is reachable, then restarts it.",
            reply=lambda url: (
                "Subscribe to this URL in your calendar app (Google Calendar: Other"
                f" calendars → From URL):\n{url}\nKeep it private: anyone with it can see the"
                " schedule. Moderators can replace it with `/config reading calendar-rotate`."
            ),
        )

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
        parsed = read_when(when, zone, self.bot.clock.now())
        length = read_duration(duration)
        chosen = await self.service.resolve_item(guild.id, item) if item else None
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
                starts_at=parsed.when,
                duration=length,
                channel_id=channel_id,
                voice_channel_id=voice_id,
                lead_id=lead_id,
                origin=None,
                created_by=interaction.user.id,
            )
        await self.bot.scheduler.run_now(PUBLISH.key(session_id))
        session = await store_sessions.get_session(self.bot.db, session_id)
        assert session is not None
        await interaction.followup.send(session_reply("Scheduled", session, parsed), ephemeral=True)

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
        found = await self.service.resolve_session(guild.id, session)
        await ensure_may_manage(interaction, found.created_by, found.lead_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        zone = await guilds.get_reading_zone(self.bot.db, guild.id, interaction.user.id)
        parsed = read_when(when, zone, self.bot.clock.now())
        length = read_duration(duration, default=found.duration)
        moved_session, update = await self.service.reschedule(found, parsed.when, length)
        log.info(
            "guild %s: %s moved session %s to %s",
            guild.id,
            interaction.user.id,
            found.id,
            parsed.when.isoformat(),
        )
        await self.bot.scheduler.run_now(update)
        await interaction.followup.send(
            session_reply("Moved", moved_session, parsed), ephemeral=True
        )

    @reading.command(name="cancel")
    @app_commands.describe(session=SESSION_HELP)
    @app_commands.autocomplete(session=session_autocomplete)
    async def cancel(self, interaction: discord.Interaction[HammingBot], session: str) -> None:
        """Cancel a session: its event is cancelled and those who RSVPed are told."""
        await self.cancel_session(interaction, session)

    async def cancel_session(
        self, interaction: discord.Interaction[HammingBot], session: str
    ) -> None:
        """/reading cancel and /sessions cancel (sessions of every kind)."""
        guild = require_guild(interaction)
        found = await self.service.resolve_session(guild.id, session)
        await ensure_may_manage(interaction, found.created_by, found.lead_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        cancelled = await self.service.cancel(found)
        log.info("guild %s: %s cancelled session %s", guild.id, interaction.user.id, found.id)
        told = await self.service.reminded_members(found.id)
        # The cancellation, then its DMs (one fan-out child per member), before the answer.
        await self.bot.scheduler.run_now(cancelled)
        for user_id in told:
            await self.bot.scheduler.run_now(fan_out_key(cancelled, user_id))
        await interaction.followup.send(
            f"Cancelled **{discord.utils.escape_markdown(found.title)}**"
            f" ({discord_timestamp(found.starts_at, 'F')}); {len(told)} member(s) who planned to"
            " come are told"
            + (", and the reading goes back into the queue." if found.item_id else "."),
            ephemeral=True,
        )

    @reading.command(name="sessions")
    async def sessions(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Show the upcoming reading-group sessions."""
        guild = require_guild(interaction)
        upcoming = await store_sessions.list_upcoming_sessions(
            self.bot.db, guild.id, self.bot.clock.now(), limit=10
        )
        lines = [
            f"{discord_timestamp(s.starts_at, 'F')}:"
            f" **{discord.utils.escape_markdown(shown_title(s))}**"
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
        at = parse_hhmm(time)
        length = read_duration(duration)
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await store.get_settings(self.bot.db, guild.id)
        series = Series(weekday, at, length, settings.days_ahead)
        zone = await guilds.get_guild_zone(self.bot.db, guild.id)
        tick = await self.service.set_series(guild.id, interaction.user.id, series, zone)
        # The first tick is due now when its session is within the lead time: it creates the
        # session, whose announcement is then due now too.
        if tick is not None:
            await self.bot.scheduler.run_now(tick)
        upcoming = await store_sessions.list_upcoming_sessions(
            self.bot.db, guild.id, self.bot.clock.now()
        )
        created = [s for s in upcoming if s.origin and s.origin.startswith("series:")]
        if created:
            await self.bot.scheduler.run_now(PUBLISH.key(created[0].id))
        tail = (
            f" The first session, {discord_timestamp(created[0].starts_at, 'F')}, is announced."
            if created
            else f" The first session is created and announced {settings.days_ahead} days ahead."
        )
        await interaction.followup.send(
            f"Weekly reading series set: {series_text(series, zone)}.{tail}", ephemeral=True
        )

    @reading.command(name="recurring-stop")
    @moderator_only()
    async def recurring_stop(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Stop the weekly series (sessions already scheduled stay)."""
        guild = require_guild(interaction)
        zone = await guilds.get_guild_zone(self.bot.db, guild.id)
        await self.service.set_series(guild.id, interaction.user.id, None, zone)
        await interaction.response.send_message(
            "The weekly series is stopped; sessions already scheduled stay.", ephemeral=True
        )

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
        times = read_poll_options(options, zone, now)
        closes_at = read_closes(closes, zone, now, min(t.when for t in times))
        length = read_duration(duration)
        chosen = await self.service.resolve_item(guild.id, item) if item else None
        if chosen is None and await store.get_next_queued_item(self.bot.db, guild.id) is None:
            raise UserError("No reading is queued: add one with `/reading add` or give `item:`.")
        voice_id = self.service.check_voice_channel(guild, voice_channel)
        poll_id = await self.service.open_poll(
            guild.id,
            channel_id=channel_id,
            item=chosen,
            duration=length,
            voice_channel_id=voice_id,
            closes_at=closes_at,
            options=[t.when for t in times],
            created_by=interaction.user.id,
        )
        log.info("guild %s: %s opened poll %s", guild.id, interaction.user.id, poll_id)
        notes = [n for t in times for n in t.notes]
        await interaction.followup.send(
            f"The poll is up in <#{channel_id}> with {len(times)} times; it closes"
            f" {discord_timestamp(closes_at, 'F')} and then schedules the winner."
            + ("\n" + "\n".join(notes) if notes else ""),
            ephemeral=True,
        )
