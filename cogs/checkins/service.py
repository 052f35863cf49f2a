"""What members' check-in commands and buttons do: answering, streaks, skipping, history and
stats. The moderators' side (settings, opening a round now) is in service_schedule.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import discord

from bot import guilds
from bot.charts import participation_chart_png
from bot.checks import in_cohort
from bot.db import Database
from bot.ledger import nonce_for
from bot.time import discord_timestamp
from bot.ui import UserError
from cogs.agenda.api import checkin_prefill
from cogs.checkins import store, store_reflections
from cogs.checkins.logic import NEXT_WEEK_INDEX, placeholders, prefill_values, validate_answers
from cogs.checkins.messages import (
    answer_embed,
    history_embed,
    jump_url,
    stats_card,
)
from cogs.checkins.participation import PARTICIPATION_WEEKS, WeekParticipation, participation
from cogs.checkins.reflections import cohort_completion
from cogs.checkins.service_reflections import member_rates, plan_field
from cogs.checkins.store import Answer, Round
from cogs.checkins.streaks import (
    MemberWeeks,
    StreakFold,
    fold_streaks,
    is_milestone,
    live_streaks,
    member_streaks,
    milestone_reached,
    skip_start_week,
    skip_weeks,
    streak_message,
)
from cogs.checkins.weeks import (
    shift_week,
    week_key,
    week_title,
    weeks_between,
    weeks_ending,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

NOT_IN_COHORT = (
    "Check-ins are for members of the cohort{role}. If you should be in it, ask a moderator "
    "to give you the role."
)


@dataclass(frozen=True)
class AnswerForm:
    """What the answer modal is opened with."""

    round_: Round
    defaults: Mapping[int, str]
    placeholders: Sequence[str]


class Submission(NamedTuple):
    """Answers checked and ready to save."""

    round_: Round
    member: discord.Member
    answers: tuple[str, ...]


class Answers:
    """A member's side of a round: answering, streaks, skipping, history and stats."""

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        # One submission at a time per (round, member): a double click must not post twice.
        # A few bytes per member and week; never pruned while the process lives.
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    # -- who may answer ----------------------------------------------------------------------

    async def cohort_member(self, guild_id: int, user_id: int) -> discord.Member:
        """The member, if they are in the cohort; else a plain UserError."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise UserError("I am no longer in that server, so its check-ins are closed.")
        member = guild.get_member(user_id)
        if member is None:
            raise UserError(f"You are not a member of **{guild.name}** any more.")
        settings = await guilds.get_guild_settings(self.bot.db, guild_id)
        if not in_cohort(member, settings.cohort_role_id):
            role = f" (the <@&{settings.cohort_role_id}> role)" if settings.cohort_role_id else ""
            raise UserError(NOT_IN_COHORT.format(role=role))
        return member

    async def round_for_answer(self, round_id: int, now: datetime) -> Round:
        round_ = await store.get_round(self.bot.db, round_id)
        if round_ is None:
            raise UserError("This check-in no longer exists.")
        if now < round_.opens_at:
            raise UserError("This check-in has not opened yet.")
        if now >= round_.closes_at:
            raise UserError(
                f"The check-in for {week_title(round_.week)} closed"
                f" {discord_timestamp(round_.closes_at, 'R')}, so it no longer takes answers."
                " Thank you for wanting to! The next round opens at the usual time."
            )
        return round_

    # -- the modal ---------------------------------------------------------------------------

    async def answer_form(self, which: Round | int, user_id: int) -> AnswerForm:
        """What the answer modal shows: this week's answers to edit, else last week's Q1 and
        Q2 and, as Q3's placeholder, last week's plan.

        `which` is a round id (from a button), or the open round a command already found.
        """
        now = self.bot.clock.now()
        round_ = which if isinstance(which, Round) else await self.round_for_answer(which, now)
        await self.cohort_member(round_.guild_id, user_id)
        # This round's answer (to edit) and the one before it, in one query: every query here
        # runs before Discord's 3 s deadline, with the whole cohort pressing the button at once.
        recent = await store.list_member_answers(
            self.bot.db, round_.guild_id, user_id, limit=2, through_week=round_.week
        )
        current = next((a for r, a in recent if r.id == round_.id), None)
        previous = next(((r, a) for r, a in recent if r.week < round_.week), None)
        if current is not None:
            defaults = {i: a for i, a in enumerate(current.answers) if a}
        else:
            defaults = prefill_values(previous[1].answers if previous else [])
            # The member's research agenda, when they keep one, is the truer starting point.
            defaults |= await checkin_prefill(self.bot.db, round_.guild_id, user_id)
        plan = await self._last_plan(round_, previous)
        return AnswerForm(round_, defaults, placeholders(round_.questions, plan))

    async def _last_plan(self, round_: Round, previous: tuple[Round, Answer] | None) -> str | None:
        """The member's "next week" answer from the server's previous round, if they gave one."""
        if previous is None:
            return None
        previous_round, answer = previous
        week_before = await store.get_week_before(self.bot.db, round_.guild_id, round_.week)
        if previous_round.week != week_before:
            return None
        answers = answer.answers
        return answers[NEXT_WEEK_INDEX] if len(answers) > NEXT_WEEK_INDEX else None

    # -- submitting --------------------------------------------------------------------------

    async def check_submission(
        self, round_id: int, user_id: int, values: Sequence[str]
    ) -> Submission:
        """The answers to save, or a DomainError/UserError before anything is saved."""
        now = self.bot.clock.now()
        round_ = await self.round_for_answer(round_id, now)
        answers = validate_answers(round_.questions, values)
        member = await self.cohort_member(round_.guild_id, user_id)
        return Submission(round_, member, answers)

    async def submit(self, submission: Submission) -> str:
        """Save the answers (and post them in the thread if public); returns the reply."""
        round_, member, answers = submission
        now = self.bot.clock.now()
        key = (round_.id, member.id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            before = await store.get_answer(self.bot.db, round_.id, member.id)
            async with self.bot.db.transaction() as tx:
                await store.upsert_answer(tx, round_.id, member.id, answers, now)
            log.info(
                "round %s: %s %s their check-in",
                round_.id,
                member.id,
                "edited" if before else "submitted",
            )
            where = await self._publish(round_, member, answers, before, now)
        # One read of the record serves both streaks: before this answer, the record was the
        # same without this week (a first answer) or the same (an edit, which earns nothing).
        record = await self.member_weeks(round_.guild_id, member.id)
        frame = await self.streak_frame(round_.guild_id, now)
        streak_after, _ = member_streaks(record, *frame)
        milestone = None
        if before is None:
            without = MemberWeeks(record.answered - {round_.week}, record.skipped)
            milestone = milestone_reached(member_streaks(without, *frame)[0], streak_after)
        verb = "updated" if before else "saved"
        lines = [f"Your check-in for {week_title(round_.week)} is {verb}.", where]
        lines.append(streak_message(streak_after, milestone))
        return "\n".join(line for line in lines if line)

    async def _publish(
        self,
        round_: Round,
        member: discord.Member,
        answers: Sequence[str],
        before: Answer | None,
        now: datetime,
    ) -> str:
        """Post (or edit) the answers in the round's thread; returns where they are, in words."""
        if round_.visibility != "public":
            return "Only moderators can read it."
        if round_.thread_id is None:
            return ""
        thread = self.bot.get_partial_messageable(round_.thread_id, guild_id=round_.guild_id)
        extra = await plan_field(self.bot.db, round_, member.id)
        card = answer_embed(
            round_, member.display_name, answers, now, edited=before is not None, extra=extra
        )
        message_id = before.message_id if before else None
        try:
            if message_id is not None:
                try:
                    await thread.get_partial_message(message_id).edit(
                        content=member.mention,
                        embed=card,
                        allowed_mentions=discord.AllowedMentions.none(),
                    )
                except discord.NotFound:
                    message_id = None  # deleted by someone: post it again below
            if message_id is None:
                part = f"{now.timestamp():.0f}" if before else "first"
                message = await thread.send(
                    content=member.mention,
                    embed=card,
                    allowed_mentions=discord.AllowedMentions.none(),
                    nonce=nonce_for(f"checkin-answer:{round_.id}:{member.id}:{part}"),
                )
                message_id = message.id
                async with self.bot.db.transaction() as tx:
                    await store.update_answer_message(tx, round_.id, member.id, message_id)
        except discord.HTTPException as exc:
            log.warning(
                "round %s: could not post %s's answers in thread %s: %s",
                round_.id,
                member.id,
                round_.thread_id,
                exc,
            )
            return (
                "I could not post it in the thread, though; a moderator can check my"
                " permissions there."
            )
        return f"It is in the thread: {jump_url(round_.guild_id, round_.thread_id, message_id)}"

    # -- streaks and skipping ----------------------------------------------------------------

    async def current_week(self, guild_id: int, now: datetime) -> tuple[str, Round | None]:
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        week = week_key(now.astimezone(zone).date())
        return week, await store.get_round_for_week(self.bot.db, guild_id, week)

    async def _streak_week(self, guild_id: int, now: datetime) -> tuple[str, Round | None]:
        """The week streaks count back from, and its round (None if it has none yet).

        Usually this calendar week; but while last week's round is still open (a round
        that runs into the next week) it is that round's week, so it is not counted missed.
        """
        week, round_ = await self.current_week(guild_id, now)
        open_round = await store.get_open_round(self.bot.db, guild_id, now)
        if open_round is not None and open_round.week < week:
            return open_round.week, open_round
        return week, round_

    async def member_weeks(self, guild_id: int, user_id: int) -> MemberWeeks:
        answered = await store.list_member_answered_weeks(self.bot.db, guild_id, user_id)
        skipped = await store.list_member_skips(self.bot.db, guild_id, user_id)
        return MemberWeeks(frozenset(answered), frozenset(skipped))

    async def streak_frame(self, guild_id: int, now: datetime) -> tuple[list[str], str, bool]:
        """What every member's streak is counted against: (round weeks, week, is it open)."""
        week, round_ = await self._streak_week(guild_id, now)
        is_open = round_ is not None and round_.is_open(now)
        return await store.list_round_weeks(self.bot.db, guild_id), week, is_open

    async def streaks(self, guild_id: int, user_id: int, now: datetime) -> tuple[int, int]:
        """(current, longest) streak of one member."""
        record = await self.member_weeks(guild_id, user_id)
        return member_streaks(record, *await self.streak_frame(guild_id, now))

    async def all_streaks(self, guild_id: int, now: datetime) -> dict[int, tuple[int, int]]:
        """Every member's (current, longest) streak in the server.

        Reads the streaks folded through last week (folding what is missing first) and this
        week's answers: a few small queries instead of every answer ever given.
        """
        db = self.bot.db
        week, round_ = await self._streak_week(guild_id, now)
        settled = shift_week(week, -1)
        through, folds = await store.get_streak_folds(db, guild_id)
        if through != settled:
            folds = await fold_server_streaks(db, guild_id, settled)
            log.info("guild %s: streaks folded through %s (%d)", guild_id, settled, len(folds))
        answered = set() if round_ is None else await store.list_answered_user_ids(db, round_.id)
        skipped = await store.list_skipping_user_ids(db, guild_id, week)
        has_round = round_ is not None
        is_open = round_ is not None and round_.is_open(now)
        return {
            user_id: live_streaks(
                folds.get(user_id, StreakFold()),
                answered=user_id in answered,
                skipped=user_id in skipped,
                has_round=has_round,
                is_open=is_open,
            )
            for user_id in folds.keys() | answered
        }

    async def history(
        self, guild_id: int, member: discord.Member, weeks: int, loop_lines: Sequence[str]
    ) -> discord.Embed:
        """The member's last `weeks` weeks of rounds, their streak and `loop_lines` (how their
        plans went and the drift check, from Reflections.history_lines)."""
        db, now = self.bot.db, self.bot.clock.now()
        current_week, _ = await self.current_week(guild_id, now)
        rounds = await store.list_rounds(
            db, guild_id, since_week=shift_week(current_week, 1 - weeks)
        )
        return history_embed(
            member.display_name,
            weeks,
            now,
            rounds,
            await store.list_member_answers(db, guild_id, member.id),
            await store.list_member_skips(db, guild_id, member.id),
            await self.streaks(guild_id, member.id, now),
            loop_lines,
        )

    async def stats(
        self, guild_id: int, viewer_id: int, *, everyone: bool
    ) -> tuple[discord.Embed, discord.File]:
        """Participation over the last 12 weeks as a chart, and streaks (see stats_card)."""
        now = self.bot.clock.now()
        current_week, _ = await self.current_week(guild_id, now)
        window = weeks_ending(current_week, PARTICIPATION_WEEKS)
        rows = await self.participation(guild_id, window[0])
        # The cohort's plans followed through, per round: an aggregate that names nobody.
        marks = await store_reflections.list_marks_by_week(self.bot.db, guild_id, window[0])
        rates = [cohort_completion(marks.get(row.week, ())).rate for row in rows]
        png = await participation_chart(rows, rates)
        streaks = await self.all_streaks(guild_id, now)
        own = await member_rates(self.bot.db, guild_id, viewer_id, public_only=False)
        return stats_card(rows, png, streaks, viewer_id, everyone=everyone, plan_rates=own)

    async def participation(self, guild_id: int, since_week: str) -> list[WeekParticipation]:
        """Answers against the cohort, per round from `since_week` on."""
        rounds = await store.list_rounds(self.bot.db, guild_id, since_week=since_week)
        counts = await store.count_answers_by_week(self.bot.db, guild_id, since_week)
        return participation(
            [r.week for r in rounds], counts, {r.week: r.cohort_size for r in rounds}
        )

    async def milestones(self, guild_id: int, now: datetime) -> list[tuple[int, int]]:
        """(member, streak) of every member whose current streak is a milestone, longest first."""
        streaks = await self.all_streaks(guild_id, now)
        return sorted(
            (
                (member, current)
                for member, (current, _) in streaks.items()
                if is_milestone(current)
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )

    async def skip(self, guild_id: int, user_id: int, weeks: int) -> str:
        """Mark a member away for `weeks` weeks from this one (0 cancels); returns the reply."""
        await self.cohort_member(guild_id, user_id)
        now = self.bot.clock.now()
        week, round_ = await self.current_week(guild_id, now)
        if weeks == 0:
            async with self.bot.db.transaction() as tx:
                cancelled = await store.delete_skips_from(tx, guild_id, user_id, week)
            log.info("guild %s: %s cancelled %d skipped weeks", guild_id, user_id, cancelled)
            if not cancelled:
                return "You had no weeks marked as away from this week on; nothing changed."
            return f"Welcome back: {cancelled} week(s) are no longer marked as away."
        answered = (
            round_ is not None
            and await store.get_answer(self.bot.db, round_.id, user_id) is not None
        )
        closed = None if round_ is None else not round_.is_open(now)
        start = skip_start_week(week, closed, answered)
        chosen = skip_weeks(start, weeks)
        async with self.bot.db.transaction() as tx:
            await store.insert_skips(tx, guild_id, user_id, chosen, now)
        log.info("guild %s: %s is away for %s", guild_id, user_id, ", ".join(chosen))
        span = (
            week_title(chosen[0])
            if weeks == 1
            else (f"{week_title(chosen[0])} to {week_title(chosen[-1])}")
        )
        return (
            f"You are marked away for {span}: no reminders, and your streak is kept."
            " Changed your mind? `/checkin skip weeks:0` cancels it (you can also still answer)."
        )

    async def skip_round(self, user_id: int, round_id: int) -> str:
        """The reminder's "I'm away this week" button: skip that round's week."""
        round_ = await self.round_for_answer(round_id, self.bot.clock.now())
        await self.cohort_member(round_.guild_id, user_id)
        async with self.bot.db.transaction() as tx:
            await store.insert_skips(
                tx, round_.guild_id, user_id, [round_.week], self.bot.clock.now()
            )
        log.info("round %s: %s is away this week", round_.id, user_id)
        return (
            f"Marked you away for {week_title(round_.week)}: no more reminders, and your streak"
            " is kept. Back sooner? Press Check in any time before the round closes."
        )


async def fold_server_streaks(db: Database, guild_id: int, settled: str) -> dict[int, StreakFold]:
    """Carry the server's folded streaks through `settled` (from scratch if need be)."""
    # One transaction: what it reads can't change before it saves (a change at or before
    # the fold's week would drop the fold, by trigger: migration 0009).
    async with db.transaction() as tx:
        through, start = await store.get_streak_folds(db, guild_id)
        if through == settled:
            return start
        if through > settled:  # the clock went back: fold again from the start
            through, start = "", {}
        answered = await store.list_answered_weeks_between(db, guild_id, through, settled)
        if through:
            first = shift_week(through, 1)
        else:  # from the server's first answered week
            first = min((w for weeks in answered.values() for w in weeks), default=settled)
        folds = fold_streaks(
            start,
            weeks_between(first, settled),
            answered,
            await store.list_skipped_weeks(db, guild_id),
            await store.list_round_weeks(db, guild_id),
        )
        await store.save_streak_folds(tx, guild_id, settled, folds)
    return folds


async def participation_chart(
    rows: Sequence[WeekParticipation], rates: Sequence[float | None] | None = None
) -> bytes:
    """The participation chart (PNG), drawn off the event loop; `rates` add the cohort's
    plans followed through, per round."""
    return await asyncio.to_thread(
        participation_chart_png,
        [row.chart_row() for row in rows],
        f"Check-ins, last {PARTICIPATION_WEEKS} weeks",
        rates=rates,
    )
