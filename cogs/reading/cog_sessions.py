"""/sessions: sessions of every kind (co-working, writing sprints, grant clinics, talks,
socials and readings), their repeating series and a member's own calendar.

A mixin of the reading feature's cog: sessions of every kind share the reading group's
channel, events, announcements, RSVPs, reminders and calendar feed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds
from bot.checks import hamming, is_moderator, require_guild
from bot.client import HammingBot
from bot.ui import UserError
from cogs.reading import store, store_series, store_sessions
from cogs.reading.jobs import PUBLISH
from cogs.reading.jobs_sessions import SERIES, SessionJobs, schedule_series_tick
from cogs.reading.kinds import KIND_LABELS, goal_prompt_default, headline, session_title
from cogs.reading.logic import read_duration, read_when
from cogs.reading.messages import session_reply
from cogs.reading.messages_sessions import mine_text
from cogs.reading.recurrence import REPEAT_CHOICES, read_repeat, repeat_text

if TYPE_CHECKING:
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)

KIND_CHOICES = [app_commands.Choice(name=label, value=kind) for kind, label in KIND_LABELS.items()]
REPEAT_OPTIONS = [app_commands.Choice(name="once", value="once")] + [
    app_commands.Choice(name=name, value=name) for name in REPEAT_CHOICES
]


def shown_title(session: store_sessions.ReadingSession) -> str:
    """A reading by its title (as always), other kinds with theirs: 'Talk: …'."""
    if session.kind == "reading":
        return session.title
    return headline(session.kind, session.title)


async def session_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    bot = hamming(interaction)
    sessions = await store_sessions.list_upcoming_sessions(
        bot.db, interaction.guild_id, bot.clock.now()
    )
    zone = await guilds.get_reading_zone(bot.db, interaction.guild_id, interaction.user.id)
    wanted = current.casefold().strip()
    return [
        app_commands.Choice(
            name=f"{s.starts_at.astimezone(zone):%a %d %b %H:%M} · {shown_title(s)}"[:100],
            value=f"id:{s.id}",
        )
        for s in sessions
        if wanted in s.title.casefold()
    ][:25]


async def series_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    bot = hamming(interaction)
    zone = await guilds.get_guild_zone(bot.db, interaction.guild_id)
    wanted = current.casefold().strip()
    choices = []
    for series in await store_series.list_active_series(bot.db, interaction.guild_id):
        name = headline(series.kind, series.title or "the next queued reading")
        name += f" · {repeat_text(series.rule, series.first_start, zone)}"  # type: ignore[arg-type]
        if wanted in name.casefold():
            choices.append(app_commands.Choice(name=name[:100], value=f"id:{series.id}"))
    return choices[:25]


class SessionCommands(commands.Cog):
    """The /sessions group (mixed into ReadingCog, which sets the attributes below)."""

    bot: HammingBot
    service: ReadingService
    session_jobs: SessionJobs

    sessions_group = app_commands.Group(
        name="sessions",
        description="Sessions of every kind: co-working, sprints, clinics, talks, socials",
        guild_only=True,
    )

    @sessions_group.command(name="schedule")
    @app_commands.describe(
        kind="What kind of session",
        when="e.g. 'next Tuesday 18:00', '2026-12-08 17:30' (your zone)",
        title="What it is about (needed for every kind but a reading)",
        duration="How long, e.g. 60m or 2h (default 1h, at most 24h)",
        repeat="once (default), weekly, every other week, or monthly (same nth weekday)",
        voice_channel="Hold it in this voice channel (default: an event in the channel)",
        lead="Who hosts it",
        goal_prompt="Ask attendees for a goal at the start and how it went at the end",
    )
    @app_commands.choices(kind=KIND_CHOICES, repeat=REPEAT_OPTIONS)
    async def sessions_schedule(
        self,
        interaction: discord.Interaction[HammingBot],
        kind: str,
        when: app_commands.Range[str, 1, 100],
        title: app_commands.Range[str, 1, 200] | None = None,
        duration: str | None = None,
        repeat: str | None = None,
        voice_channel: discord.VoiceChannel | None = None,
        lead: discord.Member | None = None,
        goal_prompt: bool | None = None,
    ) -> None:
        """Schedule a session of any kind, once or repeating: event, announcement and RSVPs."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        service, db, now = self.service, self.bot.db, self.bot.clock.now()
        channel_id = await service.reading_channel(guild.id)
        zone = await guilds.get_reading_zone(db, guild.id, interaction.user.id)
        parsed = read_when(when, zone, now)
        length = read_duration(duration)
        rule = read_repeat(repeat)
        named = session_title(kind, title)
        if rule is not None and not await is_moderator(interaction):
            raise UserError(
                "Only moderators can start a repeating series; leave `repeat:` out to schedule"
                " one session."
            )
        if kind == "reading" and await store.get_next_queued_item(db, guild.id) is None:
            raise UserError("No reading is queued: add one with `/reading add`.")
        if lead is not None and lead.bot:
            raise UserError("A bot can't host a session; pick a member.")
        voice_id = service.check_voice_channel(guild, voice_channel)
        await service.check_event_room(guild)
        goals = goal_prompt_default(kind, goal_prompt)
        lead_id = lead.id if lead else None
        if lead_id is None and kind == "reading":
            lead_id = await service.choose_lead(guild, guild.id)
        series_line, tick = "", None
        server_zone = await guilds.get_guild_zone(db, guild.id)
        async with db.transaction() as tx:
            if rule is None:
                item = await store.get_next_queued_item(tx, guild.id) if kind == "reading" else None
                session_id: int | None = await service.create_session(
                    tx,
                    guild.id,
                    item=item,
                    starts_at=parsed.when,
                    duration=length,
                    channel_id=channel_id,
                    voice_channel_id=voice_id,
                    lead_id=lead_id,
                    origin=None,
                    created_by=interaction.user.id,
                    kind=kind,
                    title=named,
                    goal_prompt=goals,
                )
            else:
                series_id = await store_series.insert_series(
                    tx,
                    guild.id,
                    now,
                    kind=kind,
                    title=named,
                    rule=rule,
                    first_start=parsed.when,
                    zone=server_zone.key,
                    minutes=int(length.total_seconds() // 60),
                    channel_id=channel_id,
                    voice_channel_id=voice_id,
                    lead_id=lead_id,
                    goal_prompt=goals,
                    created_by=interaction.user.id,
                )
                series = await store_series.get_series(tx, series_id)
                assert series is not None
                session_id = await self.session_jobs.create_occurrence(tx, series, 0)
                settings = await store.get_settings(tx, guild.id)
                tick = await schedule_series_tick(
                    self.bot.scheduler, series, 1, settings.days_ahead
                )
                series_line = (
                    f"\nRepeats {repeat_text(rule, parsed.when, server_zone)}; each session is"
                    f" created and announced {settings.days_ahead} days ahead. Stop it with"
                    " `/sessions stop`."
                )
        assert session_id is not None
        await self.bot.scheduler.run_now(PUBLISH.key(session_id))
        if tick is not None:
            await self.bot.scheduler.run_now(tick)  # only when already due
        session = await store_sessions.get_session(db, session_id)
        assert session is not None
        log.info(
            "guild %s: %s scheduled %s session %s (repeat %s)",
            guild.id,
            interaction.user.id,
            kind,
            session_id,
            rule,
        )
        await interaction.followup.send(
            session_reply("Scheduled", session, parsed)[: 2000 - len(series_line)] + series_line,
            ephemeral=True,
        )

    @sessions_group.command(name="mine")
    async def sessions_mine(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Your upcoming sessions (Going and Maybe), soonest first."""
        guild = require_guild(interaction)
        rows = await store_series.list_member_upcoming(
            self.bot.db, guild.id, interaction.user.id, self.bot.clock.now()
        )
        await interaction.response.send_message(mine_text(rows), ephemeral=True)

    @sessions_group.command(name="cancel")
    @app_commands.describe(session="An upcoming session (start typing its title)")
    @app_commands.autocomplete(session=session_autocomplete)
    async def sessions_cancel(
        self, interaction: discord.Interaction[HammingBot], session: str
    ) -> None:
        """Cancel one session of any kind (one occurrence of a series): those who RSVPed hear."""
        await self.cancel_session(interaction, session)

    async def cancel_session(
        self, interaction: discord.Interaction[HammingBot], session: str
    ) -> None:
        raise NotImplementedError  # ReadingCog's

    @sessions_group.command(name="stop")
    @app_commands.describe(series="A repeating series (start typing its title)")
    @app_commands.autocomplete(series=series_autocomplete)
    async def sessions_stop(
        self, interaction: discord.Interaction[HammingBot], series: str
    ) -> None:
        """Stop a repeating series (sessions already announced stay; cancel them one by one)."""
        guild = require_guild(interaction)
        found = await self._resolve_series(guild.id, series)
        if interaction.user.id != found.created_by and not await is_moderator(interaction):
            raise UserError("Only moderators or the person who set up this series can stop it.")
        async with self.bot.db.transaction() as tx:
            stopped = await store_series.stop_series(tx, found.id)
            await self.bot.scheduler.cancel(prefix=SERIES.prefix(found.id))
        if not stopped:
            raise UserError("That series is already stopped.")
        log.info("guild %s: %s stopped series %s", guild.id, interaction.user.id, found.id)
        await interaction.response.send_message(
            f"Stopped the series **{discord.utils.escape_markdown(found.title or 'of readings')}**."
            " Sessions already scheduled stay; cancel one with `/sessions cancel`.",
            ephemeral=True,
        )

    async def _resolve_series(self, guild_id: int, text: str) -> store_series.SessionSeries:
        wanted = text.removeprefix("id:").strip()
        found = None
        for series in await store_series.list_active_series(self.bot.db, guild_id):
            if wanted == str(series.id) or wanted.casefold() == (series.title or "").casefold():
                found = series
        if found is None:
            raise UserError(
                f"No repeating series matches {text!r}; pick one from the suggestions as you type."
            )
        return found
