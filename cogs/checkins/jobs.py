"""The scheduled side of check-ins: planning the next prompt, posting it, reminding, closing.

Occurrence kinds (all in the delivery ledger, so each happens once across restarts):

- `checkin-prompt` (`checkin-prompt:<guild>:<week>`, a second attempt in the same week gets
  `:<n>`): creates the round, posts the prompt and opens its thread. A prompt missed while the
  bot was down is posted only if its round would still be open for 12 hours. The Planner keeps
  exactly one pending per configured server, and never a second prompt for a week that had one.
- `checkin-reminders` (`checkin-reminders:<round>`): at reminder time, one child per cohort
  member who has not answered, skipped or paused (`/me pause`).
- `checkin-reminder` (`checkin-reminder:<round>:<user>`): one DM, or one mention in the thread
  (the fan-out's children, added by `scheduler.fan_out`).
- `checkin-close` (`checkin-close:<round>`): marks the round closed and updates the prompt.
- `checkin-dm-prompts` and `checkin-dm-prompt`: the per-member DM prompts (jobs_delivery.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot import guilds, ledger, members
from bot.checks import in_cohort
from bot.errors import THREAD_ALREADY_EXISTS
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from cogs.agenda.api import BLANK_SLATE_LINE, BlankSlateButton, blank_slate_round
from cogs.checkins import store
from cogs.checkins.delivery import channel_delivery_note, with_delivery_note
from cogs.checkins.jobs_asking import member_to_ask, open_round_of, send_to_member
from cogs.checkins.jobs_blockers import schedule_gathering
from cogs.checkins.jobs_delivery import DM_PROMPTS
from cogs.checkins.jobs_reflections import DriftJobs
from cogs.checkins.logic import (
    RoundTimes,
    cap_round_times,
    next_prompt_at,
    prompt_should_post,
    round_times,
)
from cogs.checkins.messages import (
    prompt_embed,
    reminder_fallback_text,
    reminder_text,
    thread_name,
)
from cogs.checkins.reflections_view import plan_followup
from cogs.checkins.store import Round
from cogs.checkins.views import prompt_view, reminder_view
from cogs.checkins.weeks import prompt_week

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.checkins.service_reflections import Reflections

log = logging.getLogger(__name__)

# A week of grace: the prompt handler itself decides (>= 12 h of the round left).
PROMPT = Kind("checkin-prompt", timedelta(days=7), ("guild", "week"))
# Reminders stay useful while the round is open; the handlers check that.
REMINDERS = Kind("checkin-reminders", timedelta(days=7), ("round",))
REMINDER = Kind("checkin-reminder", timedelta(days=7), ("round", "user"))
# Closing is never moot: however late, the round must end up closed.
CLOSE = Kind("checkin-close", timedelta(days=3650), ("round",))
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: a round never lasts longer
# Whether a week's prompt already happened (or is happening): then planning moves on a week.
_USED_STATES = frozenset({"claimed", "done", "skipped", "failed"})


def prompt_key(guild_id: int, week: str, attempt: int = 1) -> str:
    """`checkin-prompt:<guild>:<week>`; a week re-planned after a cancel gets `:<attempt>`."""
    base = PROMPT.key(guild_id, week)
    return base if attempt == 1 else f"{base}:{attempt}"


def cohort_members(guild: discord.Guild, cohort_role_id: int | None) -> list[discord.Member]:
    return [member for member in guild.members if in_cohort(member, cohort_role_id)]


class Planner:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    async def plan_all(self, now: datetime) -> None:
        """At start-up: every configured server has its next prompt in the ledger."""
        for guild_id in await store.list_enabled_guild_ids(self.bot.db):
            await self.plan_next_prompt(guild_id, now, replace=False)

    async def replan_guild(self, guild_id: int) -> None:
        """The server's time zone changed: move its pending prompt to the new local time."""
        now = self.bot.clock.now()
        pending = await self.pending_prompts(guild_id)
        # A prompt already attempted is a retry waiting out its backoff, not a plan:
        # replacing it would cancel the retry.
        if all(o.due_at > now and o.attempts == 0 for o in pending):
            await self.plan_next_prompt(guild_id, now, replace=True)

    async def pending_prompts(self, guild_id: int) -> list[Occurrence]:
        return await ledger.list_occurrences(
            self.bot.db, guild_id=guild_id, kind=PROMPT.name, states=("pending",)
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
        # One transaction: a zone change's re-plan and a running prompt must not interleave.
        async with self.bot.db.transaction():
            return await self._plan_next_prompt(guild_id, now, replace=replace)

    async def _plan_next_prompt(
        self, guild_id: int, now: datetime, *, replace: bool
    ) -> datetime | None:
        settings = await store.get_settings(self.bot.db, guild_id)
        pending = await self.pending_prompts(guild_id)
        if not settings.enabled or settings.channel_id is None:
            for occurrence in pending:
                await self.bot.scheduler.cancel(key=occurrence.key)
            return None
        live = [o for o in pending if now - o.due_at <= PROMPT.grace]
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
        pending = await self.pending_prompts(guild_id)
        return pending[0].due_at if pending else None


class Jobs:
    """The handlers of the check-ins' occurrences, one per Kind."""

    def __init__(self, bot: HammingBot, planner: Planner, reflections: Reflections) -> None:
        self.bot = bot
        self.planner = planner
        self.reflections = reflections
        self.drift = DriftJobs(bot)

    def jobs(self) -> list[Job]:
        return [
            Job(PROMPT, self.handle_prompt),
            Job(REMINDERS, self.handle_reminders),
            Job(REMINDER, self.handle_reminder),
            Job(CLOSE, self.handle_close),
            *self.drift.jobs(),
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
        if (await store.get_settings(self.bot.db, guild_id)).delivery != "channel":
            # Each member's DM at their own prompt time; planned once the thread exists, so a
            # closed-DM fallback has its home. Idempotent by key if this prompt is retried.
            await self.bot.scheduler.schedule(
                DM_PROMPTS.key(round_.id),
                DM_PROMPTS,
                round_.opens_at,
                guild_id=guild_id,
                payload={"round_id": round_.id},
            )

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
                CLOSE.key(round_id),
                CLOSE,
                times.closes,
                guild_id=guild_id,
                payload={"round_id": round_id},
            )
            if times.reminder_at is not None:
                await self.bot.scheduler.schedule(
                    REMINDERS.key(round_id),
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
            blank = await self._blank_slate(round_)
            settings = await store.get_settings(self.bot.db, round_.guild_id)
            note = channel_delivery_note(settings.delivery, settings.prompt_time)
            message = await channel.send(
                embed=with_delivery_note(
                    prompt_embed(round_, extra_line=BLANK_SLATE_LINE if blank else None), note
                ),
                view=prompt_view(
                    round_.id, extra=BlankSlateButton(round_.guild_id) if blank else None
                ),
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

    async def _blank_slate(self, round_: Round) -> bool:
        """Whether this round invites a blank-slate agenda rewrite (every Nth round)."""
        every = (await store.get_settings(self.bot.db, round_.guild_id)).blank_slate_weeks
        number = await store.count_rounds_through(self.bot.db, round_.guild_id, round_.id)
        return blank_slate_round(number, every)

    # -- reminders ---------------------------------------------------------------------------

    async def handle_reminders(self, occurrence: Occurrence) -> None:
        round_ = await open_round_of(self.bot, occurrence)
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
        await self.bot.scheduler.fan_out(
            REMINDER,
            (round_.id,),
            targets,
            now,
            guild_id=round_.guild_id,
            payload={"round_id": round_.id},
        )
        log.info("round %s: %d reminders to send", round_.id, len(targets))

    async def handle_reminder(self, occurrence: Occurrence) -> None:
        round_ = await open_round_of(self.bot, occurrence)
        member = await member_to_ask(self.bot, round_, int(occurrence.payload["user_id"]))
        # Last week's plan in full, with its mark buttons (kept out of a channel fallback
        # unless the round is public, where the plan was posted already).
        state = await self.reflections.state(round_.id, member.id, check_open=False)
        card, view = (
            plan_followup(state) if state.plan else (None, reminder_view(round_.id, member.id))
        )
        outcome = await send_to_member(
            self.bot,
            occurrence,
            round_,
            member,
            content=reminder_text(member.guild.name, round_),
            embed=card,
            embed_in_fallback=round_.visibility == "public",
            view=view,
            fallback_content=reminder_fallback_text(round_),
        )
        # One line per member would be 2,000 lines a week; the ledger keeps each send.
        log.debug("round %s: reminded %s by %s", round_.id, member.id, outcome.value)

    # -- closing -----------------------------------------------------------------------------

    async def handle_close(self, occurrence: Occurrence) -> None:
        round_ = await store.get_round(self.bot.db, int(occurrence.payload["round_id"]))
        if round_ is None:
            raise SkipOccurrence("the round no longer exists")
        async with self.bot.db.transaction() as tx:
            await store.update_round_closed(tx, round_.id, self.bot.clock.now())
            await schedule_gathering(self.bot, round_)
        await self.drift.fan_out(round_)
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
