"""Scheduled grant occurrences: their kinds, how they are planned, and what each one sends.

Keys (see docs/features/grants.md):
- `grant-reminder:<grant>:<rev>:<offset>` (kind grant-reminder-fanout), due `offset` before the
  deadline: when it runs it decides who gets this reminder *now* (the grants channel if the
  offset is one of the server's, each subscriber whose offsets include it) and fans out one
  child per recipient, so each recipient is exactly-once on its own:
- `grant-reminder:<grant>:<rev>:<offset>:channel` / `...:<user_id>` (kind grant-reminder).
`rev` counts deadline changes: an edited deadline cancels the pending keys of the grant and
schedules fresh ones; a restart recomputes the same keys, which the ledger ignores. A fan-out
leaves out every recipient already sent that offset for the grant under any rev of the current
round (`reminder_cycle_rev`), so a moved deadline never repeats a reminder.
- `grant-deadline-moved:<grant>:<rev>:channel` / `...:<user_id>` (kind grant-deadline-moved):
  the one "deadline moved" notice of the edit that made `rev`, recorded in the edit's
  transaction, to the channel and to each subscriber already reminded in this round.
- `grant-rolling-nudge:<guild>:<YYYY-MM>`: the monthly list of rolling funds.
- `grant-feed-refresh:<guild>:<YYYY-MM-DD>`: the daily re-read of a server's imported feeds.
The last two name a date on the server's clock; a time-zone change moves them to that date's
local time in the new zone (`zone_changed`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot import guilds, ledger, members
from bot.clock import from_unix
from bot.db import Database
from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.guild_settings import GuildSettings
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.time import next_daily_at
from bot.timeparse import MAX_OFFSET, format_offset
from cogs.grants import store
from cogs.grants.logic import (
    FEATURE_NAME,
    NUDGE_AT,
    REFRESH_AT,
    Grant,
    effective_offsets,
    local_date_at,
    next_nudge_at,
    plan_reminders,
    sent_reminders,
    superseded_by,
)
from cogs.grants.messages import (
    moved_content,
    nudge_embed,
    reminder_content,
    reminder_embed,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# Missed reminders are still sent after downtime while the deadline is ahead (the handlers
# check that); the longest an offset can be is a year, so the ledger's grace is a bit more.
REMINDER_GRACE = MAX_OFFSET + timedelta(days=1)
MOVED_GRACE = timedelta(days=2)  # the notice is due at the edit; later only after downtime
NUDGE_GRACE = timedelta(days=3)  # a nudge a few days late is still a nudge; later, wait a month
REFRESH_GRACE = timedelta(hours=20)  # a refresh missed by more waits for the next day's

REMINDER = Kind("grant-reminder", REMINDER_GRACE, ("grant", "rev", "offset", "recipient"))
# A fan-out's key is its children's without the recipient (`grant-reminder:...`): the keys
# predate typed kinds, so this kind's keys do not start with its name; see reminder_key.
FANOUT = Kind("grant-reminder-fanout", REMINDER_GRACE, ("grant", "rev", "offset"))
MOVED = Kind("grant-deadline-moved", MOVED_GRACE, ("grant", "rev", "recipient"))
NUDGE = Kind("grant-rolling-nudge", NUDGE_GRACE, ("guild", "month"))
REFRESH = Kind("grant-feed-refresh", REFRESH_GRACE, ("guild", "day"))


def reminder_prefix(grant_id: int) -> str:
    """Every reminder occurrence of a grant, fan-outs and children (for cancelling them all)."""
    return REMINDER.prefix(grant_id)


def reminder_key(grant_id: int, rev: int, offset: timedelta) -> str:
    """The fan-out occurrence of one offset before one version of a grant's deadline.

    `rev` counts deadline changes, so an edited deadline gets fresh keys (and reminders),
    while a restart recomputes the same keys and never repeats one.
    """
    return REMINDER.parent_key(grant_id, rev, format_offset(offset))


def moved_key(grant_id: int, rev: int) -> str:
    """The "deadline moved" notice of one edit (the edit made `rev`); per recipient below it.

    Not under reminder_prefix: a later edit cancels pending reminders, never a notice.
    """
    return MOVED.parent_key(grant_id, rev)


def _reminder_payload(grant: Grant, offset_seconds: int) -> dict[str, int]:
    """What a reminder occurrence (fan-out or child) carries; `_current` checks it."""
    return {"grant_id": grant.id, "rev": grant.schedule_rev, "offset": offset_seconds}


async def grant_subscribers(db: Database, grant: Grant) -> dict[int, tuple[timedelta, ...]]:
    """Each subscriber of the grant and their offsets (a grant's own subscription wins over
    an all-grants one)."""
    subs = await store.list_subscriptions_for_grant(db, grant.guild_id, grant.id)
    per_grant = {s.user_id: s.offsets for s in subs if s.grant_id is not None}
    every = {s.user_id: s.offsets for s in subs if s.grant_id is None}
    return effective_offsets(per_grant, every)


class GrantJobs:
    """Plans and performs a server's grant reminders, deadline notices, nudges and refreshes."""

    def __init__(
        self,
        bot: HammingBot,
        settings: GuildSettings[store.GrantSettings],
        refresh_feeds: Callable[[int], Awaitable[object]],
    ) -> None:
        self.bot = bot
        self.settings = settings
        # The daily refresh runs the feed import (service_feeds), which in turn plans
        # reminders through this class: so it is handed in rather than imported.
        self._refresh_feeds = refresh_feeds

    def jobs(self) -> list[Job]:
        return [
            Job(FANOUT, self.on_fanout),
            Job(REMINDER, self.on_reminder),
            Job(NUDGE, self.on_nudge),
            Job(MOVED, self.on_moved),
            Job(REFRESH, self.on_refresh),
        ]

    # -- planning -------------------------------------------------------------------------------

    async def plan(self, now: datetime) -> None:
        """At start-up: every upcoming deadline has its reminders, every nudge its next month."""
        for grant in await store.list_upcoming_grants(self.bot.db, now):
            await self.ensure(grant, now)
        for guild_id in await store.list_nudge_guild_ids(self.bot.db):
            await self.ensure_nudge(guild_id, now)

    async def plan_refreshes(self, now: datetime) -> None:
        """At start-up: every server with feeds has its next daily refresh."""
        for guild_id in await store.list_feed_guild_ids(self.bot.db):
            await self.ensure_refresh(guild_id, now)

    async def offsets_for(self, grant: Grant) -> set[timedelta]:
        """Every offset someone wants for this grant: the channel's and each subscriber's."""
        settings = await self.settings.get(grant.guild_id)
        wanted: set[timedelta] = set(settings.offsets) if settings.channel_id else set()
        for offsets in (await self.subscribers(grant)).values():
            wanted.update(offsets)
        return wanted

    async def subscribers(self, grant: Grant) -> dict[int, tuple[timedelta, ...]]:
        return await grant_subscribers(self.bot.db, grant)

    async def ensure(self, grant: Grant, now: datetime) -> None:
        """Make sure a fan-out occurrence exists for each wanted offset still ahead (idempotent)."""
        if grant.deadline is None or grant.deadline <= now:
            return
        plan = plan_reminders(grant.deadline, await self.offsets_for(grant), grant.zone, now)
        for offset, at in plan.ahead:
            await self.bot.scheduler.schedule(
                reminder_key(grant.id, grant.schedule_rev, offset),
                FANOUT,
                at,
                guild_id=grant.guild_id,
                payload=_reminder_payload(grant, int(offset.total_seconds())),
            )

    async def sent(self, grant: Grant) -> set[tuple[timedelta, int | None]]:
        """(offset, recipient) pairs already reminded of this grant in its current round.

        Claimed counts too: a send in flight is not started a second time beside it.
        """
        delivered = await ledger.list_with_prefix(
            self.bot.db, reminder_prefix(grant.id), kind=REMINDER.name, states=("done", "claimed")
        )
        return sent_reminders((o.payload for o in delivered), grant.reminder_cycle_rev)

    async def announce_move(self, old: Grant, new: Grant, now: datetime) -> int:
        """Record the "deadline moved" notice of an edit (in the caller's transaction).

        Only a deadline that was still ahead "moves": an edit after it passed starts a new
        round, whose reminders say everything. Returns how many recipients it has.
        """
        if old.deadline is None or old.deadline <= now or old.deadline == new.deadline:
            return 0
        settings = await self.settings.get(old.guild_id)
        reminded = {user for _offset, user in await self.sent(old) if user is not None}
        recipients: list[int | None] = [None] if settings.channel_id is not None else []
        recipients += sorted(reminded & set(await self.subscribers(old)))
        await self.bot.scheduler.fan_out(
            MOVED,
            (old.id, new.schedule_rev),
            recipients,
            now,
            guild_id=old.guild_id,
            payload={
                "grant_id": old.id,
                "rev": new.schedule_rev,
                "old": int(old.deadline.timestamp()),
                "new": None if new.deadline is None else int(new.deadline.timestamp()),
            },
        )
        return len(recipients)

    async def cancel(self, grant_id: int) -> int:
        return await self.bot.scheduler.cancel(prefix=reminder_prefix(grant_id))

    async def ensure_nudge(self, guild_id: int, now: datetime) -> None:
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        due = next_nudge_at(now, zone)
        key = NUDGE.key(guild_id, f"{due.astimezone(zone):%Y-%m}")
        await self.bot.scheduler.schedule(key, NUDGE, due, guild_id=guild_id)

    async def cancel_nudges(self, guild_id: int) -> None:
        await self.bot.scheduler.cancel(prefix=NUDGE.prefix(guild_id))

    async def ensure_refresh(self, guild_id: int, now: datetime) -> None:
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        due = next_daily_at(now, REFRESH_AT, zone)
        key = REFRESH.key(guild_id, f"{due.astimezone(zone):%Y-%m-%d}")
        await self.bot.scheduler.schedule(key, REFRESH, due, guild_id=guild_id)

    async def zone_changed(self, guild_id: int) -> None:
        """The pending nudge and feed refresh keep the local date their keys name and move to
        that date's local time in the server's new zone (deadlines keep their own zones)."""
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        for kind, at in ((NUDGE, NUDGE_AT), (REFRESH, REFRESH_AT)):
            prefix = kind.prefix(guild_id)
            pending = await ledger.list_with_prefix(
                self.bot.db, prefix, kind=kind.name, states=("pending",)
            )
            for occurrence in pending:
                due = local_date_at(occurrence.key.removeprefix(prefix), at, zone)
                await self.bot.scheduler.reschedule(occurrence.key, due)

    # -- performing -----------------------------------------------------------------------------

    async def _current(self, occurrence: Occurrence) -> tuple[Grant, timedelta]:
        """The grant this occurrence is about, if its deadline is unchanged and still ahead."""
        assert occurrence.guild_id is not None
        grant = await store.get_grant(
            self.bot.db, occurrence.guild_id, int(occurrence.payload["grant_id"])
        )
        if grant is None:
            raise SkipOccurrence("the grant was removed")
        if grant.schedule_rev != occurrence.payload["rev"] or grant.deadline is None:
            raise SkipOccurrence("the grant's deadline changed")
        if grant.deadline <= self.bot.clock.now():
            raise SkipOccurrence("the deadline has passed")
        return grant, timedelta(seconds=int(occurrence.payload["offset"]))

    async def on_fanout(self, occurrence: Occurrence) -> None:
        grant, offset = await self._current(occurrence)
        assert grant.deadline is not None
        now = self.bot.clock.now()
        settings = await self.settings.get(grant.guild_id)
        recipients: list[int | None] = []
        if (
            settings.channel_id is not None
            and offset in settings.offsets
            and superseded_by(offset, settings.offsets, grant.deadline, grant.zone, now) is None
        ):
            recipients.append(None)
        for user_id, offsets in (await self.subscribers(grant)).items():
            if offset in offsets and (
                superseded_by(offset, offsets, grant.deadline, grant.zone, now) is None
            ):
                recipients.append(user_id)
        if not recipients:
            raise SkipOccurrence("nobody wants this reminder now (or a nearer one replaces it)")
        # A moved deadline can bring an offset ahead again: whoever had it already, keeps it.
        sent = await self.sent(grant)
        recipients = [r for r in recipients if (offset, r) not in sent]
        if not recipients:
            raise SkipOccurrence("already sent for this deadline before it moved")
        # Each child names its member, so /me forget and /me export find the member's sends.
        await self.bot.scheduler.fan_out(
            REMINDER,
            (grant.id, int(occurrence.payload["rev"]), format_offset(offset)),
            recipients,
            now,
            guild_id=grant.guild_id,
            payload=_reminder_payload(grant, int(occurrence.payload["offset"])),
        )
        log.info(
            "grant %s in guild %s: %s reminder for %d recipient(s)",
            grant.id,
            grant.guild_id,
            format_offset(offset),
            len(recipients),
        )

    async def on_reminder(self, occurrence: Occurrence) -> None:
        grant, offset = await self._current(occurrence)
        settings = await self.settings.get(grant.guild_id)
        user_id = occurrence.payload.get("user_id")
        if user_id is None:
            if settings.channel_id is None:
                raise SkipOccurrence("no grants channel is set")
            card = reminder_embed(grant, offset, footer="/grants subscribe: DMs at your own times")
            await self._post(settings.channel_id, reminder_content(grant), card, occurrence)
            return
        # /me pause does not silence these on purpose: it covers check-in reminders, feedback
        # matching and reading reminders, and a grant deadline does not wait for a break.
        self._check_member(grant.guild_id, int(user_id))
        if offset not in (await self.subscribers(grant)).get(int(user_id), ()):
            raise SkipOccurrence("the member unsubscribed")
        guild = self.bot.get_guild(grant.guild_id)
        guild_name = guild.name if guild is not None else "your server"
        card = reminder_embed(
            grant, offset, footer=f"From {guild_name} · /grants unsubscribe to stop these"
        )
        await self._send_to_member(
            occurrence, settings, int(user_id), "your grant reminder", reminder_content(grant), card
        )

    async def on_moved(self, occurrence: Occurrence) -> None:
        assert occurrence.guild_id is not None
        payload = occurrence.payload
        grant = await store.get_grant(self.bot.db, occurrence.guild_id, int(payload["grant_id"]))
        if grant is None:
            raise SkipOccurrence("the grant was removed")
        old = from_unix(int(payload["old"]))
        new = None if payload["new"] is None else from_unix(int(payload["new"]))
        text = moved_content(grant, old, new)
        settings = await self.settings.get(grant.guild_id)
        user_id = payload.get("user_id")
        if user_id is None:
            if settings.channel_id is None:
                raise SkipOccurrence("no grants channel is set")
            await self._post(settings.channel_id, text, None, occurrence)
            return
        self._check_member(grant.guild_id, int(user_id))
        await self._send_to_member(
            occurrence, settings, int(user_id), "about your grant reminder", text, None
        )

    async def on_nudge(self, occurrence: Occurrence) -> None:
        assert occurrence.guild_id is not None
        guild_id = occurrence.guild_id
        settings = await self.settings.get(guild_id)
        if not settings.rolling_nudge:
            raise SkipOccurrence("the rolling-fund nudge was turned off")
        # The next month first: whatever happens to this one, the nudge keeps recurring.
        await self.ensure_nudge(guild_id, occurrence.due_at + timedelta(hours=1))
        if settings.channel_id is None:
            raise SkipOccurrence("no grants channel is set")
        rolling = await store.list_rolling_grants(self.bot.db, guild_id)
        if not rolling:
            raise SkipOccurrence("no rolling funds are listed")
        await self._post(settings.channel_id, None, nudge_embed(rolling), occurrence)

    async def on_refresh(self, occurrence: Occurrence) -> None:
        assert occurrence.guild_id is not None
        # Tomorrow's first, so the refresh keeps recurring whatever happens today.
        await self.ensure_refresh(occurrence.guild_id, occurrence.due_at + timedelta(hours=1))
        if not await store.list_feeds(self.bot.db, occurrence.guild_id):
            raise SkipOccurrence("no feeds are imported")
        await self._refresh_feeds(occurrence.guild_id)

    def _check_member(self, guild_id: int, user_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.get_member(user_id) is None:
            raise SkipOccurrence("the member left the server")

    async def _send_to_member(
        self,
        occurrence: Occurrence,
        settings: store.GrantSettings,
        user_id: int,
        about: str,
        content: str,
        card: discord.Embed | None,
    ) -> None:
        """A DM, or a mention in the grants channel for a member who chose that (or whose DMs
        are closed); `about` leads the mention."""
        # A member who chose mentions (/me notifications) is not told their DMs failed.
        chosen = await members.get_notify_channel(
            self.bot.db, settings.guild_id, user_id, FEATURE_NAME
        )
        lead = about + ("" if chosen == "mention" else " (I couldn't DM you)")
        delivered = await send_dm_or_fallback(
            self.bot,
            guild_id=settings.guild_id,
            user_id=user_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=settings.channel_id,
            content=content,
            embed=card,
            fallback_content=f"{lead}: {content}",
            feature=FEATURE_NAME,
        )
        if delivered is Delivered.UNREACHABLE:
            raise SkipOccurrence("the member's DMs are closed and no grants channel is set")

    async def _post(
        self,
        channel_id: int,
        content: str | None,
        card: discord.Embed | None,
        occurrence: Occurrence,
    ) -> None:
        assert occurrence.guild_id is not None
        channel = self.bot.get_partial_messageable(channel_id, guild_id=occurrence.guild_id)
        try:
            if card is None:
                await channel.send(content=content, nonce=occurrence.nonce())
            else:
                await channel.send(content=content, embed=card, nonce=occurrence.nonce())
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning(
                "guild %s: cannot post %s in grants channel %s: %s",
                occurrence.guild_id,
                occurrence.key,
                channel_id,
                exc,
            )
            raise SkipOccurrence(f"cannot post in the grants channel ({exc.status})") from None
