"""The reading group's work shared by commands, buttons and scheduled occurrences.

Creating a session stores it and all its occurrences in one transaction; everything that
talks to Discord (the scheduled event, the announcement, reminders) then happens in ledger
occurrences, so a restart never doubles nor loses one. Commands that need the result at once
schedule the occurrence due now and run the scheduler (`run_now`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot import members
from bot.db import Database, Transaction
from bot.ledger import Occurrence, list_occurrences
from bot.time import discord_timestamp
from bot.ui import UserError, clip
from cogs.reading import store
from cogs.reading.logic import (
    MAX_ACTIVE_EVENTS,
    REMINDED,
    Choice,
    next_lead,
    session_plan,
    toggled,
)
from cogs.reading.views import (
    announcement_embed,
    poll_embed,
    poll_view,
    rsvp_view,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

MAX_EVENTS_CODE = 30038  # "Maximum number of uncompleted guild scheduled events reached"
THREAD_EXISTS_CODE = 160004
HISTORY_LOOKBACK = 50  # messages searched for an announcement a crash may have left behind
MAX_PINGS = 100  # Discord's limit on allowed_mentions.users


def session_keys(session_id: int) -> tuple[str, ...]:
    """Key prefixes and keys of one session's pending work (cancel and reschedule use them)."""
    return (
        f"reading-publish:{session_id}",
        f"reading-reminder:{session_id}:",
        f"reading-start:{session_id}",
        f"reading-wrapup:{session_id}",
    )


def pinging(user_ids: list[int]) -> discord.AllowedMentions:
    """Ping exactly these members (Discord takes at most 100 ids), never roles or everyone."""
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(u) for u in user_ids[:MAX_PINGS]]
    )


class ReadingService:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    @property
    def db(self) -> Database:
        return self.bot.db

    def now(self) -> datetime:
        return self.bot.clock.now()

    # -- running occurrences now -------------------------------------------------------------

    async def run_now(self, key: str, kind: str, guild_id: int, payload: Mapping[str, Any]) -> None:
        """Record an occurrence due now and perform it (and anything it fans out) at once."""
        await self.bot.scheduler.schedule(key, kind, self.now(), guild_id=guild_id, payload=payload)
        await self.bot.scheduler.run_due()

    # -- sessions ------------------------------------------------------------------------------

    async def create_session(
        self,
        tx: Transaction,
        guild_id: int,
        *,
        item: store.ReadingItem | None,
        title: str,
        url: str | None,
        starts_at: datetime,
        duration: timedelta,
        channel_id: int,
        voice_channel_id: int | None,
        lead_id: int | None,
        origin: str | None,
        created_by: int | None,
    ) -> int:
        """Store a session with its publish, reminder, start and wrap-up occurrences."""
        now = self.now()
        session_id = await store.insert_session(
            tx,
            guild_id,
            item_id=item.id if item else None,
            title=title,
            url=url,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            channel_id=channel_id,
            voice_channel_id=voice_channel_id,
            lead_id=lead_id,
            origin=origin,
            created_by=created_by,
            now=now,
        )
        if item is not None:
            await store.update_item_status(tx, item.id, "scheduled", now)
        payload = {"session": session_id}
        scheduler = self.bot.scheduler
        await scheduler.schedule(
            f"reading-publish:{session_id}",
            "reading-publish",
            now,
            guild_id=guild_id,
            payload=payload,
        )
        settings = await store.get_settings(tx, guild_id)
        for planned in session_plan(
            session_id, starts_at, starts_at + duration, settings.offsets, now
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

    async def replan_session(self, session: store.ReadingSession) -> None:
        """After a reschedule: move pending occurrences; reminders already sent stay sent."""
        now = self.now()
        settings = await store.get_settings(self.db, session.guild_id)
        plan = session_plan(session.id, session.starts_at, session.ends_at, settings.offsets, now)
        planned = {p.key: p for p in plan}
        scheduler = self.bot.scheduler
        async with self.db.transaction():
            pending = await list_occurrences(
                self.db, guild_id=session.guild_id, kind="reading-reminder", limit=10_000
            )
            for occurrence in pending:
                if occurrence.key.startswith(f"reading-reminder:{session.id}:") and (
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
        cancelled = 0
        for key in session_keys(session_id):
            if key.endswith(":"):
                cancelled += await self.bot.scheduler.cancel(prefix=key)
            else:
                cancelled += await self.bot.scheduler.cancel(key=key)
        return cancelled

    async def choose_lead(self, guild: discord.Guild | None, guild_id: int) -> int | None:
        """The fair rotation (see logic.next_lead) among current human members who are not
        paused (/me pause): a paused member is not proposed nor assigned as lead."""
        history = await store.list_past_sessions(self.db, guild_id)
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

    # -- Discord: the scheduled event -----------------------------------------------------

    def event_fields(self, guild: discord.Guild, session: store.ReadingSession) -> dict[str, Any]:
        lead = guild.get_member(session.lead_id) if session.lead_id else None
        channel_url = f"https://discord.com/channels/{guild.id}/{session.channel_id}"
        description = "\n".join(
            line
            for line in (
                f"Reading: {session.title}",
                session.url or "",
                f"Lead: {lead.display_name}" if lead else "",
                f"RSVP and discussion: {channel_url}",
            )
            if line
        )
        return {
            "name": clip(f"Reading group: {session.title}", 100),
            "description": clip(description, 1000),
            "start_time": session.starts_at,
            "end_time": session.ends_at,
        }

    async def ensure_event(
        self, guild: discord.Guild, session: store.ReadingSession, *, retry: bool
    ) -> int | None:
        """The session's Discord event: the stored one, one a crash left behind, or a new one."""
        if session.event_id is not None:
            return session.event_id
        fields = self.event_fields(guild, session)
        if retry:
            # Discord has no nonce for events: a crash between creating and storing the id
            # would leave an event we don't know; adopt it instead of creating another.
            for event in await guild.fetch_scheduled_events(with_counts=False):
                if (
                    event.creator_id == guild.me.id
                    and event.name == fields["name"]
                    and event.start_time == session.starts_at
                ):
                    await store.update_session_event(self.db, session.id, event.id)
                    return event.id
        voice = guild.get_channel(session.voice_channel_id or 0)
        try:
            if isinstance(voice, discord.VoiceChannel | discord.StageChannel):
                event = await guild.create_scheduled_event(
                    **fields,
                    channel=voice,
                    privacy_level=discord.PrivacyLevel.guild_only,
                )
            else:
                event = await guild.create_scheduled_event(
                    **fields,
                    entity_type=discord.EntityType.external,
                    location=clip(
                        f"https://discord.com/channels/{guild.id}/{session.channel_id}", 100
                    ),
                    privacy_level=discord.PrivacyLevel.guild_only,
                )
        except discord.HTTPException as exc:
            if exc.code == MAX_EVENTS_CODE:
                log.warning(
                    "guild %s: event limit reached; session %s has no event", guild.id, session.id
                )
                return None
            raise
        await store.update_session_event(self.db, session.id, event.id)
        log.info("guild %s: created event %s for session %s", guild.id, event.id, session.id)
        return event.id

    async def fetch_event(
        self, guild: discord.Guild, event_id: int | None
    ) -> discord.ScheduledEvent | None:
        if event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(event_id)
        except discord.NotFound:
            return None

    async def set_event_status(
        self, guild: discord.Guild, event_id: int | None, status: str
    ) -> None:
        """Start, end or cancel the Discord event; a moderator may have done it already."""
        event = await self.fetch_event(guild, event_id)
        if event is None:
            return
        try:
            if status == "start" and event.status is discord.EventStatus.scheduled:
                await event.start()
            elif status == "end" and event.status is discord.EventStatus.active:
                await event.end()
            elif status == "cancel" and event.status is discord.EventStatus.scheduled:
                await event.cancel()
            elif status == "cancel" and event.status is discord.EventStatus.active:
                await event.end()
        except discord.HTTPException as exc:
            log.warning("guild %s: could not %s event %s: %s", guild.id, status, event_id, exc)

    # -- Discord: the announcement ------------------------------------------------------------

    async def find_posted(
        self, channel_id: int, guild_id: int, custom_id: str
    ) -> discord.Message | None:
        """A message of ours carrying `custom_id`, posted before a crash lost its id."""
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        me = self.bot.user
        try:
            async for message in channel.history(limit=HISTORY_LOOKBACK):
                if me is None or message.author.id != me.id:
                    continue
                for row in message.components:
                    for child in getattr(row, "children", []):
                        if getattr(child, "custom_id", None) == custom_id:
                            return message
        except discord.Forbidden:
            log.warning("cannot read history of channel %s to look for %s", channel_id, custom_id)
        return None

    async def announce(self, session: store.ReadingSession, occurrence: Occurrence) -> None:
        """Post the announcement (nonce: exactly once) and open its discussion thread."""
        rsvps = await store.list_rsvps(self.db, session.id)
        channel = self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)
        message: discord.Message | None = None
        if occurrence.attempts > 1:
            message = await self.find_posted(
                session.channel_id, session.guild_id, f"reading:rsvp:{session.id}:going"
            )
        if message is None:
            view = rsvp_view(session, rsvps)
            message = await channel.send(
                embed=announcement_embed(session, rsvps),
                view=view or discord.utils.MISSING,
                nonce=occurrence.nonce("announce"),
            )
        await store.update_session_message(self.db, session.id, message.id, None)
        thread_id = await self.open_thread(message, session)
        if thread_id is not None:
            await store.update_session_thread(self.db, session.id, thread_id)

    async def open_thread(
        self, message: discord.Message, session: store.ReadingSession
    ) -> int | None:
        try:
            thread = await message.create_thread(
                name=clip(f"Reading: {session.title}", 100), auto_archive_duration=10080
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS_CODE:
                return message.id  # a thread started from a message shares its id
            log.warning(
                "guild %s: no thread for session %s (%s); using the channel",
                session.guild_id,
                session.id,
                exc,
            )
            return None
        return thread.id

    async def refresh_announcement(self, session: store.ReadingSession) -> None:
        if session.message_id is None:
            return
        rsvps = await store.list_rsvps(self.db, session.id)
        channel = self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)
        try:
            await channel.get_partial_message(session.message_id).edit(
                embed=announcement_embed(session, rsvps), view=rsvp_view(session, rsvps)
            )
        except discord.NotFound:
            log.info(
                "guild %s: announcement of session %s was deleted", session.guild_id, session.id
            )

    async def refresh_poll(self, poll: store.Poll) -> None:
        """Redraw a poll's message from the database (counts and names)."""
        if poll.message_id is None:
            return
        tallies = await store.list_poll_tallies(self.db, poll.id)
        title = await self.poll_title(poll)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        try:
            await channel.get_partial_message(poll.message_id).edit(
                embed=poll_embed(poll, title, tallies, self.now()), view=poll_view(poll, tallies)
            )
        except discord.NotFound:
            log.info("guild %s: the message of poll %s was deleted", poll.guild_id, poll.id)

    async def refresh_event(self, session: store.ReadingSession) -> None:
        """Rewrite a scheduled session's event text (e.g. its lead changed)."""
        guild = self.bot.get_guild(session.guild_id)
        if guild is None or session.status != "scheduled":
            return
        event = await self.fetch_event(guild, session.event_id)
        if event is None or event.status is not discord.EventStatus.scheduled:
            return
        await event.edit(description=self.event_fields(guild, session)["description"])

    async def post_in_discussion(
        self,
        session: store.ReadingSession,
        content: str,
        *,
        nonce: str,
        ping: list[int] | None = None,
    ) -> None:
        channel = self.bot.get_partial_messageable(
            session.discussion_channel_id, guild_id=session.guild_id
        )
        await channel.send(
            clip(content, 2000),
            nonce=nonce,
            allowed_mentions=pinging(ping or []),
        )

    # -- buttons -----------------------------------------------------------------------------

    async def answer_rsvp(
        self, interaction: discord.Interaction[Any], session_id: int, choice: Choice
    ) -> None:
        session = await store.get_session(self.db, session_id)
        if session is None or session.guild_id != interaction.guild_id:
            raise UserError("This session no longer exists.")
        if session.status == "cancelled":
            raise UserError("This session was cancelled.")
        if session.status == "done" or session.ends_at <= self.now():
            raise UserError("This session is over; RSVPs are closed.")
        async with self.db.transaction() as tx:
            current = await store.get_rsvp(tx, session_id, interaction.user.id)
            await store.upsert_rsvp(
                tx, session_id, interaction.user.id, toggled(current, choice), self.now()
            )
        rsvps = await store.list_rsvps(self.db, session_id)
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
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None:
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.guild_id != interaction.guild_id:
            raise UserError("This poll no longer exists.")
        if poll.status != "open" or poll.closes_at <= self.now():
            raise UserError("This poll has closed.")
        async with self.db.transaction() as tx:
            attending = await store.toggle_poll_vote(tx, poll_id, position, interaction.user.id)
        tallies = await store.list_poll_tallies(self.db, poll_id)
        title = await self.poll_title(poll)
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

    async def poll_title(self, poll: store.Poll) -> str | None:
        if poll.item_id is None:
            return None
        item = await store.get_item(self.db, poll.guild_id, poll.item_id)
        return item.title if item else None

    # -- texts ----------------------------------------------------------------------------------

    def reminder_text(self, session: store.ReadingSession) -> str:
        start = session.starts_at
        lines = [
            f"Reminder: the reading group discusses **{session.title}**"
            f" {discord_timestamp(start, 'R')} ({discord_timestamp(start, 'F')}).",
        ]
        if session.url:
            lines.append(f"Read it here: {session.url}")
        if session.message_id:
            lines.append(
                "Announcement: https://discord.com/channels/"
                f"{session.guild_id}/{session.channel_id}/{session.message_id}"
            )
        return "\n".join(lines)

    async def reminded_members(self, session_id: int) -> list[int]:
        rsvps = await store.list_rsvps(self.db, session_id)
        return [user for user, choice in rsvps.items() if choice in REMINDED]
