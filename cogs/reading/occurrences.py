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
(*) and never once the session (or poll) has started (closed): that is checked inside.
"""

from __future__ import annotations

import logging
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
from bot.scheduler import Kind, SkipOccurrence
from bot.time import discord_timestamp
from cogs.reading import store
from cogs.reading.logic import (
    FEATURE,
    REMINDED,
    Series,
    poll_winner,
    series_due,
    series_key,
    series_origin,
    series_start_after,
)
from cogs.reading.service import pinging
from cogs.reading.views import mentions, poll_embed, poll_view

if TYPE_CHECKING:
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)


class ReadingOccurrences:
    def __init__(self, service: ReadingService) -> None:
        self.service = service
        self.bot = service.bot

    def jobs(self) -> list[Job]:
        kinds = {
            "reading-publish": (self.publish, timedelta(days=7)),
            "reading-reminder": (self.remind, timedelta(hours=12)),
            "reading-reminder-member": (self.remind_member, timedelta(hours=6)),
            "reading-start": (self.start, timedelta(minutes=30)),
            "reading-wrapup": (self.wrapup, timedelta(days=7)),
            "reading-update": (self.update, timedelta(days=1)),
            "reading-cancel": (self.cancel, timedelta(days=7)),
            "reading-cancel-member": (self.cancel_member, timedelta(days=1)),
            "reading-poll-post": (self.poll_post, timedelta(days=7)),
            "reading-poll-close": (self.poll_close, timedelta(days=30)),
            "reading-recurring": (self.series_tick, timedelta(days=365)),
        }
        return [Job(Kind(name, grace), handler) for name, (handler, grace) in kinds.items()]

    # -- helpers -------------------------------------------------------------------------------

    async def _session(self, occurrence: Occurrence) -> store.ReadingSession:
        session = await store.get_session(self.bot.db, int(occurrence.payload["session"]))
        if session is None:
            raise SkipOccurrence("the session no longer exists")
        return session

    async def _scheduled(self, occurrence: Occurrence) -> store.ReadingSession:
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
            await self.service.ensure_event(guild, session, retry=occurrence.attempts > 1)
        except discord.Forbidden as exc:
            log.warning("guild %s: may not create events (%s); announcing without", guild.id, exc)
        session = await self._session(occurrence)
        if session.message_id is None:
            await self.service.announce(session, occurrence)

    # -- reminders -----------------------------------------------------------------------------

    async def remind(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        now = self.service.now()
        if session.starts_at <= now:
            raise SkipOccurrence("the session has started")
        planned = await self.service.reminded_members(session.id)
        # Paused members (/me pause) and those who left get no reading reminders.
        members = await self.service.reachable(session.guild_id, planned)
        async with self.bot.db.transaction():
            for user_id in members:
                await self.bot.scheduler.schedule(
                    f"{occurrence.key}:{user_id}",
                    "reading-reminder-member",
                    now,
                    guild_id=session.guild_id,
                    payload={"session": session.id, "user": user_id},
                    user_id=user_id,
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
        user_id = int(occurrence.payload["user"])
        if session.starts_at <= self.service.now():
            raise SkipOccurrence("the session has started")
        if await store.get_rsvp(self.bot.db, session.id, user_id) not in REMINDED:
            raise SkipOccurrence("the member no longer plans to come")
        if not await self.service.reachable(session.guild_id, [user_id]):
            raise SkipOccurrence("the member is paused or left the server")
        text = self.service.reminder_text(session)
        outcome = await send_dm_or_fallback(
            self.bot,
            guild_id=session.guild_id,
            user_id=user_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=session.discussion_channel_id,
            content=text,
            feature=FEATURE,
        )
        # One line per member would flood the log; the ledger keeps each send.
        log.debug("session %s: reminded %s (%s)", session.id, user_id, outcome.value)

    # -- start and wrap-up ---------------------------------------------------------------------

    async def start(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        rsvps = await store.list_rsvps(self.bot.db, session.id)
        going = [user for user, choice in rsvps.items() if choice == "going"]
        if session.lead_id is not None and session.lead_id not in going:
            going.append(session.lead_id)
        # "Starting now" is the last reminder: it does not ping paused or departed members.
        going = await self.service.reachable(session.guild_id, going)
        where = (
            f"Join <#{session.voice_channel_id}>."
            if session.voice_channel_id
            else "The discussion is here."
        )
        lead = f" Lead: <@{session.lead_id}>." if session.lead_id else ""
        text = f"Starting now: **{session.title}**. {where}{lead}"
        if going:
            text += f"\n{mentions(going, 1500)}"
        await self.service.post_in_discussion(session, text, nonce=occurrence.nonce(), ping=going)
        guild = self.bot.get_guild(session.guild_id)
        if guild is not None:
            await self.service.set_event_status(guild, session.event_id, "start")

    async def wrapup(self, occurrence: Occurrence) -> None:
        session = await self._session(occurrence)
        if session.status == "cancelled":
            raise SkipOccurrence("the session was cancelled")
        db = self.bot.db
        now = self.service.now()
        async with db.transaction() as tx:
            if await store.update_session_status(tx, session.id, "done") and session.item_id:
                others = await store.count_upcoming_sessions_for_item(
                    tx, session.item_id, now, excluding=session.id
                )
                if not others:
                    await store.update_item_status(tx, session.item_id, "discussed", now)
        guild = self.bot.get_guild(session.guild_id)
        next_item = await store.get_next_queued_item(db, session.guild_id)
        lead = await self.service.choose_lead(guild, session.guild_id)
        settings = await store.get_settings(db, session.guild_id)
        lines = [f"Thanks for discussing **{session.title}**; it is marked discussed."]
        if next_item is not None:
            link = f" ({next_item.url})" if next_item.url else ""
            lines.append(f"Next in the queue: **{next_item.title}**{link}.")
            lines.append(
                "The weekly series will schedule it."
                if settings.series
                else "Schedule it with `/reading schedule`, or find a time with `/reading poll`."
            )
        else:
            lines.append("The queue is empty: add the next reading with `/reading add`.")
        if lead is not None:
            lines.append(
                f"Proposed lead next time: <@{lead}> (the lead rotates among members who came"
                " recently and haven't led recently)."
            )
        await self.service.post_in_discussion(
            session, "\n".join(lines), nonce=occurrence.nonce(), ping=[lead] if lead else []
        )
        done = await self._session(occurrence)
        await self.service.refresh_announcement(done)
        if guild is not None:
            await self.service.set_event_status(guild, session.event_id, "end")

    # -- reschedule and cancel ----------------------------------------------------------------

    async def update(self, occurrence: Occurrence) -> None:
        session = await self._scheduled(occurrence)
        if int(occurrence.payload.get("revision", session.revision)) != session.revision:
            raise SkipOccurrence("a later reschedule replaced this one")
        guild = self._guild(session.guild_id)
        event = await self.service.fetch_event(guild, session.event_id)
        if event is not None and event.status is discord.EventStatus.scheduled:
            await event.edit(start_time=session.starts_at, end_time=session.ends_at)
        await self.service.refresh_announcement(session)
        if session.message_id is None:
            return  # not announced yet: the announcement will show the new time
        ping = await self.service.reminded_members(session.id)
        start = session.starts_at
        text = (
            f"Moved: **{session.title}** now starts {discord_timestamp(start, 'F')}"
            f" ({discord_timestamp(start, 'R')})."
        )
        if ping:
            text += f"\n{mentions(ping, 1500)}"
        await self.service.post_in_discussion(session, text, nonce=occurrence.nonce(), ping=ping)

    async def cancel(self, occurrence: Occurrence) -> None:
        session = await self._session(occurrence)
        guild = self._guild(session.guild_id)
        await self.service.set_event_status(guild, session.event_id, "cancel")
        await self.service.refresh_announcement(session)
        # A cancellation is news, not a reminder: paused members hear it; departed ones don't.
        members = [
            user_id
            for user_id in await self.service.reminded_members(session.id)
            if (await get_member_state(self.bot.db, session.guild_id, user_id)).left_at is None
        ]
        async with self.bot.db.transaction():
            for user_id in members:
                await self.bot.scheduler.schedule(
                    f"{occurrence.key}:{user_id}",
                    "reading-cancel-member",
                    self.service.now(),
                    guild_id=session.guild_id,
                    payload={"session": session.id, "user": user_id},
                    user_id=user_id,
                )
        log.info("session %s: cancellation goes to %d members", session.id, len(members))

    async def cancel_member(self, occurrence: Occurrence) -> None:
        session = await self._session(occurrence)
        start = session.starts_at
        await send_dm_or_fallback(
            self.bot,
            guild_id=session.guild_id,
            user_id=int(occurrence.payload["user"]),
            nonce=occurrence.nonce(),
            fallback_channel_id=session.discussion_channel_id,
            content=(
                f"The reading group session on **{session.title}**"
                f" ({discord_timestamp(start, 'F')}) is cancelled."
            ),
            feature=FEATURE,
        )

    # -- polls -----------------------------------------------------------------------------------

    async def poll_post(self, occurrence: Occurrence) -> None:
        poll = await store.get_poll(self.bot.db, int(occurrence.payload["poll"]))
        if poll is None or poll.status != "open":
            raise SkipOccurrence("the poll is closed")
        if poll.message_id is not None:
            return
        message = None
        if occurrence.attempts > 1:
            message = await self.service.find_posted(
                poll.channel_id, poll.guild_id, f"reading:poll:{poll.id}:1"
            )
        if message is None:
            tallies = await store.list_poll_tallies(self.bot.db, poll.id)
            title = await self.service.poll_title(poll)
            view = poll_view(poll, tallies)
            channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
            message = await channel.send(
                embed=poll_embed(poll, title, tallies, self.service.now()),
                view=view or discord.utils.MISSING,
                nonce=occurrence.nonce(),
            )
        await store.update_poll_message(self.bot.db, poll.id, message.id)

    async def poll_close(self, occurrence: Occurrence) -> None:
        db = self.bot.db
        poll = await store.get_poll(db, int(occurrence.payload["poll"]))
        if poll is None:
            raise SkipOccurrence("the poll no longer exists")
        now = self.service.now()
        winner = None
        if poll.status == "open":
            tallies = await store.list_poll_tallies(db, poll.id)
            winner = poll_winner(tallies, now)
            guild = self.bot.get_guild(poll.guild_id)
            async with db.transaction() as tx:
                closed = await store.update_poll_closed(
                    tx, poll.id, winner.position if winner else None
                )
                if closed and winner is not None:
                    session_id = await self._schedule_winner(tx, poll, winner.starts_at, guild)
                    # They said they can attend: mark them Going so that reminders reach them.
                    for user_id in sorted(winner.voters):
                        await store.upsert_rsvp(tx, session_id, user_id, "going", now)
        poll = await store.get_poll(db, poll.id)
        assert poll is not None
        await self.service.refresh_poll(poll)
        tallies = await store.list_poll_tallies(db, poll.id)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        chosen = next((t for t in tallies if t.position == poll.winner), None)
        if chosen is None:
            text = (
                "The reading-group time poll closed without a time: no option still ahead"
                " had votes."
            )
            ping: list[int] = []
        else:
            ping = sorted(chosen.voters)
            text = (
                f"The time poll picked **{discord_timestamp(chosen.starts_at, 'F')}**"
                f" ({len(ping)} can attend). The session is scheduled; those who could attend"
                f" are marked Going (change it on the announcement).\n{mentions(ping, 1500)}"
            )
        await channel.send(
            text,
            nonce=occurrence.nonce("result"),
            allowed_mentions=pinging(ping),
        )

    async def _schedule_winner(
        self, tx: Transaction, poll: store.Poll, starts_at: datetime, guild: discord.Guild | None
    ) -> int:
        item = await store.get_item(tx, poll.guild_id, poll.item_id) if poll.item_id else None
        if item is None:
            item = await store.get_next_queued_item(tx, poll.guild_id)
        lead = poll.lead_id or await self.service.choose_lead(guild, poll.guild_id)
        return await self.service.create_session(
            tx,
            poll.guild_id,
            item=item,
            title=item.title if item else "Open discussion",
            url=item.url if item else None,
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
            if start > now and await store.get_session_by_origin(tx, origin) is None:
                item = await store.get_next_queued_item(tx, guild_id)
                empty = item is None
                if item is not None:
                    lead = await self.service.choose_lead(self.bot.get_guild(guild_id), guild_id)
                    await self.service.create_session(
                        tx,
                        guild_id,
                        item=item,
                        title=item.title,
                        url=item.url,
                        starts_at=start,
                        duration=series.duration,
                        channel_id=settings.channel_id,
                        voice_channel_id=None,
                        lead_id=lead,
                        origin=origin,
                        created_by=None,
                    )
            # The chain: each tick plans the next, in the same transaction.
            await self.schedule_series_tick(guild_id, series, settings.generation, start, zone)
        if empty:
            channel = self.bot.get_partial_messageable(settings.channel_id, guild_id=guild_id)
            await channel.send(
                f"The weekly reading session on {discord_timestamp(start, 'F')} has nothing to"
                " read: the queue is empty. Add readings with `/reading add`; the series"
                " goes on next week.",
                nonce=occurrence.nonce("empty"),
            )

    async def schedule_series_tick(
        self, guild_id: int, series: Series, generation: int, after: datetime, zone: ZoneInfo
    ) -> None:
        """The occurrence that creates the series' first session strictly after `after`."""
        start = series_start_after(after, series, zone)
        await self.bot.scheduler.schedule(
            series_key(guild_id, generation, start),
            "reading-recurring",
            series_due(start, series),
            guild_id=guild_id,
            payload={"start": to_unix(start), "generation": generation},
        )

    async def plan_series(self, now: datetime) -> None:
        """At start-up: every series has its next tick (idempotent by key)."""
        for settings in await store.list_series_settings(self.bot.db):
            series = settings.series
            if series is None:
                continue
            zone = await guilds.get_guild_zone(self.bot.db, settings.guild_id)
            await self.schedule_series_tick(
                settings.guild_id, series, settings.generation, now, zone
            )
