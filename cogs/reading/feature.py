"""What the reading group tells the core's server-wide tools: /setup, /help, /me export and
forget, /config export and reset, and the weekly digest (see bot/features.py).

Forgetting a member deletes what is only theirs (RSVPs, poll votes, their reminders) and takes
their name off what the group shares: readings they added and polls they opened stay on the
list with no author (`FORMER_MEMBER`), sessions they led or created stay without that lead or
creator. After the commit, the announcements and poll messages that showed their name are
redrawn from the database, and the events they led lose the lead line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot import guilds
from bot.calendar import CalendarEvent
from bot.db import Database, Transaction
from bot.features import DigestSection, FeatureCog, FeatureStatus, Forgotten
from bot.member_sends import ListsMemberSends, MemberSend
from bot.page import PageSection
from bot.sending import THREAD_CHANNEL_PERMISSIONS
from bot.time import discord_timestamp
from cogs.reading import (
    pending,
    store,
    store_log,
    store_members,
    store_polls,
    store_series,
    store_sessions,
)
from cogs.reading.jobs import RECURRING
from cogs.reading.jobs_sessions import SERIES
from cogs.reading.kinds import headline
from cogs.reading.logic import (
    FEATURE,
    FORMER_MEMBER,
    DigestFacts,
    digest_lines,
    series_resume_after,
    series_text,
)
from cogs.reading.messages import event_link, offsets_shown
from cogs.reading.page import cohort_page as page_sections

if TYPE_CHECKING:
    from cogs.reading.config import ReadingConfig
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)
T = TypeVar("T")

CALENDAR_PAST = timedelta(days=90)  # past sessions stay in the feed this long

DIGEST_WINDOW = timedelta(days=7)  # "this week" in the digest: the seven days before it


def iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def snowflake(value: int | None) -> str | None:
    """Discord ids as strings in JSON: they pass 2**53, where JavaScript rounds numbers."""
    return str(value) if value else None


def item_json(item: store.ReadingItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "title": item.title,
        "url": item.url,
        "minutes": item.minutes,
        "notes": item.notes,
        "status": item.status,
        "added_at": iso(item.added_at),
    }


def session_json(session: store_sessions.ReadingSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "url": session.url,
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.ends_at),
        "status": session.status,
        "kind": session.kind,
    }


def series_json(series: store_series.SessionSeries) -> dict[str, Any]:
    return {
        "id": series.id,
        "kind": series.kind,
        "title": series.title,
        "repeat": series.rule,
        "first_start": iso(series.first_start),
        "status": series.status,
        "lead": snowflake(series.lead_id),
        "set_up_by": snowflake(series.created_by),
    }


def poll_json(poll: store_polls.Poll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "status": poll.status,
        "closes_at": iso(poll.closes_at),
        "minutes": poll.minutes,
        "winning_option": poll.winner,
    }


class ReadingFeature(ListsMemberSends, FeatureCog):
    """What the reading group tells the core (bot/features.py): declarations and hooks."""

    name = FEATURE
    title = "Reading group"
    command_prefixes = ("reading", "sessions", "config reading")
    setup_hint = (
        "`/config reading setup channel:` chooses where sessions and polls are announced;"
        " then fill the list with `/reading add` or `/reading starter-pack`."
    )
    channel_permissions = (*THREAD_CHANNEL_PERMISSIONS, "manage_events")

    # Set by ReadingCog.__init__.
    config_group: ReadingConfig
    service: ReadingService

    async def cohort_page(self, guild_id: int, now: datetime) -> Sequence[PageSection]:
        return await page_sections(self.bot.db, guild_id, now)

    async def member_sends(self, guild_id: int, user_id: int) -> list[MemberSend]:
        return await pending.member_sends(self.bot, guild_id, user_id)

    async def get_channel(self, guild_id: int) -> int | None:
        return (await self.service.settings.get(guild_id)).channel_id

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        await self.service.configure(guild_id, actor_id, channel_id)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        db = self.bot.db
        involved = await store_members.list_sessions_of_member(db, guild_id, user_id)
        polls = await store_members.list_polls_of_member(db, guild_id, user_id)
        return {
            "readings_added": [
                item_json(i) for i in await store_members.list_items_added_by(db, guild_id, user_id)
            ],
            "rsvps": [
                {
                    "session": session_json(r.session),
                    "answer": r.choice,
                    "answered_at": iso(r.updated_at),
                }
                for r in await store_members.list_member_rsvps(db, guild_id, user_id)
            ],
            "poll_votes": [
                {
                    "poll": v.poll_id,
                    "option": v.position,
                    "option_starts_at": iso(v.starts_at),
                    "poll_status": v.poll_status,
                    "poll_closes_at": iso(v.closes_at),
                }
                for v in await store_members.list_member_votes(db, guild_id, user_id)
            ],
            "sessions_led": [session_json(s) for s in involved if s.lead_id == user_id],
            "sessions_scheduled": [session_json(s) for s in involved if s.created_by == user_id],
            "polls_opened": [poll_json(p) for p in polls if p.created_by == user_id],
            "polls_to_lead": [poll_json(p) for p in polls if p.lead_id == user_id],
            "session_goals": await store_series.list_member_goals(db, guild_id, user_id),
            "series_led_or_set_up": [
                series_json(s) for s in await store_series.list_member_series(db, guild_id, user_id)
            ],
            **await self._export_log(guild_id, user_id),
        }

    async def _export_log(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """The reading log, its sharing choice and the after-reading comment answers."""
        db = self.bot.db
        return {
            "reading_log_shared": await store_log.get_sharing(db, guild_id, user_id),
            "reading_log": [
                {
                    "item": e.item_id,
                    "title": e.title,
                    "status": e.status,
                    "note": e.note,
                    "logged_at": iso(e.logged_at),
                }
                for e in await store_log.list_log(db, guild_id, user_id)
            ],
            "comments_after_sessions": [
                {
                    "session": c.session_id,
                    "answer": c.answer,
                    "link": c.link,
                    "answered_at": iso(c.answered_at),
                }
                for c in await store_log.list_member_comments(db, guild_id, user_id)
            ],
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        rsvps = await store_members.list_member_rsvps(tx, guild_id, user_id)
        votes = await store_members.list_member_votes(tx, guild_id, user_id)
        led = {
            s.id
            for s in await store_members.list_sessions_of_member(tx, guild_id, user_id)
            if s.lead_id == user_id and s.status != "cancelled"
        }
        shown = {r.session.id for r in rsvps if r.session.status != "cancelled"} | led
        polls = {v.poll_id for v in votes}
        rows = await store_members.delete_member_data(tx, guild_id, user_id, FORMER_MEMBER)
        rows += await store_series.delete_member_data(tx, guild_id, user_id)
        rows += await store_members.delete_member_occurrences(tx, guild_id, user_id)
        rows += await store_log.delete_member_log_data(tx, guild_id, user_id)

        posts = self.service.posts

        async def refresh_session(session: store_sessions.ReadingSession) -> None:
            await posts.refresh_announcement(session)
            if session.id in led:
                await posts.refresh_event(session)

        async def redraw() -> None:
            """Announcements, polls and events stop showing the member (counts too)."""
            await self._redraw_each("session", shown, store_sessions.get_session, refresh_session)
            await self._redraw_each("poll", polls, store_polls.get_poll, posts.refresh_poll)
            log.info(
                "forget: redrew %d sessions and %d polls of guild %s without member %s",
                len(shown),
                len(polls),
                guild_id,
                user_id,
            )

        return Forgotten(rows, redraw if shown or polls else None)

    async def _redraw_each(
        self,
        what: str,
        ids: set[int],
        get: Callable[[Database, int], Awaitable[T | None]],
        refresh: Callable[[T], Awaitable[None]],
    ) -> None:
        """Redraw each post that still exists; one that fails is logged, the rest go on."""
        for item_id in sorted(ids):
            item = await get(self.bot.db, item_id)
            if item is None:
                continue
            try:
                await refresh(item)
            except discord.HTTPException as exc:
                log.warning("forget: could not redraw %s %s: %s", what, item_id, exc)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        db = self.bot.db
        settings = await store.get_settings(db, guild_id)
        series = settings.series
        sessions = []
        for session in await store_sessions.list_sessions(db, guild_id):
            sessions.append(
                session_json(session)
                | {
                    "item": session.item_id,
                    "lead_id": snowflake(session.lead_id),
                    "event_id": snowflake(session.event_id),
                    "announcement_id": snowflake(session.message_id),
                    "rsvp_counts": await store_sessions.count_rsvps(db, session.id),
                }
            )
        polls = []
        for poll in await store_polls.list_polls(db, guild_id):
            tallies = await store_polls.list_poll_tallies(db, poll.id)
            polls.append(
                poll_json(poll)
                | {
                    "item": poll.item_id,
                    "options": [
                        {
                            "option": t.position,
                            "starts_at": iso(t.starts_at),
                            "votes": len(t.voters),
                        }
                        for t in tallies
                    ],
                }
            )
        return {
            "settings": {
                "channel_id": snowflake(settings.channel_id),
                "reminders": offsets_shown(settings.offsets),
                "reminder_seconds": [int(o.total_seconds()) for o in settings.offsets],
                "days_ahead": settings.days_ahead,
                "weekly_series": None
                if series is None
                else {
                    "weekday": series.weekday,
                    "time": f"{series.at:%H:%M}",
                    "minutes": int(series.duration.total_seconds() // 60),
                },
            },
            "readings": [item_json(i) for i in await store.list_items(db, guild_id)],
            "sessions": sessions,
            "polls": polls,
        }

    async def reset_guild(self, tx: Transaction, guild_id: int) -> None:
        # Sessions, RSVPs, polls and the list are members' data and stay; sessions already
        # scheduled keep their reminders. The weekly series stops: its pending tick goes.
        await store.update_settings_to_defaults(tx, guild_id, self.bot.clock.now())
        cancelled = await self.bot.scheduler.cancel(prefix=RECURRING.prefix(guild_id))
        # Repeating sessions of every kind (/sessions schedule repeat:) stop too.
        for series in await store_series.list_active_series(tx, guild_id):
            await store_series.stop_series(tx, series.id)
            cancelled += await self.bot.scheduler.cancel(prefix=SERIES.prefix(series.id))
        log.info("guild %s: reading settings reset (%d series ticks off)", guild_id, cancelled)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        db = self.bot.db
        upcoming = [
            s
            for s in await store_sessions.list_upcoming_sessions(db, guild_id, now)
            if s.starts_at > now
        ]
        first = upcoming[0] if upcoming else None
        counts = await store_sessions.count_rsvps(db, first.id) if first else {}
        polls = await store_polls.list_open_polls(db, guild_id)
        held = await store_sessions.list_sessions_between(db, guild_id, now - DIGEST_WINDOW, now)
        items = await store.count_items(db, guild_id)
        up_next = await store.get_next_queued_item(db, guild_id)
        facts = DigestFacts(
            next_title=first.title if first else None,
            next_starts_at=first.starts_at if first else None,
            next_going=counts.get("going", 0),
            next_maybe=counts.get("maybe", 0),
            next_lead=first.lead_id if first else None,
            later_sessions=max(len(upcoming) - 1, 0),
            poll_closes_at=polls[0].closes_at if polls else None,
            discussed=tuple(s.title for s in held),
            queued=items.get("queued", 0),
            up_next=up_next.title if up_next else None,
        )
        lines = digest_lines(facts)
        comments = await store_log.count_comments_between(db, guild_id, now - DIGEST_WINDOW, now)
        if comments:  # a count only: who commented, and where, stays with them
            lines = (*lines, f"Comments left on readings this week: {comments}")
        return DigestSection("Reading group", lines) if lines else None

    async def list_member_ids(self, guild_id: int) -> set[int]:
        db = self.bot.db
        return (
            await store_members.list_member_ids(db, guild_id)
            | await store_series.list_member_ids(db, guild_id)
            | await store_log.list_log_member_ids(db, guild_id)
        )

    async def zone_changed(self, guild_id: int) -> None:
        # The weekly series is kept in the server's local time: its pending tick moves to the
        # new zone as a new generation, so the old zone's tick can never run beside it (a
        # restart used to plan the new zone's tick next to the old one: two sessions a week).
        # Sessions already created keep their time (they were announced); the series goes on
        # from the slot after the latest one.
        last = await store_sessions.get_last_series_start(self.bot.db, guild_id)
        await self.service.restart_series(guild_id, series_resume_after(self.bot.clock.now(), last))

    async def status(self, guild_id: int) -> FeatureStatus:
        db = self.bot.db
        settings = await store.get_settings(db, guild_id)
        counts = await store.count_items(db, guild_id)
        upcoming = await store_sessions.list_upcoming_sessions(
            db, guild_id, self.bot.clock.now(), limit=1
        )
        if settings.channel_id is None:
            return FeatureStatus(
                self.title,
                False,
                f"not set up: `/config reading setup channel:`. {counts.get('queued', 0)} readings"
                " queued.",
            )
        parts = [
            f"announcements in <#{settings.channel_id}>",
            f"reminders {offsets_shown(settings.offsets)}",
            f"{counts.get('queued', 0)} queued of {sum(counts.values())} readings",
        ]
        if upcoming:
            parts.append(f"next session {discord_timestamp(upcoming[0].starts_at, 'F')}")
        if settings.series is not None:
            zone = await guilds.get_guild_zone(db, guild_id)
            parts.append(f"weekly: {series_text(settings.series, zone)}")
        return FeatureStatus(self.title, True, "; ".join(parts))

    async def calendar_events(self, guild_id: int) -> Sequence[CalendarEvent]:
        since = self.bot.clock.now() - CALENDAR_PAST
        sessions = await store_sessions.list_calendar_sessions(self.bot.db, guild_id, since)
        return [
            CalendarEvent(
                uid=f"reading-session-{s.id}@hamming",
                summary=headline(s.kind, s.title),
                start=s.starts_at,
                end=s.ends_at,
                description="\n".join(
                    line
                    for line in (
                        s.url,
                        f"Event: {event_link(s.guild_id, s.event_id)}" if s.event_id else None,
                    )
                    if line
                )
                or None,
                url=s.url,
            )
            for s in sessions
        ]
