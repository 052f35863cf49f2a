"""What the grant commands do to the database and the schedule, in one transaction each."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import guilds
from bot.timeparse import format_offset
from bot.ui import UserError
from cogs.grants import store
from cogs.grants.logic import (
    STARTER_PACK,
    Grant,
    ReminderPlan,
    name_key,
    offsets_text,
    plan_reminders,
)
from cogs.grants.reminders import Reminders

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
    def __init__(self, bot: HammingBot, reminders: Reminders) -> None:
        self.bot = bot
        self.reminders = reminders

    @property
    def now(self) -> datetime:
        return self.bot.clock.now()

    async def _check_name_free(self, guild_id: int, name: str, own_id: int | None) -> None:
        other = await store.get_grant_by_name(self.bot.db, guild_id, name)
        if other is not None and other.id != own_id:
            raise UserError(
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
                await self.reminders.ensure(grant, now)
        except sqlite3.IntegrityError:  # the same name, added a moment ago by someone else
            raise UserError(f"There is already a grant named **{fields.name}**.") from None
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
                    await self.reminders.cancel(grant.id)
                    await self.reminders.ensure(updated, now)
                    # In the same transaction: the edit and its notice are stored together.
                    await self.reminders.announce_move(grant, updated, now)
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a grant named **{fields.name}**.") from None
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
            await self.reminders.cancel(grant_id)
        log.info("guild %s: %s removed grant %s (%s)", guild_id, actor_id, grant_id, grant.name)
        return grant

    async def channel_plan(self, grant: Grant) -> ReminderPlan | None:
        """The grants channel's reminders for this deadline (None without a channel/deadline)."""
        settings = await store.get_settings(self.bot.db, grant.guild_id)
        if settings.channel_id is None or grant.deadline is None:
            return None
        sent = {offset for offset, to in await self.reminders.sent(grant) if to is None}
        return plan_reminders(grant.deadline, settings.offsets, grant.zone, self.now, sent)

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
                await self.reminders.ensure(target, now)
                if target.deadline is not None and target.deadline > now:
                    mine = (await self.reminders.subscribers(target)).get(user_id, ())
                    sent = {o for o, to in await self.reminders.sent(target) if to == user_id}
                    plan = plan_reminders(target.deadline, mine, target.zone, now, sent)
                    plans.append((target, plan))
        log.info(
            "guild %s: %s subscribed to %s at %s",
            guild_id,
            user_id,
            "all grants" if grant is None else f"grant {grant.id}",
            offsets_text(offsets),
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
                await store.insert_grant(
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
                added.append(entry.name)
        log.info("guild %s: %s added the starter pack (%d new)", guild_id, actor_id, len(added))
        return added, present


def offsets_words(offsets: tuple[timedelta, ...]) -> str:
    return ", ".join(format_offset(o) for o in offsets)
