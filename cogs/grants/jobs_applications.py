"""Scheduled sends about a member's own grant work, each to that member only, by DM only.

Keys (see docs/features/grants.md):
- `grant-application-ask:<application>:<ask>`: the one "how did it go?" DM, a week after the
  decision was due; `ask` counts the questions of the application, so "Still waiting" plans a
  fresh occurrence (two weeks on) and a restart recomputes the same key, never a second DM.
- `grant-personal-reminder:<entry>:<rev>:<offset>`: a reminder `offset` before the deadline of
  a member's private opportunity; `rev` counts its deadline changes as grants' schedule_rev.
Both carry the member's id, so /me forget removes them with the member's other sends. Neither
falls back to a channel when DMs are closed: the channel would reveal what is private.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.timeparse import format_offset
from cogs.grants import store_applications as store
from cogs.grants.applications import Application, Personal
from cogs.grants.jobs import REMINDER_GRACE
from cogs.grants.logic import plan_reminders, superseded_by
from cogs.grants.messages_applications import ask_content, personal_reminder
from cogs.grants.views_applications import decision_view

if TYPE_CHECKING:
    import discord

    from bot.client import HammingBot

log = logging.getLogger(__name__)

# A question a few weeks late (after downtime) is still worth asking; later, it is stale.
ASK_GRACE = timedelta(days=30)
ASK = Kind("grant-application-ask", ASK_GRACE, ("application", "ask"))
PERSONAL = Kind("grant-personal-reminder", REMINDER_GRACE, ("entry", "rev", "offset"))


class ApplicationJobs:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    def jobs(self) -> list[Job]:
        return [Job(ASK, self.on_ask), Job(PERSONAL, self.on_personal)]

    # -- planning -------------------------------------------------------------------------------

    async def plan(self, now: datetime) -> None:
        """At start-up: every open question and private reminder exists (idempotent by key)."""
        for app in await store.list_asking_applications(self.bot.db):
            await self.ensure_ask(app)
        for entry in await store.list_upcoming_personal(self.bot.db, now):
            await self.ensure_personal(entry, now)

    async def ensure_ask(self, app: Application) -> None:
        if app.status != "submitted" or app.next_ask_at is None:
            return
        await self.bot.scheduler.schedule(
            ASK.key(app.id, app.ask_rev),
            ASK,
            app.next_ask_at,
            guild_id=app.guild_id,
            user_id=app.user_id,
            payload={"application_id": app.id, "ask": app.ask_rev, "user_id": app.user_id},
        )

    async def cancel_asks(self, app_id: int) -> int:
        """Pending questions of an application (answered, withdrawn, or re-dated)."""
        return await self.bot.scheduler.cancel(prefix=ASK.prefix(app_id))

    async def ensure_personal(self, entry: Personal, now: datetime) -> None:
        plan = plan_reminders(entry.deadline, entry.offsets, entry.zone, now)
        for offset, at in plan.ahead:
            await self.bot.scheduler.schedule(
                PERSONAL.key(entry.id, entry.rev, format_offset(offset)),
                PERSONAL,
                at,
                guild_id=entry.guild_id,
                user_id=entry.user_id,
                payload={
                    "entry_id": entry.id,
                    "rev": entry.rev,
                    "offset": int(offset.total_seconds()),
                    "user_id": entry.user_id,
                },
            )

    async def cancel_personal(self, entry_id: int) -> int:
        return await self.bot.scheduler.cancel(prefix=PERSONAL.prefix(entry_id))

    # -- performing -----------------------------------------------------------------------------

    async def on_ask(self, occurrence: Occurrence) -> None:
        app = await store.get_application(self.bot.db, int(occurrence.payload["application_id"]))
        if app is None:
            raise SkipOccurrence("the application was removed")
        if app.status != "submitted":
            raise SkipOccurrence(f"the application is {app.status} already")
        if app.ask_rev != int(occurrence.payload["ask"]):
            raise SkipOccurrence("a newer question replaces this one")
        await self._dm(occurrence, app.guild_id, app.user_id, ask_content(app), decision_view(app))
        log.info("application %s: asked member %s how it went", app.id, app.user_id)

    async def on_personal(self, occurrence: Occurrence) -> None:
        entry = await store.get_personal(self.bot.db, int(occurrence.payload["entry_id"]))
        if entry is None:
            raise SkipOccurrence("the private opportunity was removed")
        if entry.rev != int(occurrence.payload["rev"]):
            raise SkipOccurrence("its deadline changed")
        now = self.bot.clock.now()
        if entry.deadline <= now:
            raise SkipOccurrence("the deadline has passed")
        offset = timedelta(seconds=int(occurrence.payload["offset"]))
        if superseded_by(offset, entry.offsets, entry.deadline, entry.zone, now) is not None:
            raise SkipOccurrence("a nearer reminder replaces this one")
        guild = self.bot.get_guild(entry.guild_id)
        content, card = personal_reminder(entry, offset, guild.name if guild else "your server")
        await self._dm(occurrence, entry.guild_id, entry.user_id, content, None, card)

    async def _dm(
        self,
        occurrence: Occurrence,
        guild_id: int,
        user_id: int,
        content: str,
        view: discord.ui.View | None,
        card: discord.Embed | None = None,
    ) -> None:
        """A DM and nothing else: with DMs closed (403/50007, remembered by the core) it is
        skipped, never mentioned in a channel where others would read it."""
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.get_member(user_id) is None:
            raise SkipOccurrence("the member left the server")
        delivered = await send_dm_or_fallback(
            self.bot,
            guild_id=guild_id,
            user_id=user_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=None,
            content=content,
            embed=card,
            view=view,
        )
        if delivered is Delivered.UNREACHABLE:
            raise SkipOccurrence("the member's DMs are closed (private: no channel fallback)")
