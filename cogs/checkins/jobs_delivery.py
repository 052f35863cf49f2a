"""Check-in prompts by DM at each member's own prompt time (`/config checkins delivery`).

Occurrence kinds (in the delivery ledger, so each happens once across restarts):

- `checkin-dm-prompts` (`checkin-dm-prompts:<round>`): scheduled with the round when it opens
  (delivery `dm` or `both`); plans one child per cohort member.
- `checkin-dm-prompt` (`checkin-dm-prompt:<round>:<user>`): one member's DM prompt, due at
  their own prompt time (`dm_times.dm_prompt_due`). Its key never changes: replanning (a
  `/me timezone`, the server's zone, the delivery setting) moves a pending one, never adds a
  second. Paused, away, answered or departed members are skipped when it is due. A member
  who joins the cohort during a round (or while the bot was down) gets theirs then.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot import guilds, ledger
from bot.checks import in_cohort
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from cogs.checkins import store
from cogs.checkins.delivery import (
    dm_prompt_embed,
    dm_prompt_fallback_text,
    dm_prompt_text,
    dm_prompt_view,
)
from cogs.checkins.dm_times import dm_prompt_due, dm_prompt_sendable
from cogs.checkins.jobs_asking import member_to_ask, open_round_of, send_to_member
from cogs.checkins.logic import parse_24h_time
from cogs.checkins.reflections_view import plan_followup
from cogs.checkins.store import Round

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.checkins.service_reflections import Reflections

log = logging.getLogger(__name__)

# The handlers check the round is open and the reminder has not come; a week covers any round.
DM_PROMPTS = Kind("checkin-dm-prompts", timedelta(days=7), ("round",))
DM_PROMPT = Kind("checkin-dm-prompt", timedelta(days=7), ("round", "user"))


def dm_limit(round_: Round) -> datetime:
    """The instant a round's DM prompts must precede: its reminder, else its close."""
    return round_.reminder_at or round_.closes_at


class DmPrompts:
    """Plans and sends the per-member DM prompts of a round."""

    def __init__(self, bot: HammingBot, reflections: Reflections) -> None:
        self.bot = bot
        self.reflections = reflections

    def jobs(self) -> list[Job]:
        return [Job(DM_PROMPTS, self.handle_plan), Job(DM_PROMPT, self.handle_prompt)]

    # -- planning ----------------------------------------------------------------------------

    async def plan_open_rounds(self, now: datetime) -> None:
        """At start-up: each open round's DM prompts exist (for members who joined while the
        bot was down, too); nothing already planned is added twice."""
        for guild_id in await store.list_enabled_guild_ids(self.bot.db):
            await self.replan_open(guild_id)

    async def cohort_joined(self, before: discord.Member | None, after: discord.Member) -> None:
        """A member joined the server or got the cohort role: their DM prompt for the round
        open now, at their own prompt time (or now, if it has passed)."""
        cohort = await guilds.get_guild_settings(self.bot.db, after.guild.id)
        if in_cohort(after, cohort.cohort_role_id) and (
            before is None or not in_cohort(before, cohort.cohort_role_id)
        ):
            await self.replan_open(after.guild.id, only={after.id})

    async def replan_open(self, guild_id: int, only: Collection[int] | None = None) -> int:
        """Replan the DM prompts of the server's open round (all members, or `only` these)."""
        round_ = await store.get_open_round(self.bot.db, guild_id, self.bot.clock.now())
        return 0 if round_ is None else await self.plan_round(round_, only)

    async def plan_round(self, round_: Round, only: Collection[int] | None = None) -> int:
        """Make the ledger hold each cohort member's DM prompt at their own prompt time.

        Idempotent: a member's prompt that exists keeps its key and, while pending and not
        yet tried, moves to the time computed now; one already sent (or skipped) stays as it
        is. With delivery `channel`, pending DM prompts are cancelled. Returns how many were
        added or moved.
        """
        async with self.bot.db.transaction():
            dues = await self._plan_round(round_, only)
        if dues and min(dues) <= self.bot.clock.now():
            # Planned outside a sweep (a command, a member joining): a DM due now goes now.
            self.bot.scheduler.wake()
        return len(dues)

    async def _plan_round(self, round_: Round, only: Collection[int] | None) -> list[datetime]:
        settings = await store.get_settings(self.bot.db, round_.guild_id)
        now = self.bot.clock.now()
        if settings.delivery == "channel":
            cancelled = await self.bot.scheduler.cancel(prefix=DM_PROMPT.prefix(round_.id))
            if cancelled:
                log.info(
                    "round %s: cancelled %d DM prompts (delivery: channel)", round_.id, cancelled
                )
            return []
        guild = self.bot.get_guild(round_.guild_id)
        limit = dm_limit(round_)
        if guild is None or not dm_prompt_sendable(now, limit) or round_.closed_at is not None:
            return []
        cohort = await guilds.get_guild_settings(self.bot.db, round_.guild_id)
        server_zone = await guilds.get_guild_zone(self.bot.db, round_.guild_id)
        at = parse_24h_time(settings.prompt_time)
        # When the round was meant to open: after downtime it opened later (caught up).
        prompt = await ledger.get_occurrence(self.bot.db, round_.prompt_key)
        planned = round_.opens_at if prompt is None else min(prompt.due_at, round_.opens_at)
        new: dict[datetime, list[int]] = defaultdict(list)
        dues: list[datetime] = []  # of the prompts added or moved
        for member in guild.members:
            if not in_cohort(member, cohort.cohort_role_id) or (
                only is not None and member.id not in only
            ):
                continue
            zone = await guilds.get_reading_zone(self.bot.db, round_.guild_id, member.id)
            # A time already past (a late joiner, a replan after downtime) is sent now.
            due = max(dm_prompt_due(planned, round_.opens_at, limit, at, zone, server_zone), now)
            existing = await ledger.get_occurrence(self.bot.db, DM_PROMPT.key(round_.id, member.id))
            if existing is None:
                new[due].append(member.id)
            elif (
                # A retry waiting out its backoff (attempts > 0) is not moved: it would restart.
                existing.state == "pending"
                and existing.attempts == 0
                and existing.due_at != due
                and await self.bot.scheduler.reschedule(existing.key, due)
            ):
                dues.append(due)
        for due, user_ids in new.items():
            added = await self.bot.scheduler.fan_out(
                DM_PROMPT,
                (round_.id,),
                user_ids,
                due,
                guild_id=round_.guild_id,
                payload={"round_id": round_.id},
            )
            dues += [due] * added
        log.info("round %s: %d DM prompts planned or moved", round_.id, len(dues))
        return dues

    async def handle_plan(self, occurrence: Occurrence) -> None:
        round_ = await store.get_round(self.bot.db, int(occurrence.payload["round_id"]))
        if round_ is None:
            raise SkipOccurrence("the round no longer exists")
        await self.plan_round(round_)

    # -- sending -----------------------------------------------------------------------------

    async def handle_prompt(self, occurrence: Occurrence) -> None:
        round_ = await open_round_of(self.bot, occurrence)
        if not dm_prompt_sendable(self.bot.clock.now(), dm_limit(round_)):
            raise SkipOccurrence("the reminder time has come; the reminder stands in")
        if (await store.get_settings(self.bot.db, round_.guild_id)).delivery == "channel":
            raise SkipOccurrence("prompts are posted in the channel only now")
        member = await member_to_ask(self.bot, round_, int(occurrence.payload["user_id"]))
        # Last week's plan in full, with its Done / Partly / Not done / Plan changed buttons
        # beside Check in (the same panel as the reminder's).
        state = await self.reflections.state(round_.id, member.id, check_open=False)
        view = plan_followup(state)[1] if state.plan else dm_prompt_view(round_.id, member.id)
        outcome = await send_to_member(
            self.bot,
            occurrence,
            round_,
            member,
            content=dm_prompt_text(member.guild.name, state.plan),
            embed=dm_prompt_embed(round_),
            view=view,
            fallback_content=dm_prompt_fallback_text(round_),
        )
        log.debug("round %s: prompted %s by %s", round_.id, member.id, outcome.value)
