"""A session's and a poll's presence in Discord: the scheduled event, the announcement with
its discussion thread, and the poll message; posted by jobs, redrawn after every change.

Discord has no nonce for events and a message id can be lost in a crash: on a retry, what a
crash may have left behind is adopted (`ensure_event`, `find_posted`) rather than doubled.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.db import Database
from bot.errors import THREAD_ALREADY_EXISTS
from bot.ledger import Occurrence
from bot.ui import clip
from cogs.reading import store, store_polls, store_sessions
from cogs.reading.messages import (
    announcement_embed,
    event_description,
    event_name,
    pinging,
    poll_embed,
    thread_name,
)
from cogs.reading.views import poll_custom_id, poll_view, rsvp_custom_id, rsvp_view

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

MAX_EVENTS_CODE = 30038  # "Maximum number of uncompleted guild scheduled events reached"
HISTORY_LOOKBACK = 50  # messages searched for an announcement a crash may have left behind


class Announcements:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    @property
    def db(self) -> Database:
        return self.bot.db

    def now(self) -> datetime:
        return self.bot.clock.now()

    # -- the scheduled event --------------------------------------------------------------

    def event_fields(
        self, guild: discord.Guild, session: store_sessions.ReadingSession
    ) -> dict[str, Any]:
        lead = guild.get_member(session.lead_id) if session.lead_id else None
        return {
            "name": event_name(session),
            "description": event_description(session, lead.display_name if lead else None),
            "start_time": session.starts_at,
            "end_time": session.ends_at,
        }

    async def ensure_event(
        self, guild: discord.Guild, session: store_sessions.ReadingSession, *, retry: bool
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
                    await store_sessions.update_session_event(self.db, session.id, event.id)
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
        await store_sessions.update_session_event(self.db, session.id, event.id)
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

    # -- the announcement and the poll message ------------------------------------------------

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

    async def announce(
        self, session: store_sessions.ReadingSession, occurrence: Occurrence
    ) -> None:
        """Post the announcement (nonce: exactly once) and open its discussion thread."""
        rsvps = await store_sessions.list_rsvps(self.db, session.id)
        channel = self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)
        message: discord.Message | None = None
        if occurrence.attempts > 1:
            message = await self.find_posted(
                session.channel_id, session.guild_id, rsvp_custom_id(session.id, "going")
            )
        if message is None:
            view = rsvp_view(session, rsvps)
            message = await channel.send(
                embed=announcement_embed(session, rsvps),
                view=view or discord.utils.MISSING,
                nonce=occurrence.nonce("announce"),
            )
        await store_sessions.update_session_message(self.db, session.id, message.id, None)
        thread_id = await self.open_thread(message, session)
        if thread_id is not None:
            await store_sessions.update_session_thread(self.db, session.id, thread_id)

    async def open_thread(
        self, message: discord.Message, session: store_sessions.ReadingSession
    ) -> int | None:
        try:
            thread = await message.create_thread(
                name=clip(thread_name(session), 100), auto_archive_duration=10080
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_EXISTS:
                return message.id  # a thread started from a message shares its id
            log.warning(
                "guild %s: no thread for session %s (%s); using the channel",
                session.guild_id,
                session.id,
                exc,
            )
            return None
        return thread.id

    async def refresh_announcement(self, session: store_sessions.ReadingSession) -> None:
        if session.message_id is None:
            return
        rsvps = await store_sessions.list_rsvps(self.db, session.id)
        channel = self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)
        try:
            await channel.get_partial_message(session.message_id).edit(
                embed=announcement_embed(session, rsvps), view=rsvp_view(session, rsvps)
            )
        except discord.NotFound:
            log.info(
                "guild %s: announcement of session %s was deleted", session.guild_id, session.id
            )

    async def refresh_poll(self, poll: store_polls.Poll) -> None:
        """Redraw a poll's message from the database (counts and names)."""
        if poll.message_id is None:
            return
        tallies = await store_polls.list_poll_tallies(self.db, poll.id)
        title = await self.poll_title(poll)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        try:
            await channel.get_partial_message(poll.message_id).edit(
                embed=poll_embed(poll, title, tallies, self.now()), view=poll_view(poll, tallies)
            )
        except discord.NotFound:
            log.info("guild %s: the message of poll %s was deleted", poll.guild_id, poll.id)

    async def refresh_event(self, session: store_sessions.ReadingSession) -> None:
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
        session: store_sessions.ReadingSession,
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

    async def poll_title(self, poll: store_polls.Poll) -> str | None:
        if poll.item_id is None:
            return None
        item = await store.get_item(self.db, poll.guild_id, poll.item_id)
        return item.title if item else None

    async def post_poll(self, poll: store_polls.Poll, occurrence: Occurrence) -> None:
        """Post the poll message (nonce: exactly once), or adopt the one a crash left."""
        message = None
        if occurrence.attempts > 1:
            message = await self.find_posted(
                poll.channel_id, poll.guild_id, poll_custom_id(poll.id, 1)
            )
        if message is None:
            tallies = await store_polls.list_poll_tallies(self.db, poll.id)
            title = await self.poll_title(poll)
            view = poll_view(poll, tallies)
            channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
            message = await channel.send(
                embed=poll_embed(poll, title, tallies, self.now()),
                view=view or discord.utils.MISSING,
                nonce=occurrence.nonce(),
            )
        await store_polls.update_poll_message(self.db, poll.id, message.id)
