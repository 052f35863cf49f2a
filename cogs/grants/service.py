"""What the grant commands do: checks, one transaction each, and the reminders they replan.

The feed import (/grants import and the daily refresh) is in service_feeds.py.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import guilds
from bot.db import Transaction
from bot.guild_settings import GuildSettings
from bot.timeparse import parse_deadline, parse_offsets
from bot.ui import clip
from cogs.grants import store, store_applications
from cogs.grants.jobs import GrantJobs
from cogs.grants.logic import (
    STARTER_PACK,
    Grant,
    GrantError,
    ReminderPlan,
    format_offsets,
    name_key,
    plan_reminders,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GrantFields:
    """A grant's editable fields as a moderator gave them (already checked)."""

    name: str
    deadline: datetime | None
    deadline_zone: str
    rolling: bool
    url: str | None
    funder: str | None
    notes: str | None


class GrantService:
    def __init__(
        self, bot: HammingBot, jobs: GrantJobs, settings: GuildSettings[store.GrantSettings]
    ) -> None:
        self.bot = bot
        self.jobs = jobs
        self.settings = settings

    @property
    def now(self) -> datetime:
        return self.bot.clock.now()

    # -- what the options name --------------------------------------------------------------------

    async def find(self, guild_id: int, text: str) -> Grant:
        """The grant a `grant:` option names: the autocomplete's id, or a typed name."""
        found = None
        if text.strip().isdigit():
            found = await store.get_grant(self.bot.db, guild_id, int(text))
        found = found or await store.get_grant_by_name(self.bot.db, guild_id, text)
        if found is None:
            raise GrantError(
                f"There is no grant called '{clip(text, 100)}' here; pick one from the list"
                " that appears as you type (or see `/grants list`)."
            )
        return found

    async def read_deadline(
        self, guild_id: int, user_id: int, text: str
    ) -> tuple[datetime, str, tuple[str, ...]]:
        """(instant, zone it was read in, notes) for a deadline typed by this member.

        A zone written with the deadline ('5pm PT', '23:59 AoE') is the grant's zone.
        """
        zone = await guilds.get_reading_zone(self.bot.db, guild_id, user_id)
        parsed = parse_deadline(text, zone, self.now)
        return parsed.when, parsed.zone.key, parsed.notes

    async def read_offsets(self, guild_id: int, text: str | None) -> tuple[timedelta, ...]:
        """Typed reminder offsets, or the server's when none were typed."""
        if text is None:
            return (await self.settings.get(guild_id)).offsets
        return parse_offsets(text)

    # -- grants -----------------------------------------------------------------------------------

    async def _check_name_free(self, guild_id: int, name: str, own_id: int | None) -> None:
        other = await store.get_grant_by_name(self.bot.db, guild_id, name)
        if other is not None and other.id != own_id:
            raise GrantError(
                f"There is already a grant named **{other.name}**; pick another name, or edit"
                " that one with `/grants edit`."
            )

    async def add(self, guild_id: int, actor_id: int, fields: GrantFields) -> Grant:
        await self._check_name_free(guild_id, fields.name, None)
        now = self.now
        try:
            async with self.bot.db.transaction() as tx:
                grant = await store.insert_grant(
                    tx,
                    guild_id=guild_id,
                    created_by=actor_id,
                    now=now,
                    **dataclasses.asdict(fields),
                )
                await self.jobs.ensure(grant, now)
        except sqlite3.IntegrityError:  # the same name, added a moment ago by someone else
            raise GrantError(f"There is already a grant named **{fields.name}**.") from None
        log.info("guild %s: %s added grant %s (%s)", guild_id, actor_id, grant.id, grant.name)
        return grant

    async def edit(
        self, guild_id: int, actor_id: int, grant: Grant, fields: GrantFields
    ) -> tuple[Grant, bool]:
        """Store the new fields; a changed deadline reschedules (returns whether it moved)."""
        await self._check_name_free(guild_id, fields.name, grant.id)
        moved = fields.deadline != grant.deadline
        updated = dataclasses.replace(
            grant,
            **dataclasses.asdict(fields),
            schedule_rev=grant.schedule_rev + (1 if moved else 0),
        )
        now = self.now
        try:
            async with self.bot.db.transaction() as tx:
                await store.update_grant(tx, updated, now)
                if moved:
                    await self.jobs.cancel(grant.id)
                    await self.jobs.ensure(updated, now)
                    # In the same transaction: the edit and its notice are stored together.
                    await self.jobs.announce_move(grant, updated, now)
        except sqlite3.IntegrityError:
            raise GrantError(f"There is already a grant named **{fields.name}**.") from None
        # As stored: the store decides whether the edit started a new round of reminders.
        updated = await store.get_grant(self.bot.db, guild_id, grant.id) or updated
        log.info(
            "guild %s: %s edited grant %s (deadline %s)",
            guild_id,
            actor_id,
            grant.id,
            "moved" if moved else "unchanged",
        )
        return updated, moved

    async def remove(self, guild_id: int, actor_id: int, grant_id: int) -> Grant | None:
        grant = await store.get_grant(self.bot.db, guild_id, grant_id)
        if grant is None:
            return None
        async with self.bot.db.transaction() as tx:
            await store.delete_grant(tx, guild_id, grant_id)
            await self.jobs.cancel(grant_id)
        log.info("guild %s: %s removed grant %s (%s)", guild_id, actor_id, grant_id, grant.name)
        return grant

    async def channel_plan(self, grant: Grant) -> ReminderPlan | None:
        """The grants channel's reminders for this deadline (None without a channel/deadline)."""
        settings = await self.settings.get(grant.guild_id)
        if settings.channel_id is None or grant.deadline is None:
            return None
        sent = {offset for offset, to in await self.jobs.sent(grant) if to is None}
        return plan_reminders(grant.deadline, settings.offsets, grant.zone, self.now, sent)

    # -- subscriptions ----------------------------------------------------------------------------

    async def subscribe(
        self, guild_id: int, user_id: int, grant: Grant | None, offsets: tuple[timedelta, ...]
    ) -> list[tuple[Grant, ReminderPlan]]:
        """Subscribe to one grant (or every grant); the reminder plan of each upcoming one."""
        now = self.now
        async with self.bot.db.transaction() as tx:
            await store.upsert_subscription(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                grant_id=None if grant is None else grant.id,
                offsets=offsets,
                now=now,
            )
            targets = (
                [grant]
                if grant is not None
                else await store.list_upcoming_grants(self.bot.db, now, guild_id)
            )
            plans = []
            for target in targets:
                await self.jobs.ensure(target, now)
                if target.deadline is not None and target.deadline > now:
                    mine = (await self.jobs.subscribers(target)).get(user_id, ())
                    sent = {o for o, to in await self.jobs.sent(target) if to == user_id}
                    plan = plan_reminders(target.deadline, mine, target.zone, now, sent)
                    plans.append((target, plan))
        log.info(
            "guild %s: %s subscribed to %s at %s",
            guild_id,
            user_id,
            "all grants" if grant is None else f"grant {grant.id}",
            format_offsets(offsets),
        )
        return plans

    async def unsubscribe(self, guild_id: int, user_id: int, grant: Grant | None) -> str:
        """Stop DMs for one grant or for all; returns what changed, in words."""
        now = self.now
        async with self.bot.db.transaction() as tx:
            if grant is None:
                removed = await store.delete_grant_subscriptions_of_member(tx, guild_id, user_id)
                log.info("guild %s: %s unsubscribed from all grants", guild_id, user_id)
                if not removed:
                    return "You had no grant subscriptions; nothing changed."
                return "You won't get grant reminder DMs any more (all subscriptions removed)."
            subs = await store.list_member_subscriptions(self.bot.db, guild_id, user_id)
            has_all = any(s.grant_id is None and s.offsets for s in subs)
            own = next((s for s in subs if s.grant_id == grant.id), None)
            if has_all:
                # Keep their all-grants subscription; an empty row mutes just this grant.
                await store.upsert_subscription(
                    tx, guild_id=guild_id, user_id=user_id, grant_id=grant.id, offsets=(), now=now
                )
            elif own is not None:
                await store.delete_subscription(tx, guild_id, user_id, grant.id)
            else:
                return f"You weren't subscribed to **{grant.name}**; nothing changed."
        log.info("guild %s: %s unsubscribed from grant %s", guild_id, user_id, grant.id)
        extra = " Your subscription to all other grants stays." if has_all else ""
        return f"You won't get DMs about **{grant.name}** any more.{extra}"

    # -- settings ---------------------------------------------------------------------------------

    async def save_settings(
        self,
        guild_id: int,
        actor_id: int,
        *,
        channel_id: int | None = None,
        offsets: tuple[timedelta, ...] | None = None,
        rolling_nudge: bool | None = None,
    ) -> store.GrantSettings:
        """/config grants setup (and /setup's channel): store, audit, and replan reminders."""

        def change(old: store.GrantSettings) -> store.GrantSettings:
            new = old
            if channel_id is not None:
                new = dataclasses.replace(new, channel_id=channel_id)
            if offsets is not None:
                new = dataclasses.replace(new, offsets=offsets)
            if rolling_nudge is not None:
                new = dataclasses.replace(new, rolling_nudge=rolling_nudge)
            if new.channel_id is None:
                raise GrantError("Choose a `channel:` first: reminders need somewhere to go.")
            return new

        async def replan(
            tx: Transaction, old: store.GrantSettings, new: store.GrantSettings
        ) -> None:
            now = self.now
            for grant in await store.list_upcoming_grants(self.bot.db, now, guild_id):
                await self.jobs.ensure(grant, now)
            if new.rolling_nudge:
                await self.jobs.ensure_nudge(guild_id, now)
            elif old.rolling_nudge:
                await self.jobs.cancel_nudges(guild_id)

        saved = await self.settings.save(guild_id, actor_id, change, after=replan)
        return saved.new

    # -- the starter pack -------------------------------------------------------------------------

    async def add_starter_pack(self, guild_id: int, actor_id: int) -> tuple[list[str], list[str]]:
        """(names added, names already there)."""
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        taken = await store.list_name_keys(self.bot.db, guild_id)
        added: list[str] = []
        present: list[str] = []
        now = self.now
        async with self.bot.db.transaction() as tx:
            for entry in STARTER_PACK:
                if name_key(entry.name) in taken:
                    present.append(entry.name)
                    continue
                grant = await store.insert_grant(
                    tx,
                    guild_id=guild_id,
                    name=entry.name,
                    deadline=None,
                    deadline_zone=zone.key,
                    rolling=entry.rolling,
                    url=entry.url,
                    funder=entry.funder,
                    notes=entry.notes,
                    created_by=actor_id,
                    now=now,
                )
                if entry.decision_days is not None:  # the LTFF: a decision in about a month
                    await store_applications.update_decision_days(tx, grant.id, entry.decision_days)
                added.append(entry.name)
        log.info("guild %s: %s added the starter pack (%d new)", guild_id, actor_id, len(added))
        return added, present
