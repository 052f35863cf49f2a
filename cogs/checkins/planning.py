"""Planning check-in prompts: exactly one pending prompt per configured server, never a
second prompt for a week that had one, and moderators' "prompt now"."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import guilds, ledger
from bot.ledger import Occurrence
from bot.time import discord_timestamp
from bot.ui import UserError
from cogs.checkins import store
from cogs.checkins.logic import next_prompt_at
from cogs.checkins.store import Round
from cogs.checkins.weeks import prompt_week

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

PROMPT = "checkin-prompt"
PROMPT_GRACE = timedelta(days=7)  # later than this, a prompt's round is over anyway
# Whether a week's prompt already happened (or is happening): then planning moves on a week.
_USED_STATES = frozenset({"claimed", "done", "skipped", "failed"})


def prompt_key(guild_id: int, week: str, attempt: int = 1) -> str:
    """`checkin-prompt:<guild>:<week>`; a week re-planned after a cancel gets `:<attempt>`."""
    base = f"{PROMPT}:{guild_id}:{week}"
    return base if attempt == 1 else f"{base}:{attempt}"


class Planner:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    async def plan_all(self, now: datetime) -> None:
        """At start-up: every configured server has its next prompt in the ledger."""
        for guild_id in await store.list_enabled_guild_ids(self.bot.db):
            await self.plan_next_prompt(guild_id, now, replace=False)

    async def replan_all(self) -> None:
        now = self.bot.clock.now()
        for guild_id in await store.list_enabled_guild_ids(self.bot.db):
            pending = await self._pending_prompts(guild_id)
            # A prompt already attempted is a retry waiting out its backoff, not a plan:
            # replacing it would cancel the retry (and this now also runs at start-up).
            if all(o.due_at > now and o.attempts == 0 for o in pending):
                await self.plan_next_prompt(guild_id, now, replace=True)

    async def _pending_prompts(self, guild_id: int) -> list[Occurrence]:
        return await ledger.list_occurrences(
            self.bot.db, guild_id=guild_id, kind=PROMPT, states=("pending",)
        )

    async def _week_used(self, guild_id: int, week: str) -> bool:
        if await store.get_round_for_week(self.bot.db, guild_id, week) is not None:
            return True
        attempt = 1
        while found := await ledger.get_occurrence(
            self.bot.db, prompt_key(guild_id, week, attempt)
        ):
            if found.state in _USED_STATES:
                return True
            attempt += 1
        return False

    async def free_prompt_key(self, guild_id: int, week: str) -> str:
        """The week's prompt key that is pending or unused (a cancelled one cannot return)."""
        attempt = 1
        while True:
            key = prompt_key(guild_id, week, attempt)
            found = await ledger.get_occurrence(self.bot.db, key)
            if found is None or found.state == "pending":
                return key
            attempt += 1

    async def plan_next_prompt(
        self, guild_id: int, now: datetime, *, replace: bool
    ) -> datetime | None:
        """Make the ledger hold exactly the next prompt of the server's current schedule.

        `replace=False` (start-up) keeps a pending prompt as it is, so a prompt missed while
        the bot was down still runs (and decides whether it is catchable); one missed by more
        than a week is replaced. `replace=True` (schedule changed, or a prompt is running)
        moves or replaces it. A week that already had its prompt is never planned again.
        Returns the planned instant, None when check-ins are off.
        """
        # One transaction: the periodic re-plan and a running prompt must not interleave.
        async with self.bot.db.transaction():
            return await self._plan_next_prompt(guild_id, now, replace=replace)

    async def _plan_next_prompt(
        self, guild_id: int, now: datetime, *, replace: bool
    ) -> datetime | None:
        settings = await store.get_settings(self.bot.db, guild_id)
        pending = await self._pending_prompts(guild_id)
        if not settings.enabled or settings.channel_id is None:
            for occurrence in pending:
                await self.bot.scheduler.cancel(key=occurrence.key)
            return None
        live = [o for o in pending if now - o.due_at <= PROMPT_GRACE]
        if live and not replace:
            return live[0].due_at
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        after = now
        for _ in range(4):
            due = next_prompt_at(after, settings.weekday, settings.prompt_time, zone)
            week = prompt_week(due, zone)
            if not await self._week_used(guild_id, week):
                break
            after = due
        key = await self.free_prompt_key(guild_id, week)
        for occurrence in pending:
            if occurrence.key != key:
                await self.bot.scheduler.cancel(key=occurrence.key)
                log.info(
                    "guild %s: cancelled prompt %s (schedule changed)", guild_id, occurrence.key
                )
        existing = await ledger.get_occurrence(self.bot.db, key)
        if existing is None:
            await self.bot.scheduler.schedule(
                key, PROMPT, due, guild_id=guild_id, payload={"week": week}
            )
            log.info("guild %s: next check-in prompt %s at %s", guild_id, key, due.isoformat())
        elif existing.due_at != due:
            await self.bot.scheduler.reschedule(key, due)
            log.info("guild %s: moved prompt %s to %s", guild_id, key, due.isoformat())
        return due

    async def next_prompt(self, guild_id: int) -> datetime | None:
        pending = await self._pending_prompts(guild_id)
        return pending[0].due_at if pending else None

    async def check_prompt_now(self, guild_id: int) -> None:
        """UserError unless a moderator may open this week's round now."""
        settings = await store.get_settings(self.bot.db, guild_id)
        if not settings.enabled or settings.channel_id is None:
            raise UserError(
                "Check-ins are not set up here yet: set a schedule with"
                " `/config checkins schedule` first."
            )
        now = self.bot.clock.now()
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        week = prompt_week(now, zone)
        existing = await store.get_round_for_week(self.bot.db, guild_id, week)
        if existing is not None and existing.message_id is not None:
            state = "is open" if existing.is_open(now) else "has already closed"
            raise UserError(f"This week's check-in ({week}) {state}; there is one round a week.")
        open_round = await store.get_open_round(self.bot.db, guild_id, now)
        if open_round is not None:
            raise UserError(
                f"The {open_round.week} round is still open until"
                f" {discord_timestamp(open_round.closes_at, 'F')}; open a new one after it closes."
            )

    async def prompt_now(self, guild_id: int) -> Round:
        """Open this week's round now, through the ledger like any prompt."""
        await self.check_prompt_now(guild_id)
        now = self.bot.clock.now()
        week = prompt_week(now, await guilds.get_guild_zone(self.bot.db, guild_id))
        this_week = [
            o for o in await self._pending_prompts(guild_id) if o.payload.get("week") == week
        ]
        if this_week:
            await self.bot.scheduler.reschedule(this_week[0].key, now)
        else:
            key = await self.free_prompt_key(guild_id, week)
            await self.bot.scheduler.schedule(
                key, PROMPT, now, guild_id=guild_id, payload={"week": week}
            )
        await self.bot.scheduler.run_due()
        round_ = await store.get_round_for_week(self.bot.db, guild_id, week)
        if round_ is None or round_.message_id is None:
            raise UserError(
                "I could not post the prompt; check that I can post and open threads in the"
                " check-in channel (`/config checkins schedule` names missing permissions)."
            )
        return round_
