"""What moderators' check-in commands do: save the settings (audited, and the next prompt
re-planned, in one transaction) and open this week's round now."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import time
from typing import TYPE_CHECKING

from bot import guilds
from bot.db import Transaction
from bot.guild_settings import GuildSettings
from bot.time import discord_timestamp
from bot.ui import UserError
from cogs.checkins import store
from cogs.checkins.jobs import PROMPT, Planner
from cogs.checkins.messages import schedule_reply
from cogs.checkins.store import CheckinSettings, Round
from cogs.checkins.weeks import prompt_week

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class Schedule:
    """The moderators' side: the settings (saved, audited and replanned at once) and
    opening a round now."""

    def __init__(
        self, bot: HammingBot, settings: GuildSettings[CheckinSettings], planner: Planner
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.planner = planner

    async def save(
        self, guild_id: int, actor_id: int, change: Callable[[CheckinSettings], CheckinSettings]
    ) -> CheckinSettings:
        """Store the settings, audit what changed and re-plan the next prompt."""

        async def replan(tx: Transaction, old: CheckinSettings, new: CheckinSettings) -> None:
            await self.planner.plan_next_prompt(guild_id, self.bot.clock.now(), replace=True)

        saved = await self.settings.save(guild_id, actor_id, change, after=replan)
        return saved.new

    async def enable_in(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        """Check-ins on in `channel_id` with the current (or default) schedule, for /setup."""
        await self.save(
            guild_id, actor_id, lambda old: old.with_changes(channel_id=channel_id, enabled=True)
        )

    async def set_day_time(
        self, guild_id: int, weekday: int | None, at: time | None, actor_id: int
    ) -> None:
        """The prompt's day and/or time, for /setup; check-ins start once a channel is set."""
        await self.save(
            guild_id,
            actor_id,
            lambda old: old.with_changes(
                weekday=old.weekday if weekday is None else weekday,
                prompt_time=old.prompt_time if at is None else f"{at:%H:%M}",
            ),
        )

    async def schedule_reply(self, settings: CheckinSettings) -> str:
        zone = await guilds.get_guild_zone(self.bot.db, settings.guild_id)
        upcoming = await self.planner.next_prompt(settings.guild_id)
        return schedule_reply(settings, zone.key, upcoming)

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
            o for o in await self.planner.pending_prompts(guild_id) if o.payload.get("week") == week
        ]
        if this_week:
            key = this_week[0].key
            await self.bot.scheduler.reschedule(key, now)
        else:
            key = await self.planner.free_prompt_key(guild_id, week)
            await self.bot.scheduler.schedule(
                key, PROMPT, now, guild_id=guild_id, payload={"week": week}
            )
        await self.bot.scheduler.run_now(key)
        round_ = await store.get_round_for_week(self.bot.db, guild_id, week)
        if round_ is None or round_.message_id is None:
            raise UserError(
                "I could not post the prompt; check that I can post and open threads in the"
                " check-in channel (`/config checkins schedule` names missing permissions)."
            )
        return round_
