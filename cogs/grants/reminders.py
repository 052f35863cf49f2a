"""Reminder occurrences: what gets scheduled for a deadline, and what each occurrence sends.

Keys (see docs/features/grants.md):
- `grant-reminder:<grant>:<rev>:<offset>` (kind grant-reminder-fanout), due `offset` before the
  deadline: when it runs it decides who gets this reminder *now* (the grants channel if the
  offset is one of the server's, each subscriber whose offsets include it) and inserts one
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
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot import guilds, ledger, members
from bot.clock import from_unix
from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.timeparse import MAX_OFFSET, format_offset
from bot.ui import clip, embed
from cogs.grants import store
from cogs.grants.logic import (
    FEATURE_NAME,
    Grant,
    deadline_text,
    effective_offsets,
    escape,
    moved_content,
    moved_key,
    next_nudge_at,
    nudge_key,
    plan_reminders,
    recipient_key,
    reminder_content,
    reminder_key,
    reminder_prefix,
    sent_reminders,
    superseded_by,
    title_link,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

FANOUT = "grant-reminder-fanout"
REMINDER = "grant-reminder"
NUDGE = "grant-rolling-nudge"
MOVED = "grant-deadline-moved"
# Missed reminders are still sent after downtime while the deadline is ahead (the handlers
# check that); the longest an offset can be is a year, so the ledger's grace is a bit more.
REMINDER_GRACE = MAX_OFFSET + timedelta(days=1)
MOVED_GRACE = timedelta(days=2)  # the notice is due at the edit; later only after downtime
NUDGE_GRACE = timedelta(days=3)  # a nudge a few days late is still a nudge; later, wait a month
NUDGE_ROLLING_MAX = 20  # rolling funds named in one nudge (an embed of readable size)


class Reminders:
    """Schedules and performs a server's grant reminders."""

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    def jobs(self) -> list[Job]:
        return [
            Job(Kind(FANOUT, REMINDER_GRACE), self.on_fanout),
            Job(Kind(REMINDER, REMINDER_GRACE), self.on_reminder),
            Job(Kind(NUDGE, NUDGE_GRACE), self.on_nudge),
            Job(Kind(MOVED, MOVED_GRACE), self.on_moved),
        ]

    # -- scheduling -------------------------------------------------------------------------------

    async def plan(self, now: datetime) -> None:
        """At start-up: every upcoming deadline has its reminders, every nudge its next month."""
        for grant in await store.list_upcoming_grants(self.bot.db, now):
            await self.ensure(grant, now)
        for guild_id in await store.list_nudge_guild_ids(self.bot.db):
            await self.ensure_nudge(guild_id, now)

    async def offsets_for(self, grant: Grant) -> set[timedelta]:
        """Every offset someone wants for this grant: the channel's and each subscriber's."""
        settings = await store.get_settings(self.bot.db, grant.guild_id)
        wanted: set[timedelta] = set(settings.offsets) if settings.channel_id else set()
        for offsets in (await self.subscribers(grant)).values():
            wanted.update(offsets)
        return wanted

    async def subscribers(self, grant: Grant) -> dict[int, tuple[timedelta, ...]]:
        subs = await store.list_subscriptions_for_grant(self.bot.db, grant.guild_id, grant.id)
        per_grant = {s.user_id: s.offsets for s in subs if s.grant_id is not None}
        every = {s.user_id: s.offsets for s in subs if s.grant_id is None}
        return effective_offsets(per_grant, every)

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
                payload={
                    "grant_id": grant.id,
                    "rev": grant.schedule_rev,
                    "offset": int(offset.total_seconds()),
                },
            )

    async def sent(self, grant: Grant) -> set[tuple[timedelta, int | None]]:
        """(offset, recipient) pairs already reminded of this grant in its current round.

        Claimed counts too: a send in flight is not started a second time beside it.
        """
        delivered = await ledger.list_with_prefix(
            self.bot.db, reminder_prefix(grant.id), kind=REMINDER, states=("done", "claimed")
        )
        return sent_reminders((o.payload for o in delivered), grant.reminder_cycle_rev)

    async def announce_move(self, old: Grant, new: Grant, now: datetime) -> int:
        """Record the "deadline moved" notice of an edit (in the caller's transaction).

        Only a deadline that was still ahead "moves": an edit after it passed starts a new
        round, whose reminders say everything. Returns how many recipients it has.
        """
        if old.deadline is None or old.deadline <= now or old.deadline == new.deadline:
            return 0
        settings = await store.get_settings(self.bot.db, old.guild_id)
        reminded = {user for _offset, user in await self.sent(old) if user is not None}
        recipients: list[int | None] = [None] if settings.channel_id is not None else []
        recipients += sorted(reminded & set(await self.subscribers(old)))
        payload = {
            "grant_id": old.id,
            "rev": new.schedule_rev,
            "old": int(old.deadline.timestamp()),
            "new": None if new.deadline is None else int(new.deadline.timestamp()),
        }
        key = moved_key(old.id, new.schedule_rev)
        for recipient in recipients:
            await self.bot.scheduler.schedule(
                recipient_key(key, recipient),
                MOVED,
                now,
                guild_id=old.guild_id,
                payload={**payload, "user_id": recipient},
                user_id=recipient,
            )
        return len(recipients)

    async def cancel(self, grant_id: int) -> int:
        return await self.bot.scheduler.cancel(prefix=reminder_prefix(grant_id))

    async def ensure_nudge(self, guild_id: int, now: datetime) -> None:
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        due = next_nudge_at(now, zone)
        await self.bot.scheduler.schedule(
            nudge_key(guild_id, due, zone), NUDGE, due, guild_id=guild_id
        )

    async def cancel_nudges(self, guild_id: int) -> None:
        await self.bot.scheduler.cancel(prefix=f"grant-rolling-nudge:{guild_id}:")

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
        settings = await store.get_settings(self.bot.db, grant.guild_id)
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
        payload = {
            "grant_id": grant.id,
            "rev": grant.schedule_rev,
            "offset": occurrence.payload["offset"],
        }
        async with self.bot.db.transaction():
            for recipient in recipients:
                await self.bot.scheduler.schedule(
                    recipient_key(occurrence.key, recipient),
                    REMINDER,
                    now,
                    guild_id=grant.guild_id,
                    payload={**payload, "user_id": recipient},
                    user_id=recipient,  # so /me forget and /me export find the member's sends
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
        settings = await store.get_settings(self.bot.db, grant.guild_id)
        user_id = occurrence.payload.get("user_id")
        guild = self.bot.get_guild(grant.guild_id)
        guild_name = guild.name if guild is not None else "your server"
        if user_id is None:
            if settings.channel_id is None:
                raise SkipOccurrence("no grants channel is set")
            card = reminder_embed(grant, offset, footer="/grants subscribe: DMs at your own times")
            await self._post(settings.channel_id, grant, reminder_content(grant), card, occurrence)
            return
        # /me pause does not silence these on purpose: it covers check-in reminders, feedback
        # matching and reading reminders, and a grant deadline does not wait for a break.
        if guild is not None and guild.get_member(int(user_id)) is None:
            raise SkipOccurrence("the member left the server")
        if offset not in (await self.subscribers(grant)).get(int(user_id), ()):
            raise SkipOccurrence("the member unsubscribed")
        card = reminder_embed(
            grant, offset, footer=f"From {guild_name} · /grants unsubscribe to stop these"
        )
        # A member who chose mentions (/me notifications) is not told their DMs failed.
        chosen = await members.get_notify_channel(
            self.bot.db, grant.guild_id, int(user_id), FEATURE_NAME
        )
        lead = "your grant reminder" + ("" if chosen == "mention" else " (I couldn't DM you)")
        delivered = await send_dm_or_fallback(
            self.bot,
            guild_id=grant.guild_id,
            user_id=int(user_id),
            nonce=occurrence.nonce(),
            fallback_channel_id=settings.channel_id,
            content=reminder_content(grant),
            embed=card,
            fallback_content=f"{lead}: {reminder_content(grant)}",
            feature=FEATURE_NAME,
        )
        if delivered is Delivered.UNREACHABLE:
            raise SkipOccurrence("the member's DMs are closed and no grants channel is set")

    async def on_moved(self, occurrence: Occurrence) -> None:
        assert occurrence.guild_id is not None
        payload = occurrence.payload
        grant = await store.get_grant(self.bot.db, occurrence.guild_id, int(payload["grant_id"]))
        if grant is None:
            raise SkipOccurrence("the grant was removed")
        old = from_unix(int(payload["old"]))
        new = None if payload["new"] is None else from_unix(int(payload["new"]))
        text = moved_content(grant, old, new)
        settings = await store.get_settings(self.bot.db, grant.guild_id)
        user_id = payload.get("user_id")
        if user_id is None:
            if settings.channel_id is None:
                raise SkipOccurrence("no grants channel is set")
            await self._post(settings.channel_id, grant, text, None, occurrence)
            return
        guild = self.bot.get_guild(grant.guild_id)
        if guild is not None and guild.get_member(int(user_id)) is None:
            raise SkipOccurrence("the member left the server")
        chosen = await members.get_notify_channel(
            self.bot.db, grant.guild_id, int(user_id), FEATURE_NAME
        )
        lead = "about your grant reminder" + ("" if chosen == "mention" else " (I couldn't DM you)")
        delivered = await send_dm_or_fallback(
            self.bot,
            guild_id=grant.guild_id,
            user_id=int(user_id),
            nonce=occurrence.nonce(),
            fallback_channel_id=settings.channel_id,
            content=text,
            fallback_content=f"{lead}: {text}",
            feature=FEATURE_NAME,
        )
        if delivered is Delivered.UNREACHABLE:
            raise SkipOccurrence("the member's DMs are closed and no grants channel is set")

    async def on_nudge(self, occurrence: Occurrence) -> None:
        assert occurrence.guild_id is not None
        guild_id = occurrence.guild_id
        settings = await store.get_settings(self.bot.db, guild_id)
        if not settings.rolling_nudge:
            raise SkipOccurrence("the rolling-fund nudge was turned off")
        # The next month first: whatever happens to this one, the nudge keeps recurring.
        await self.ensure_nudge(guild_id, occurrence.due_at + timedelta(hours=1))
        if settings.channel_id is None:
            raise SkipOccurrence("no grants channel is set")
        rolling = await store.list_rolling_grants(self.bot.db, guild_id)
        if not rolling:
            raise SkipOccurrence("no rolling funds are listed")
        lines = [
            f"• {title_link(g)}" + (f" · {escape(g.funder)}" if g.funder else "")
            for g in rolling[:NUDGE_ROLLING_MAX]
        ]
        if len(rolling) > NUDGE_ROLLING_MAX:
            lines.append(f"…and {len(rolling) - NUDGE_ROLLING_MAX} more in `/grants list`.")
        card = embed(
            "🌱 Rolling funds: apply any time",
            clip(
                "A gentle monthly reminder: these take applications whenever you are ready."
                " A short application this month beats a perfect one never.\n\n" + "\n".join(lines),
                4096,
            ),
        )
        await self._post(settings.channel_id, None, None, card, occurrence)

    async def _post(
        self,
        channel_id: int,
        grant: Grant | None,
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


def reminder_embed(grant: Grant, offset: timedelta, *, footer: str) -> discord.Embed:
    assert grant.deadline is not None
    lines = [f"Deadline {deadline_text(grant.deadline)}."]
    if grant.funder:
        lines.append(f"Funder: {escape(grant.funder)}")
    if grant.url:
        lines.append(f"Apply: {grant.url}")
    if grant.notes:
        lines.append("\n" + clip(escape(grant.notes), 1000))
    card = embed(f"⏰ {clip(grant.name, 200)}", "\n".join(lines))
    if grant.url:
        card.url = grant.url
    card.set_footer(text=f"Reminder {format_offset(offset)} before · {footer}")
    return card
