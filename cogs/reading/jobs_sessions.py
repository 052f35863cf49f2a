"""Scheduled work of sessions of every kind: the repeating series and the goal prompt.

Kinds, keys and grace (how late after downtime each may still run):
- session-series:<series>:<n>   create occurrence n of a series, plan n+1   365 days
- session-goal-ask:<session>    "what will you get done?" in the thread    30 min
- session-goal-check:<session>  "did you?" with Done / Partly / Not        1 day
A late series tick skips an occurrence that has already started but keeps the chain going.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.db import Transaction
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, Scheduler, SkipOccurrence
from bot.ui import HammingView
from cogs.reading import store, store_series, store_sessions
from cogs.reading.messages import pinging
from cogs.reading.messages_sessions import goal_ask_text, goal_check_text, plain_wrapup_text
from cogs.reading.recurrence import Recurrence
from cogs.reading.views_sessions import goal_view, outcome_view

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.reading.announcements import Announcements
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)

SERIES = Kind("session-series", timedelta(days=365), ("series", "n"))
GOAL_ASK = Kind("session-goal-ask", timedelta(minutes=30), ("session",))
GOAL_CHECK = Kind("session-goal-check", timedelta(days=1), ("session",))


def recurrence_of(series: store_series.SessionSeries) -> Recurrence:
    return Recurrence(series.rule, series.first_start, ZoneInfo(series.zone))  # type: ignore[arg-type]


def series_origin(series_id: int, n: int) -> str:
    """What created occurrence n (reading_sessions.origin: its creation happens once)."""
    return f"kind-series:{series_id}:{n}"


async def schedule_series_tick(
    scheduler: Scheduler, series: store_series.SessionSeries, n: int, days_ahead: int
) -> str:
    """The occurrence that creates occurrence n, due `days_ahead` days before it; its key."""
    key = SERIES.key(series.id, n)
    due = recurrence_of(series).start(n) - timedelta(days=days_ahead)
    await scheduler.schedule(
        key, SERIES, due, guild_id=series.guild_id, payload={"series": series.id, "n": n}
    )
    return key


async def end_plain_session(
    bot: HammingBot,
    posts: Announcements,
    session: store_sessions.ReadingSession,
    occurrence: Occurrence,
) -> None:
    """The wrap-up of a session that is not a reading: no queue and no lead to propose."""
    async with bot.db.transaction() as tx:
        await store_sessions.update_session_status(tx, session.id, "done")
    await posts.post_in_discussion(session, plain_wrapup_text(session), nonce=occurrence.nonce())
    done = await store_sessions.get_session(bot.db, session.id)
    if done is not None:
        await posts.refresh_announcement(done)
    guild = bot.get_guild(session.guild_id)
    if guild is not None:
        await posts.set_event_status(guild, session.event_id, "end")


class SessionJobs:
    def __init__(self, service: ReadingService) -> None:
        self.service = service
        self.bot = service.bot

    def jobs(self) -> list[Job]:
        return [
            Job(SERIES, self.series_tick),
            Job(GOAL_ASK, self.goal_ask),
            Job(GOAL_CHECK, self.goal_check),
        ]

    # -- series ---------------------------------------------------------------------------------

    async def create_occurrence(
        self, tx: Transaction, series: store_series.SessionSeries, n: int
    ) -> int | None:
        """Store occurrence n (once: by its origin); None when it needs a reading and none is
        queued."""
        origin = series_origin(series.id, n)
        existing = await store_sessions.get_session_by_origin(tx, origin)
        if existing is not None:
            return existing.id
        item = None
        if series.kind == "reading":
            item = await store.get_next_queued_item(tx, series.guild_id)
            if item is None:
                return None
        return await self.service.create_session(
            tx,
            series.guild_id,
            item=item,
            starts_at=recurrence_of(series).start(n),
            duration=timedelta(minutes=series.minutes),
            channel_id=series.channel_id,
            voice_channel_id=series.voice_channel_id,
            lead_id=series.lead_id,
            origin=origin,
            created_by=series.created_by,
            kind=series.kind,
            title=series.title,
            goal_prompt=series.goal_prompt,
            series_id=series.id,
        )

    async def series_tick(self, occurrence: Occurrence) -> None:
        series = await store_series.get_series(self.bot.db, int(occurrence.payload["series"]))
        if series is None or series.status != "active":
            raise SkipOccurrence("the series was stopped")
        n = int(occurrence.payload["n"])
        start = recurrence_of(series).start(n)
        settings = await store.get_settings(self.bot.db, series.guild_id)
        empty = False
        async with self.bot.db.transaction() as tx:
            if start > self.service.now():
                empty = await self.create_occurrence(tx, series, n) is None
            # The chain: each tick plans the next, in the same transaction.
            await schedule_series_tick(self.bot.scheduler, series, n + 1, settings.days_ahead)
        if empty:
            channel = self.bot.get_partial_messageable(series.channel_id, guild_id=series.guild_id)
            await channel.send(
                f"The reading session of <t:{int(start.timestamp())}:F> has nothing to read: the"
                " queue is empty. Add readings with `/reading add`; the series goes on.",
                nonce=occurrence.nonce("empty"),
            )

    async def plan_series(self, now: datetime) -> None:
        """At start-up: every active series has its next tick (idempotent by key)."""
        for series in await store_series.list_active_series(self.bot.db):
            settings = await store.get_settings(self.bot.db, series.guild_id)
            n = recurrence_of(series).first_after(now)
            await schedule_series_tick(self.bot.scheduler, series, n, settings.days_ahead)

    # -- the goal prompt ------------------------------------------------------------------------

    async def _thread(self, session: store_sessions.ReadingSession) -> int:
        """The session's thread; one is started on the announcement when it has none."""
        if session.thread_id is not None or session.message_id is None:
            return session.discussion_channel_id
        channel = self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)
        message = channel.get_partial_message(session.message_id)
        thread_id = await self.service.posts.open_thread(message, session)  # type: ignore[arg-type]
        if thread_id is None:
            return session.channel_id
        await store_sessions.update_session_thread(self.bot.db, session.id, thread_id)
        return thread_id

    async def _post(
        self,
        session: store_sessions.ReadingSession,
        content: str,
        view: HammingView,
        occurrence: Occurrence,
        ping: list[int],
    ) -> None:
        thread_id = await self._thread(session)
        channel = self.bot.get_partial_messageable(thread_id, guild_id=session.guild_id)
        await channel.send(
            content, view=view, nonce=occurrence.nonce(), allowed_mentions=pinging(ping)
        )

    async def _going(self, session: store_sessions.ReadingSession) -> list[int]:
        rsvps = await store_sessions.list_rsvps(self.bot.db, session.id)
        going = [user for user, choice in rsvps.items() if choice == "going"]
        return await self.service.reachable(session.guild_id, going)

    async def goal_ask(self, occurrence: Occurrence) -> None:
        session = await store_sessions.get_session(self.bot.db, int(occurrence.payload["session"]))
        if session is None or session.status != "scheduled" or not session.goal_prompt:
            raise SkipOccurrence("the session is not on, or asks for no goals")
        going = await self._going(session)
        await self._post(
            session, goal_ask_text(session, going), goal_view(session.id), occurrence, going
        )

    async def goal_check(self, occurrence: Occurrence) -> None:
        session = await store_sessions.get_session(self.bot.db, int(occurrence.payload["session"]))
        if session is None or session.status == "cancelled" or not session.goal_prompt:
            raise SkipOccurrence("the session was cancelled, or asks for no goals")
        with_goal = await store_series.list_goal_members(self.bot.db, session.id)
        asked = sorted(set(with_goal) | set(await self._going(session)))
        await self._post(
            session, goal_check_text(session, asked), outcome_view(session.id), occurrence, asked
        )
        log.info("session %s: asked %d members how their goals went", session.id, len(asked))
