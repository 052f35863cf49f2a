"""The scheduled side of check-ins: posting prompts, reminders and closing (planning the
next prompt is in planning.py).

Occurrence kinds (all in the delivery ledger, so each happens once across restarts):

- `checkin-prompt` (`checkin-prompt:<guild>:<week>`, a second attempt in the same week gets
  `:<n>`): creates the round, posts the prompt and opens its thread. A prompt missed while the
  bot was down is posted only if its round would still be open for 12 hours.
- `checkin-reminders` (`checkin-reminders:<round>`): at reminder time, one child per cohort
  member who has not answered, skipped or paused (`/me pause`).
- `checkin-reminder` (`checkin-reminder:<round>:<user>`): one DM, or one mention in the thread.
- `checkin-close` (`checkin-close:<round>`): marks the round closed and updates the prompt.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot import guilds, members
from bot.checks import in_cohort
from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.timeparse import WEEKDAYS
from cogs.checkins import store
from cogs.checkins.logic import RoundTimes, cap_round_times, prompt_should_post, round_times
from cogs.checkins.planning import PROMPT, PROMPT_GRACE, Planner
from cogs.checkins.store import CheckinSettings, Round
from cogs.checkins.views import (
    prompt_embed,
    prompt_view,
    reminder_fallback_text,
    reminder_text,
    reminder_view,
    thread_name,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

FEATURE_NAME = "checkins"  # as registered with the core (/me notifications names it)
REMINDERS = "checkin-reminders"
REMINDER = "checkin-reminder"
CLOSE = "checkin-close"
THREAD_ALREADY_EXISTS = 160004  # Discord: "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: a round never lasts longer


def cohort_members(guild: discord.Guild, cohort_role_id: int | None) -> list[discord.Member]:
    return [member for member in guild.members if in_cohort(member, cohort_role_id)]


class Rounds:
    def __init__(self, bot: HammingBot, planner: Planner) -> None:
        self.bot = bot
        self.planner = planner

    def jobs(self) -> list[Job]:
        return [
            # A week of grace: the prompt handler itself decides (>= 12 h of the round left).
            Job(Kind(PROMPT, PROMPT_GRACE), self.handle_prompt),
            # Reminders stay useful while the round is open; the handlers check that.
            Job(Kind(REMINDERS, timedelta(days=7)), self.handle_reminders),
            Job(Kind(REMINDER, timedelta(days=7)), self.handle_reminder),
            # Closing is never moot: however late, the round must end up closed.
            Job(Kind(CLOSE, timedelta(days=3650)), self.handle_close),
        ]

    # -- the prompt --------------------------------------------------------------------------

    async def handle_prompt(self, occurrence: Occurrence) -> None:
        guild_id = occurrence.guild_id
        if guild_id is None:
            raise SkipOccurrence("a check-in prompt needs a server")
        week = str(occurrence.payload["week"])
        # Next week's prompt first: this round must close before it (and a skipped or failed
        # prompt must not leave the server without one). This occurrence, being claimed,
        # counts as this week's.
        next_due = await self.planner.plan_next_prompt(guild_id, self.bot.clock.now(), replace=True)
        round_ = await store.get_round_for_week(self.bot.db, guild_id, week)
        if round_ is None:
            round_ = await self._open_round(occurrence, guild_id, week, next_due)
        elif round_.prompt_key != occurrence.key:
            if round_.message_id is not None:
                raise SkipOccurrence(f"{week} already has a round ({round_.prompt_key})")
            # The first attempt never got its prompt out (e.g. permissions were missing until
            # the moderator fixed them and used prompt-now): this occurrence takes over.
            async with self.bot.db.transaction() as tx:
                await store.update_round_prompt_key(tx, round_.id, occurrence.key)
        await self.post_round(round_, occurrence)

    async def _open_round(
        self, occurrence: Occurrence, guild_id: int, week: str, next_due: datetime | None
    ) -> Round:
        settings = await store.get_settings(self.bot.db, guild_id)
        now = self.bot.clock.now()
        if not settings.enabled or settings.channel_id is None:
            raise SkipOccurrence("check-ins are off in this server")
        times = round_times(
            occurrence.due_at, settings.close_after_hours, settings.reminder_hours_before_close
        )
        if not prompt_should_post(occurrence.due_at, now, times.closes):
            left = max(times.closes - now, timedelta(0))
            log.warning(
                "guild %s: skipped the %s prompt: missed while down, only %s of the round left",
                guild_id,
                week,
                left,
            )
            raise SkipOccurrence(f"missed; the round would be open only {left} (12 h needed)")
        # A prompt-now round is opened now, not at the (later) planned time.
        times = cap_round_times(
            RoundTimes(max(now, occurrence.due_at), times.closes, times.reminder_at), next_due
        )
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise SkipOccurrence("the bot is no longer in this server")
        channel = guild.get_channel(settings.channel_id)
        if not isinstance(channel, discord.TextChannel):
            log.warning("guild %s: check-in channel %s is gone", guild_id, settings.channel_id)
            raise SkipOccurrence(f"the check-in channel {settings.channel_id} is gone")
        cohort = await guilds.get_guild_settings(self.bot.db, guild_id)
        paused = await members.list_paused_ids(self.bot.db, guild_id, now)
        asked = [m.id for m in cohort_members(guild, cohort.cohort_role_id)]
        away = [user_id for user_id in asked if user_id in paused]
        async with self.bot.db.transaction() as tx:
            # Paused members (/me pause) are away this week: not counted, not reminded,
            # and their streak is kept.
            for user_id in away:
                await store.insert_skips(tx, guild_id, user_id, [week], now)
            round_id = await store.insert_round(
                tx,
                guild_id=guild_id,
                week=week,
                channel_id=channel.id,
                prompt_key=occurrence.key,
                opens_at=times.opens,
                closes_at=times.closes,
                reminder_at=times.reminder_at,
                visibility=settings.visibility,
                questions=settings.questions,
                cohort_size=len(asked) - len(away),
                now=now,
            )
            await self.bot.scheduler.schedule(
                f"{CLOSE}:{round_id}",
                CLOSE,
                times.closes,
                guild_id=guild_id,
                payload={"round_id": round_id},
            )
            if times.reminder_at is not None:
                await self.bot.scheduler.schedule(
                    f"{REMINDERS}:{round_id}",
                    REMINDERS,
                    max(times.reminder_at, now),
                    guild_id=guild_id,
                    payload={"round_id": round_id},
                )
        log.info("guild %s: opened check-in round %s for %s", guild_id, round_id, week)
        round_ = await store.get_round(self.bot.db, round_id)
        assert round_ is not None
        return round_

    async def post_round(self, round_: Round, occurrence: Occurrence) -> None:
        """Post the prompt and open its thread; each step is skipped if its id is stored."""
        guild = self.bot.get_guild(round_.guild_id)
        channel = guild.get_channel(round_.channel_id) if guild else None
        if not isinstance(channel, discord.TextChannel):
            raise SkipOccurrence(f"the check-in channel {round_.channel_id} is not available")
        message_id = round_.message_id
        if message_id is None:
            message = await channel.send(
                embed=prompt_embed(round_),
                view=prompt_view(round_.id),
                nonce=occurrence.nonce("prompt"),
            )
            message_id = message.id
            async with self.bot.db.transaction() as tx:
                await store.update_round_message(tx, round_.id, message_id)
        if round_.thread_id is None:
            try:
                thread = await channel.get_partial_message(message_id).create_thread(
                    name=thread_name(round_), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
                thread_id = thread.id
            except discord.HTTPException as exc:
                if exc.code != THREAD_ALREADY_EXISTS:
                    raise
                # Created before a crash: a message's thread has the message's id.
                thread_id = message_id
                log.info("round %s: thread already existed; reusing %s", round_.id, thread_id)
            async with self.bot.db.transaction() as tx:
                await store.update_round_thread(tx, round_.id, thread_id)
        log.info(
            "guild %s: posted check-in round %s (%s) as message %s",
            round_.guild_id,
            round_.id,
            round_.week,
            message_id,
        )

    # -- reminders ---------------------------------------------------------------------------

    async def handle_reminders(self, occurrence: Occurrence) -> None:
        round_ = await self._open_round_for(occurrence)
        guild = self.bot.get_guild(round_.guild_id)
        if guild is None:
            raise SkipOccurrence("the bot is no longer in this server")
        cohort = await guilds.get_guild_settings(self.bot.db, round_.guild_id)
        now = self.bot.clock.now()
        answered = await store.list_answered_user_ids(self.bot.db, round_.id)
        away = await store.list_skipping_user_ids(self.bot.db, round_.guild_id, round_.week)
        away |= await members.list_paused_ids(self.bot.db, round_.guild_id, now)
        targets = sorted(
            member.id
            for member in cohort_members(guild, cohort.cohort_role_id)
            if member.id not in answered and member.id not in away
        )
        async with self.bot.db.transaction():
            for user_id in targets:
                await self.bot.scheduler.schedule(
                    f"{REMINDER}:{round_.id}:{user_id}",
                    REMINDER,
                    now,
                    guild_id=round_.guild_id,
                    payload={"round_id": round_.id, "user_id": user_id},
                    user_id=user_id,
                )
        log.info("round %s: %d reminders to send", round_.id, len(targets))

    async def handle_reminder(self, occurrence: Occurrence) -> None:
        round_ = await self._open_round_for(occurrence)
        user_id = int(occurrence.payload["user_id"])
        if await store.get_answer(self.bot.db, round_.id, user_id) is not None:
            raise SkipOccurrence("answered meanwhile")
        away = await store.list_skipping_user_ids(self.bot.db, round_.guild_id, round_.week)
        if user_id in away:
            raise SkipOccurrence("away this week")
        if await members.is_paused(self.bot.db, round_.guild_id, user_id, self.bot.clock.now()):
            raise SkipOccurrence("paused (/me pause)")
        guild = self.bot.get_guild(round_.guild_id)
        member = guild.get_member(user_id) if guild else None
        cohort = await guilds.get_guild_settings(self.bot.db, round_.guild_id)
        if guild is None or member is None or not in_cohort(member, cohort.cohort_role_id):
            raise SkipOccurrence("no longer in the cohort")
        outcome = await send_dm_or_fallback(
            self.bot,
            guild_id=round_.guild_id,
            user_id=user_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=round_.thread_id,
            content=reminder_text(guild.name, round_),
            view=reminder_view(round_.id, user_id),
            fallback_content=reminder_fallback_text(round_),
            feature=FEATURE_NAME,
        )
        if outcome is Delivered.UNREACHABLE:
            raise SkipOccurrence("DMs closed and the round has no thread")
        # One line per member would be 2,000 lines a week; the ledger keeps each send.
        log.debug("round %s: reminded %s by %s", round_.id, user_id, outcome.value)

    async def _open_round_for(self, occurrence: Occurrence) -> Round:
        round_ = await store.get_round(self.bot.db, int(occurrence.payload["round_id"]))
        if round_ is None:
            raise SkipOccurrence("the round no longer exists")
        if not round_.is_open(self.bot.clock.now()) or round_.closed_at is not None:
            raise SkipOccurrence("the round has closed")
        return round_

    # -- closing -----------------------------------------------------------------------------

    async def handle_close(self, occurrence: Occurrence) -> None:
        round_ = await store.get_round(self.bot.db, int(occurrence.payload["round_id"]))
        if round_ is None:
            raise SkipOccurrence("the round no longer exists")
        async with self.bot.db.transaction() as tx:
            await store.update_round_closed(tx, round_.id, self.bot.clock.now())
        answered = len(await store.list_answered_user_ids(self.bot.db, round_.id))
        if round_.message_id is not None:
            channel = self.bot.get_partial_messageable(round_.channel_id, guild_id=round_.guild_id)
            try:
                await channel.get_partial_message(round_.message_id).edit(
                    embed=prompt_embed(round_, answered=answered),
                    view=prompt_view(round_.id, closed=True),
                )
            except discord.NotFound:
                log.info("round %s: the prompt message was deleted; nothing to edit", round_.id)
        log.info("round %s closed: %d answered", round_.id, answered)


def settings_summary(settings: CheckinSettings) -> str:
    """How a schedule reads in a sentence (without the next date)."""
    reminder = (
        f"reminder {settings.reminder_hours_before_close} h before close"
        if settings.reminder_hours_before_close
        else "no reminder"
    )
    return (
        f"{WEEKDAYS[settings.weekday]}s at {settings.prompt_time} in <#{settings.channel_id}>,"
        f" open {settings.close_after_hours} h, {reminder}, answers {settings.visibility},"
        f" {len(settings.questions)} questions"
    )
