"""What the reading group's commands and buttons do: validation, transactions, replanning.

Creating a session stores it and all its occurrences in one transaction; everything that
talks to Discord (the scheduled event, the announcement, reminders) then happens in ledger
occurrences (jobs.py, announcements.py), so a restart never doubles nor loses one. Commands
that need the result at once perform the occurrence they made due (`scheduler.run_now`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord

from bot import guilds, members
from bot.db import Database, Transaction
from bot.guild_settings import GuildSettings
from bot.ledger import list_occurrences
from bot.ui import UserError
from cogs.reading import store, store_polls, store_sessions
from cogs.reading.announcements import Announcements
from cogs.reading.jobs import (
    CANCEL,
    POLL_CLOSE,
    POLL_POST,
    PUBLISH,
    RECURRING,
    REMINDER,
    START,
    UPDATE,
    WRAPUP,
    schedule_series_tick,
    session_plan,
)
from cogs.reading.jobs_sessions import GOAL_ASK, GOAL_CHECK
from cogs.reading.logic import (
    MAX_ACTIVE_EVENTS,
    REMINDED,
    Choice,
    Series,
    next_lead,
    series_text,
    toggled,
)
from cogs.reading.messages import announcement_embed, offsets_shown, poll_embed, settings_shown
from cogs.reading.views import poll_view, rsvp_view

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class ReadingService:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        self.posts = Announcements(bot)
        self.settings = GuildSettings(
            bot.db,
            bot.clock,
            read=store.get_settings,
            write=store.upsert_channel_settings,
            shown=settings_shown,
        )

    @property
    def db(self) -> Database:
        return self.bot.db

    def now(self) -> datetime:
        return self.bot.clock.now()

    async def create_session(
        self,
        tx: Transaction,
        guild_id: int,
        *,
        item: store.ReadingItem | None,
        starts_at: datetime,
        duration: timedelta,
        channel_id: int,
        voice_channel_id: int | None,
        lead_id: int | None,
        origin: str | None,
        created_by: int | None,
        kind: str = "reading",
        title: str | None = None,
        goal_prompt: bool = False,
        series_id: int | None = None,
    ) -> int:
        """Store a session with its publish, reminder, start and wrap-up occurrences (and the
        goal prompt's, when asked); a reading without a reading is an open discussion."""
        now = self.now()
        title = title or (item.title if item else "Open discussion")
        session_id = await store_sessions.insert_session(
            tx,
            guild_id,
            item_id=item.id if item else None,
            title=title,
            url=item.url if item else None,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            channel_id=channel_id,
            voice_channel_id=voice_channel_id,
            lead_id=lead_id,
            origin=origin,
            created_by=created_by,
            now=now,
            kind=kind,
            goal_prompt=goal_prompt,
            series_id=series_id,
        )
        if item is not None:
            await store.update_item_status(tx, item.id, "scheduled", now)
        payload = {"session": session_id}
        scheduler = self.bot.scheduler
        await scheduler.schedule(
            PUBLISH.key(session_id),
            PUBLISH,
            now,
            guild_id=guild_id,
            payload=payload,
        )
        settings = await store.get_settings(tx, guild_id)
        for planned in session_plan(
            session_id, starts_at, starts_at + duration, settings.offsets, now, goals=goal_prompt
        ):
            await scheduler.schedule(
                planned.key, planned.kind, planned.due_at, guild_id=guild_id, payload=payload
            )
        log.info(
            "guild %s: session %s (%s) created by %s for %s",
            guild_id,
            session_id,
            title,
            created_by or origin,
            starts_at.isoformat(),
        )
        return session_id

    async def replan_session(self, session: store_sessions.ReadingSession) -> None:
        """After a reschedule: move pending occurrences; reminders already sent stay sent."""
        now = self.now()
        settings = await store.get_settings(self.db, session.guild_id)
        plan = session_plan(
            session.id,
            session.starts_at,
            session.ends_at,
            settings.offsets,
            now,
            goals=session.goal_prompt,
        )
        planned = {p.key: p for p in plan}
        scheduler = self.bot.scheduler
        async with self.db.transaction():
            pending = await list_occurrences(
                self.db, guild_id=session.guild_id, kind=REMINDER.name, limit=10_000
            )
            for occurrence in pending:
                if occurrence.key.startswith(REMINDER.prefix(session.id)) and (
                    occurrence.key not in planned
                ):
                    await scheduler.cancel(key=occurrence.key)
            for key, item in planned.items():
                if not await scheduler.reschedule(key, item.due_at):
                    await scheduler.schedule(
                        key,
                        item.kind,
                        item.due_at,
                        guild_id=session.guild_id,
                        payload={"session": session.id},
                    )

    async def cancel_pending(self, session_id: int) -> int:
        """Cancel one session's pending work: publish, reminders, start and wrap-up."""
        scheduler = self.bot.scheduler
        cancelled = await scheduler.cancel(prefix=REMINDER.prefix(session_id))
        for kind in (PUBLISH, START, WRAPUP, GOAL_ASK, GOAL_CHECK):
            cancelled += await scheduler.cancel(key=kind.key(session_id))
        return cancelled

    async def choose_lead(self, guild: discord.Guild | None, guild_id: int) -> int | None:
        """The fair rotation (see logic.next_lead) among current human members who are not
        paused (/me pause): a paused member is not proposed nor assigned as lead."""
        history = await store_sessions.list_past_sessions(self.db, guild_id)
        paused = await members.list_paused_ids(self.db, guild_id, self.now())
        present = (
            [m.id for m in guild.members if not m.bot and m.id not in paused]
            if guild is not None
            else []
        )
        return next_lead(history, present)

    async def reachable(self, guild_id: int, user_ids: list[int]) -> list[int]:
        """Those of `user_ids` who are neither paused nor gone: who reminders go to."""
        paused = await members.list_paused_ids(self.db, guild_id, self.now())
        return [user for user in user_ids if user not in paused]

    # -- checks commands run before changing anything ---------------------------------------

    async def reading_channel(self, guild_id: int) -> int:
        settings = await store.get_settings(self.db, guild_id)
        if settings.channel_id is None:
            raise UserError(
                "The reading group has no announcement channel yet; a moderator sets it with"
                " `/config reading setup channel:`."
            )
        return settings.channel_id

    def check_voice_channel(
        self, guild: discord.Guild, channel: discord.VoiceChannel | discord.StageChannel | None
    ) -> int | None:
        if channel is None:
            return None
        cached = guild.get_channel(channel.id)
        if not isinstance(cached, discord.VoiceChannel | discord.StageChannel) or not (
            cached.permissions_for(guild.me).view_channel
        ):
            raise UserError(
                f"I can't see {channel.mention}, so I can't host the event there. Give me the"
                " View Channel permission there, or leave `voice_channel:` out to make it an"
                " event in the announcement channel."
            )
        return cached.id

    async def check_event_room(self, guild: discord.Guild) -> None:
        """Refuse before anything changes when Discord would refuse the event."""
        me = guild.me
        if not (me.guild_permissions.manage_events or me.guild_permissions.create_events):
            raise UserError(
                "I need the Manage Events permission to create the server event; ask a"
                " moderator to grant it."
            )
        events = await guild.fetch_scheduled_events(with_counts=False)
        active = sum(
            1
            for e in events
            if e.status in (discord.EventStatus.scheduled, discord.EventStatus.active)
        )
        if active >= MAX_ACTIVE_EVENTS:
            raise UserError(
                f"This server already has {active} scheduled or active events, Discord's"
                f" limit is {MAX_ACTIVE_EVENTS}. Cancel or end some events first."
            )

    async def reminded_members(self, session_id: int) -> list[int]:
        rsvps = await store_sessions.list_rsvps(self.db, session_id)
        return [user for user, choice in rsvps.items() if choice in REMINDED]

    # -- buttons -----------------------------------------------------------------------------

    async def answer_rsvp(
        self, interaction: discord.Interaction[HammingBot], session_id: int, choice: Choice
    ) -> None:
        session = await store_sessions.get_session(self.db, session_id)
        if session is None or session.guild_id != interaction.guild_id:
            raise UserError("This session no longer exists.")
        if session.status == "cancelled":
            raise UserError("This session was cancelled.")
        if session.status == "done" or session.ends_at <= self.now():
            raise UserError("This session is over; RSVPs are closed.")
        async with self.db.transaction() as tx:
            current = await store_sessions.get_rsvp(tx, session_id, interaction.user.id)
            await store_sessions.upsert_rsvp(
                tx, session_id, interaction.user.id, toggled(current, choice), self.now()
            )
        rsvps = await store_sessions.list_rsvps(self.db, session_id)
        await interaction.response.edit_message(
            embed=announcement_embed(session, rsvps), view=rsvp_view(session, rsvps)
        )
        log.info(
            "guild %s: %s answered %s for session %s (was %s)",
            session.guild_id,
            interaction.user.id,
            toggled(current, choice),
            session_id,
            current,
        )

    async def answer_poll(
        self, interaction: discord.Interaction[HammingBot], poll_id: int, position: int
    ) -> None:
        poll = await store_polls.get_poll(self.db, poll_id)
        if poll is None or poll.guild_id != interaction.guild_id:
            raise UserError("This poll no longer exists.")
        if poll.status != "open" or poll.closes_at <= self.now():
            raise UserError("This poll has closed.")
        async with self.db.transaction() as tx:
            attending = await store_polls.toggle_poll_vote(
                tx, poll_id, position, interaction.user.id
            )
        tallies = await store_polls.list_poll_tallies(self.db, poll_id)
        title = await self.posts.poll_title(poll)
        await interaction.response.edit_message(
            embed=poll_embed(poll, title, tallies, self.now()), view=poll_view(poll, tallies)
        )
        log.info(
            "guild %s: %s %s option %s of poll %s",
            poll.guild_id,
            interaction.user.id,
            "chose" if attending else "unchose",
            position,
            poll_id,
        )

    # -- polls ----------------------------------------------------------------------------------

    async def open_poll(
        self,
        guild_id: int,
        *,
        channel_id: int,
        item: store.ReadingItem | None,
        duration: timedelta,
        voice_channel_id: int | None,
        closes_at: datetime,
        options: Sequence[datetime],
        created_by: int,
    ) -> int:
        """Store a time poll with its closing, and post it at once; returns its id."""
        now = self.now()
        async with self.db.transaction() as tx:
            poll_id = await store_polls.insert_poll(
                tx,
                guild_id,
                channel_id=channel_id,
                item_id=item.id if item else None,
                minutes=int(duration.total_seconds() // 60),
                voice_channel_id=voice_channel_id,
                lead_id=None,
                closes_at=closes_at,
                options=options,
                created_by=created_by,
                now=now,
            )
            payload = {"poll": poll_id}
            scheduler = self.bot.scheduler
            await scheduler.schedule(
                POLL_CLOSE.key(poll_id), POLL_CLOSE, closes_at, guild_id=guild_id, payload=payload
            )
            await scheduler.schedule(
                POLL_POST.key(poll_id), POLL_POST, now, guild_id=guild_id, payload=payload
            )
        await scheduler.run_now(POLL_POST.key(poll_id))
        return poll_id

    # -- moving and cancelling a session -------------------------------------------------------

    async def reschedule(
        self, session: store_sessions.ReadingSession, starts_at: datetime, duration: timedelta
    ) -> tuple[store_sessions.ReadingSession, str]:
        """Move a session and its pending work; returns it and the key of the Discord update
        (event, announcement, notice), due now."""
        async with self.db.transaction() as tx:
            revision = await store_sessions.update_session_times(
                tx, session.id, starts_at, starts_at + duration
            )
            moved = await store_sessions.get_session(tx, session.id)
            assert moved is not None
            await self.replan_session(moved)
            key = UPDATE.key(session.id, revision)
            await self.bot.scheduler.schedule(
                key,
                UPDATE,
                self.now(),
                guild_id=session.guild_id,
                payload={"session": session.id, "revision": revision},
            )
        return moved, key

    async def cancel(self, session: store_sessions.ReadingSession) -> str:
        """Cancel a session: its reading goes back into the queue, its pending work goes; returns
        the key of the Discord cancellation (event, announcement, DMs), due now."""
        now = self.now()
        async with self.db.transaction() as tx:
            if not await store_sessions.update_session_status(tx, session.id, "cancelled"):
                raise UserError("That session is no longer scheduled.")
            if session.item_id and not await store_sessions.count_upcoming_sessions_for_item(
                tx, session.item_id, now, excluding=session.id
            ):
                await store.update_item_status(tx, session.item_id, "queued", now)
            await self.cancel_pending(session.id)
            key = CANCEL.key(session.id)
            await self.bot.scheduler.schedule(
                key, CANCEL, now, guild_id=session.guild_id, payload={"session": session.id}
            )
        return key

    # -- settings and the weekly series --------------------------------------------------------

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

        def change(old: store.ReadingSettings) -> store.ReadingSettings:
            return replace(
                old,
                channel_id=channel_id,
                offsets=old.offsets if offsets is None else tuple(offsets),
                days_ahead=days_ahead or old.days_ahead,
            )

        async def after(
            tx: Transaction, old: store.ReadingSettings, new: store.ReadingSettings
        ) -> None:
            if old.series is not None and new.days_ahead != old.days_ahead:
                await self.restart_series(guild_id, self.now())

        saved = await self.settings.save(guild_id, actor_id, change, after=after)
        log.info(
            "guild %s: %s set reading channel %s, reminders %s, days ahead %s",
            guild_id,
            actor_id,
            channel_id,
            offsets_shown(saved.new.offsets),
            saved.new.days_ahead,
        )
        return saved.new

    async def restart_series(self, guild_id: int, now: datetime) -> None:
        """The series' pending tick moves to the new lead time (a new generation)."""
        async with self.db.transaction() as tx:
            generation = await store.update_series_generation(tx, guild_id)
            settings = await store.get_settings(tx, guild_id)
            await self.bot.scheduler.cancel(prefix=RECURRING.prefix(guild_id))
            if settings.series is not None:
                zone = await guilds.get_guild_zone(self.db, guild_id)
                await schedule_series_tick(
                    self.bot.scheduler, guild_id, settings.series, generation, now, zone
                )

    async def set_series(
        self, guild_id: int, actor_id: int, series: Series | None, zone: ZoneInfo
    ) -> str | None:
        """Start, change or (None) stop the weekly series, audited; returns the key of its
        first tick. Its setting reads in the server's zone, so it is audited here rather than
        through `self.settings`."""
        old = await store.get_settings(self.db, guild_id)
        now = self.now()
        key = None
        async with self.db.transaction() as tx:
            generation = await store.update_series(
                tx,
                guild_id,
                weekday=series.weekday if series else None,
                at=f"{series.at:%H:%M}" if series else None,
                minutes=int(series.duration.total_seconds() // 60) if series else None,
                now=now,
            )
            await self.bot.scheduler.cancel(prefix=RECURRING.prefix(guild_id))
            if series is not None:
                key = await schedule_series_tick(
                    self.bot.scheduler, guild_id, series, generation, now, zone
                )
            await guilds.insert_audit(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                setting="reading.recurring",
                old_value=series_text(old.series, zone) if old.series else "off",
                new_value=series_text(series, zone) if series else "off",
                now=now,
            )
        log.info("guild %s: %s set the weekly series to %s", guild_id, actor_id, series)
        return key

    # -- what members name in commands ---------------------------------------------------------

    async def resolve_item(self, guild_id: int, text: str) -> store.ReadingItem:
        text = text.strip()
        item = None
        if text.startswith("id:") and text[3:].isdigit():
            item = await store.get_item(self.db, guild_id, int(text[3:]))
        elif text.isdigit():
            item = await store.get_item_at(self.db, guild_id, int(text))
        else:
            found = await store.list_items_titled(self.db, guild_id, text)
            item = found[0] if len(found) == 1 else None
        if item is None:
            raise UserError(
                f"No reading matches '{text[:80]}'. Pick one from the suggestions as you type,"
                " or give its position from `/reading list`."
            )
        return item

    async def resolve_session(self, guild_id: int, text: str) -> store_sessions.ReadingSession:
        digits = text.strip().removeprefix("id:")
        session = (
            await store_sessions.get_session(self.db, int(digits)) if digits.isdigit() else None
        )
        if session is None or session.guild_id != guild_id or session.status != "scheduled":
            raise UserError(
                "No upcoming session matches that; pick one from the suggestions as you type"
                " (see `/reading sessions`)."
            )
        return session
