"""The reading group's scheduled work: each kind is a ledger occurrence (exactly once).

Kinds, keys and grace (how late after downtime each may still run):
- reading-publish:<session>            event + announcement + thread         7 days*
- reading-reminder:<session>:<offset>  fan-out to Going/Maybe                 12 h*
- reading-reminder:<session>:<offset>:<user>  one DM (closed DMs: a mention)  6 h*
- reading-start:<session>              "starting now" in the thread           30 min
- reading-wrapup:<session>             mark discussed, propose next, lead     7 days
- reading-update:<session>:<revision>  a reschedule reaches Discord            1 day
- reading-cancel:<session>             cancel event, tell those who RSVPed    7 days
- reading-cancel:<session>:<user>      one "cancelled" DM                     1 day
- reading-poll-post:<poll>             the poll message                       7 days*
- reading-poll-close:<poll>            pick the winner, schedule it           30 days
- reading-recurring:<guild>:g<gen>:<start>  create the series' next session   365 days
- reading-comment:<session>:<user>     after the session: "did you comment?"  3 days
  (planned by the wrap-up; jobs_comments.py)
(*) and never once the session (or poll) has started (closed): that is checked inside.
The per-member kinds are fan-outs (`scheduler.fan_out`): their keys are the parent's key
and the member's id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord

from bot import guilds
from bot.clock import from_unix, to_unix
from bot.db import Transaction
from bot.delivery import send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence
from bot.members import get_member_state
from bot.scheduler import Kind, Scheduler, SkipOccurrence
from cogs.reading import store, store_polls, store_sessions
from cogs.reading.jobs_comments import COMMENT_PROMPT, plan_comment_prompts, send_comment_prompt
from cogs.reading.jobs_sessions import GOAL_ASK, GOAL_CHECK, end_plain_session
from cogs.reading.logic import (
    FEATURE,
    REMINDED,
    Series,
    poll_winner,
    series_due,
    series_origin,
    series_resume_after,
    series_start_after,
)
from cogs.reading.messages import (
    cancelled_text,
    moved_text,
    pinging,
    poll_result_text,
    reminder_text,
    series_empty_text,
    start_text,
    wrapup_text,
)

if TYPE_CHECKING:
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)

PUBLISH = Kind("reading-publish", timedelta(days=7), ("session",))
REMINDER = Kind("reading-reminder", timedelta(hours=12), ("session", "offset"))
REMINDER_MEMBER = Kind("reading-reminder-member", timedelta(hours=6), ("parent", "user"))
START = Kind("reading-start", timedelta(minutes=30), ("session",))
WRAPUP = Kind("reading-wrapup", timedelta(days=7), ("session",))
UPDATE = Kind("reading-update", timedelta(days=1), ("session", "revision"))
CANCEL = Kind("reading-cancel", timedelta(days=7), ("session",))
CANCEL_MEMBER = Kind("reading-cancel-member", timedelta(days=1), ("parent", "user"))
POLL_POST = Kind("reading-poll-post", timedelta(days=7), ("poll",))
POLL_CLOSE = Kind("reading-poll-close", timedelta(days=30), ("poll",))
# "g<generation>": a changed series never reuses the keys of the ticks it replaced.
RECURRING = Kind("reading-recurring", timedelta(days=365), ("guild", "generation", "start"))


@dataclass(frozen=True)
class PlannedOccurrence:
    key: str
    kind: Kind
    due_at: datetime


def session_plan(
    session_id: int,
    starts_at: datetime,
    ends_at: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
    *,
    goals: bool = False,
) -> list[PlannedOccurrence]:
    """Reminders (only those still ahead), the start message and the wrap-up of one session,
    and with `goals` the goal prompt's two questions (at the start and at the end)."""
    plan = [
        PlannedOccurrence(
            REMINDER.key(session_id, int(offset.total_seconds())), REMINDER, starts_at - offset
        )
        for offset in sorted(set(offsets), reverse=True)
        if starts_at - offset > now
    ]
    plan.append(PlannedOccurrence(START.key(session_id), START, starts_at))
    plan.append(PlannedOccurrence(WRAPUP.key(session_id), WRAPUP, ends_at))
    if goals:
        plan.append(PlannedOccurrence(GOAL_ASK.key(session_id), GOAL_ASK, starts_at))
        plan.append(PlannedOccurrence(GOAL_CHECK.key(session_id), GOAL_CHECK, ends_at))
    return plan


def series_tick_key(guild_id: int, generation: int, start: datetime) -> str:
    """The occurrence that creates one session of the series (per series generation)."""
    return RECURRING.key(guild_id, f"g{generation}", int(start.timestamp()))


async def schedule_series_tick(
    scheduler: Scheduler,
    guild_id: int,
    series: Series,
    generation: int,
    after: datetime,
    zone: ZoneInfo,
) -> str:
    """The occurrence that creates the series' first session strictly after `after`; its key."""
    start = series_start_after(after, series, zone)
    key = series_tick_key(guild_id, generation, start)
    await scheduler.schedule(
        key,
        RECURRING,
        series_due(start, series),
        guild_id=guild_id,
        payload={"start": to_unix(start), "generation": generation},
    )
    return key


def member_of(occurrence: Occurrence) -> int:
    """The member of a fan-out child (`user` in those recorded before fan-outs)."""
    payload = occurrence.payload
    return int(payload["user_id"] if "user_id" in payload else payload["user"])


class ReadingJobs:
    def __init__(self, service: ReadingService) -> None:
        self.service = service
        self.posts = service.posts
        self.bot = service.bot

    def jobs(self) -> list[Job]:
        return [
            Job(PUBLISH, self.publish),
            Job(REMINDER, self.remind),
            Job(REMINDER_MEMBER, self.remind_member),
            Job(START, self.start),
            Job(WRAPUP, self.wrapup),
            Job(UPDATE, self.update),
            Job(CANCEL, self.cancel),
            Job(CANCEL_MEMBER, self.cancel_member),
            Job(POLL_POST, self.poll_post),
            Job(POLL_CLOSE, self.poll_close),
            Job(RECURRING, self.series_tick),
            Job(COMMENT_PROMPT, self.comment_prompt),
        ]

    async def comment_prompt(self, occurrence: Occurrence) -> None:
        await send_comment_prompt(self.service, occurrence)

    # -- helpers -------------------------------------------------------------------------------

    async def _session(self, occurrence: Occurrence) -> store_sessions.ReadingSession:
        session = await store_sessions.get_session(self.bot.db, int(occurrence.payload["session"]))
        if session is None:
            raise SkipOccurrence("the session no longer exists")
        return session

    async def _scheduled(self, occurrence: Occurrence) -> store_sessions.ReadingSession:
        session = await self._session(occurrence)
        if session.status != "scheduled":
            raise SkipOccurrence(f"the session is {session.status}")
        return session

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise SkipOccurrence(f"not in guild {guild_id} any more")
        return guild

    # -- publishing ----------------------------------------------------------------------------

    async def publish(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        if session.starts_at <= self.service.now():
            raise SkipOccurrence("the session started before it could be announced")
        guild = self._guild(session.guild_id)
        try:
            await self.posts.ensure_event(guild, session, retry=occurrence.attempts > 1)
        except discord.Forbidden as exc:
            log.warning("guild %s: may not create events (%s); announcing without", guild.id, exc)
        session = await self._session(occurrence)
        if session.message_id is None:
            await self.posts.announce(session, occurrence)

    # -- reminders -----------------------------------------------------------------------------

    async def remind(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        now = self.service.now()
        if session.starts_at <= now:
            raise SkipOccurrence("the session has started")
        planned = await self.service.reminded_members(session.id)
        # Paused members (/me pause) and those who left get no reading reminders.
        members = await self.service.reachable(session.guild_id, planned)
        await self.bot.scheduler.fan_out(
            REMINDER_MEMBER,
            occurrence.key,
            members,
            now,
            guild_id=session.guild_id,
            payload={"session": session.id},
        )
        log.info(
            "session %s: reminder %s goes to %d members (%d paused or gone)",
            session.id,
            occurrence.key,
            len(members),
            len(planned) - len(members),
        )

    async def remind_member(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        user_id = member_of(occurrence)
        if session.starts_at <= self.service.now():
            raise SkipOccurrence("the session has started")
        if await store_sessions.get_rsvp(self.bot.db, session.id, user_id) not in REMINDED:
            raise SkipOccurrence("the member no longer plans to come")
        if not await self.service.reachable(session.guild_id, [user_id]):
            raise SkipOccurrence("the member is paused or left the server")
        outcome = await send_dm_or_fallback(
            self.bot,
            guild_id=session.guild_id,
            user_id=user_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=session.discussion_channel_id,
            content=reminder_text(session),
            feature=FEATURE,
        )
        # One line per member would flood the log; the ledger keeps each send.
        log.debug("session %s: reminded %s (%s)", session.id, user_id, outcome.value)

    # -- start and wrap-up ---------------------------------------------------------------------

    async def start(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        rsvps = await store_sessions.list_rsvps(self.bot.db, session.id)
        going = [user for user, choice in rsvps.items() if choice == "going"]
        if session.lead_id is not None and session.lead_id not in going:
            going.append(session.lead_id)
        # "Starting now" is the last reminder: it does not ping paused or departed members.
        going = await self.service.reachable(session.guild_id, going)
        await self.posts.post_in_discussion(
            session, start_text(session, going), nonce=occurrence.nonce(), ping=going
        )
        guild = self.bot.get_guild(session.guild_id)
        if guild is not None:
            await self.posts.set_event_status(guild, session.event_id, "start")

    async def wrapup(self, occurrence: Occurrence) -> None:
        session = await self._session(occurrence)
        if session.status == "cancelled":
            raise SkipOccurrence("the session was cancelled")
        if session.kind != "reading":
            await end_plain_session(self.bot, self.posts, session, occurrence)
            return
        db = self.bot.db
        now = self.service.now()
        async with db.transaction() as tx:
            if (
                await store_sessions.update_session_status(tx, session.id, "done")
                and session.item_id
            ):
                others = await store_sessions.count_upcoming_sessions_for_item(
                    tx, session.item_id, now, excluding=session.id
                )
                if not others:
                    await store.update_item_status(tx, session.item_id, "discussed", now)
        await plan_comment_prompts(self.service, session)
        guild = self.bot.get_guild(session.guild_id)
        next_item = await store.get_next_queued_item(db, session.guild_id)
        lead = await self.service.choose_lead(guild, session.guild_id)
        settings = await store.get_settings(db, session.guild_id)
        await self.posts.post_in_discussion(
            session,
            wrapup_text(session, next_item, settings.series is not None, lead),
            nonce=occurrence.nonce(),
            ping=[lead] if lead else [],
        )
        done = await self._session(occurrence)
        await self.posts.refresh_announcement(done)
        if guild is not None:
            await self.posts.set_event_status(guild, session.event_id, "end")

    # -- reschedule and cancel ----------------------------------------------------------------

    async def update(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        if int(occurrence.payload.get("revision", session.revision)) != session.revision:
            raise SkipOccurrence("a later reschedule replaced this one")
        guild = self._guild(session.guild_id)
        event = await self.posts.fetch_event(guild, session.event_id)
        if event is not None and event.status is discord.EventStatus.scheduled:
            await event.edit(start_time=session.starts_at, end_time=session.ends_at)
        await self.posts.refresh_announcement(session)
        if session.message_id is None:
            return  # not announced yet: the announcement will show the new time
        ping = await self.service.reminded_members(session.id)
        await self.posts.post_in_discussion(
            session, moved_text(session, ping), nonce=occurrence.nonce(), ping=ping
        )

    async def cancel(self, occurrence: Occurrence) -> None:
        session = await self._session(occurrence)
        guild = self._guild(session.guild_id)
        await self.posts.set_event_status(guild, session.event_id, "cancel")
        await self.posts.refresh_announcement(session)
        # A cancellation is news, not a reminder: paused members hear it; departed ones don't.
        members = [
            user_id
            for user_id in await self.service.reminded_members(session.id)
            if (await get_member_state(self.bot.db, session.guild_id, user_id)).left_at is None
        ]
        await self.bot.scheduler.fan_out(
            CANCEL_MEMBER,
            occurrence.key,
            members,
            self.service.now(),
            guild_id=session.guild_id,
            payload={"session": session.id},
        )
        log.info("session %s: cancellation goes to %d members", session.id, len(members))

    async def cancel_member(self, occurrence: Occurrence) -> None:
        session = await self._session(occurrence)
        await send_dm_or_fallback(
            self.bot,
            guild_id=session.guild_id,
            user_id=member_of(occurrence),
            nonce=occurrence.nonce(),
            fallback_channel_id=session.discussion_channel_id,
            content=cancelled_text(session),
            feature=FEATURE,
        )

    # -- polls -----------------------------------------------------------------------------------

    async def poll_post(self, occurrence: Occurrence) -> None:
        poll = await store_polls.get_poll(self.bot.db, int(occurrence.payload["poll"]))
        if poll is None or poll.status != "open":
            raise SkipOccurrence("the poll is closed")
        if poll.message_id is not None:
            return
        await self.posts.post_poll(poll, occurrence)

    async def poll_close(self, occurrence: Occurrence) -> None:
        db = self.bot.db
        poll = await store_polls.get_poll(db, int(occurrence.payload["poll"]))
        if poll is None:
            raise SkipOccurrence("the poll no longer exists")
        now = self.service.now()
        winner = None
        if poll.status == "open":
            tallies = await store_polls.list_poll_tallies(db, poll.id)
            winner = poll_winner(tallies, now)
            guild = self.bot.get_guild(poll.guild_id)
            async with db.transaction() as tx:
                closed = await store_polls.update_poll_closed(
                    tx, poll.id, winner.position if winner else None
                )
                if closed and winner is not None:
                    session_id = await self._schedule_winner(tx, poll, winner.starts_at, guild)
                    # They said they can attend: mark them Going so that reminders reach them.
                    for user_id in sorted(winner.voters):
                        await store_sessions.upsert_rsvp(tx, session_id, user_id, "going", now)
        poll = await store_polls.get_poll(db, poll.id)
        assert poll is not None
        await self.posts.refresh_poll(poll)
        tallies = await store_polls.list_poll_tallies(db, poll.id)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        chosen = next((t for t in tallies if t.position == poll.winner), None)
        ping = sorted(chosen.voters) if chosen else []
        await channel.send(
            poll_result_text(chosen),
            nonce=occurrence.nonce("result"),
            allowed_mentions=pinging(ping),
        )

    async def _schedule_winner(
        self,
        tx: Transaction,
        poll: store_polls.Poll,
        starts_at: datetime,
        guild: discord.Guild | None,
    ) -> int:
        item = await store.get_item(tx, poll.guild_id, poll.item_id) if poll.item_id else None
        if item is None:
            item = await store.get_next_queued_item(tx, poll.guild_id)
        lead = poll.lead_id or await self.service.choose_lead(guild, poll.guild_id)
        return await self.service.create_session(
            tx,
            poll.guild_id,
            item=item,
            starts_at=starts_at,
            duration=timedelta(minutes=poll.minutes),
            channel_id=poll.channel_id,
            voice_channel_id=poll.voice_channel_id,
            lead_id=lead,
            origin=f"poll:{poll.id}",
            created_by=poll.created_by or None,  # FORMER_MEMBER (0): no one to credit
        )

    # -- the weekly series ----------------------------------------------------------------------

    async def series_tick(self, occurrence: Occurrence) -> None:
        guild_id = int(occurrence.guild_id or 0)
        settings = await store.get_settings(self.bot.db, guild_id)
        series = settings.series
        if series is None or settings.channel_id is None:
            raise SkipOccurrence("the weekly series was stopped")
        if int(occurrence.payload["generation"]) != settings.generation:
            raise SkipOccurrence("the weekly series was changed")
        start = from_unix(int(occurrence.payload["start"]))
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        now = self.service.now()
        empty = False
        async with self.bot.db.transaction() as tx:
            origin = series_origin(guild_id, start)
            if start > now and await store_sessions.get_session_by_origin(tx, origin) is None:
                item = await store.get_next_queued_item(tx, guild_id)
                empty = item is None
                if item is not None:
                    lead = await self.service.choose_lead(self.bot.get_guild(guild_id), guild_id)
                    await self.service.create_session(
                        tx,
                        guild_id,
                        item=item,
                        starts_at=start,
                        duration=series.duration,
                        channel_id=settings.channel_id,
                        voice_channel_id=None,
                        lead_id=lead,
                        origin=origin,
                        created_by=None,
                    )
            # The chain: each tick plans the next, in the same transaction.
            await schedule_series_tick(
                self.bot.scheduler, guild_id, series, settings.generation, start, zone
            )
        if empty:
            channel = self.bot.get_partial_messageable(settings.channel_id, guild_id=guild_id)
            await channel.send(series_empty_text(start), nonce=occurrence.nonce("empty"))

    async def plan_series(self, now: datetime) -> None:
        """At start-up: every series has its next tick (idempotent by key)."""
        for settings in await store.list_series_settings(self.bot.db):
            series = settings.series
            if series is None:
                continue
            zone = await guilds.get_guild_zone(self.bot.db, settings.guild_id)
            last = await store_sessions.get_last_series_start(self.bot.db, settings.guild_id)
            await schedule_series_tick(
                self.bot.scheduler,
                settings.guild_id,
                series,
                settings.generation,
                series_resume_after(now, last),
                zone,
            )
