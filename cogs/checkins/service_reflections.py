"""What the Hamming loop's clicks do: find the plan a member follows up, record a mark, a
why, an on-path answer or the blocker choice, and keep a public answer card's plan line up
to date. History and stats read the rates here too."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.db import Database
from bot.ui import UserError
from cogs.checkins import store, store_reflections
from cogs.checkins.logic import NEXT_WEEK_INDEX
from cogs.checkins.messages import answer_embed
from cogs.checkins.messages_reflections import (
    FollowupState,
    card_plan_field,
    history_loop_lines,
)
from cogs.checkins.reflections import (
    Completion,
    Reflected,
    clean_why,
    cohort_completion,
    rate_windows,
)
from cogs.checkins.store import Answer, Round

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.checkins.service import Answers

log = logging.getLogger(__name__)

BLOCKER_INDEX = 3  # "What is blocking you"
PLAN_LOOKBACK = 13  # answers read back to find the latest plan (a quarter of weeks)


class Reflections:
    """A member's reflection on a round: their plan's mark, their own drift answer, sharing."""

    def __init__(self, bot: HammingBot, answers: Answers) -> None:
        self.bot = bot
        self.answers = answers

    async def state(self, round_id: int, user_id: int, *, check_open: bool) -> FollowupState:
        """What the member's follow-up panel shows; `check_open` refuses a closed round."""
        now = self.bot.clock.now()
        if check_open:
            round_ = await self.answers.round_for_answer(round_id, now)
        else:
            found = await store.get_round(self.bot.db, round_id)
            if found is None:
                raise UserError("This check-in no longer exists.")
            round_ = found
        return await self._state(round_, user_id)

    async def _state(self, round_: Round, user_id: int) -> FollowupState:
        plan = await last_plan(self.bot.db, round_, user_id)
        reflection = await store_reflections.get_reflection(self.bot.db, round_.id, user_id)
        answer = await store.get_answer(self.bot.db, round_.id, user_id)
        blocker = _blocker(answer)
        return FollowupState(
            round_id=round_.id,
            user_id=user_id,
            week=round_.week,
            plan=plan[1] if plan else None,
            plan_week=plan[0].week if plan else None,
            plan_mark=reflection.plan_mark if reflection else None,
            plan_note=reflection.plan_note if reflection else None,
            on_path=reflection.on_path if reflection else None,
            share_blocker=bool(reflection and reflection.share_blocker),
            can_share=round_.visibility == "public" and bool(blocker),
        )

    async def _set(self, round_id: int, user_id: int, column: str, value: object) -> FollowupState:
        """Save one answer of the member's reflection (open rounds, cohort members only)."""
        now = self.bot.clock.now()
        round_ = await self.answers.round_for_answer(round_id, now)
        await self.answers.cohort_member(round_.guild_id, user_id)
        plan = await last_plan(self.bot.db, round_, user_id)
        async with self.bot.db.transaction() as tx:
            await store_reflections.set_reflection(
                tx, round_.id, user_id, plan[0].id if plan else None, column, value, now
            )
        log.info("round %s: %s set their %s", round_.id, user_id, column)
        if column == "plan_mark":
            await self.refresh_card(round_, user_id)
        return await self._state(round_, user_id)

    async def mark_plan(self, round_id: int, user_id: int, mark: str) -> FollowupState:
        state = await self.state(round_id, user_id, check_open=True)
        if state.plan is None:
            raise UserError("You had no plan from an earlier week to mark; nothing changed.")
        return await self._set(round_id, user_id, "plan_mark", mark)

    async def set_why(self, round_id: int, user_id: int, text: str) -> FollowupState:
        return await self._set(round_id, user_id, "plan_note", clean_why(text))

    async def set_on_path(self, round_id: int, user_id: int, value: str) -> FollowupState:
        return await self._set(round_id, user_id, "on_path", value)

    async def set_share(self, round_id: int, user_id: int, share: bool) -> FollowupState:
        state = await self.state(round_id, user_id, check_open=True)
        if not state.can_share:
            raise UserError(
                "Only a blocker written in a public round can be shared; nothing changed."
            )
        return await self._set(round_id, user_id, "share_blocker", int(share))

    # -- the public answer card --------------------------------------------------------------

    async def refresh_card(self, round_: Round, user_id: int) -> None:
        """Edit the member's answer card in the thread in place to show the plan's mark."""
        answer = await store.get_answer(self.bot.db, round_.id, user_id)
        if round_.visibility != "public" or round_.thread_id is None or answer is None:
            return
        if answer.message_id is None:
            return
        guild = self.bot.get_guild(round_.guild_id)
        member = guild.get_member(user_id) if guild else None
        if member is None:
            return
        extra = await plan_field(self.bot.db, round_, user_id)
        edited = answer.updated_at != answer.submitted_at
        name, answers, updated = member.display_name, answer.answers, answer.updated_at
        card = answer_embed(round_, name, answers, updated, edited=edited, extra=extra)
        thread = self.bot.get_partial_messageable(round_.thread_id, guild_id=round_.guild_id)
        try:
            await thread.get_partial_message(answer.message_id).edit(
                embed=card, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:
            log.warning("round %s: could not show %s's plan mark: %s", round_.id, user_id, exc)

    # -- rates and history -------------------------------------------------------------------

    async def history_lines(self, guild_id: int, user_id: int, *, private: bool) -> list[str]:
        """/checkin history's plans-and-direction lines; `private`: the member or a moderator."""
        rates = await member_rates(self.bot.db, guild_id, user_id, public_only=not private)
        settings = await store.get_settings(self.bot.db, guild_id)
        rows = await store_reflections.list_member_loop(self.bot.db, guild_id, user_id)
        history = [Reflected(week, mark, on_path) for week, mark, on_path in rows]
        return history_loop_lines(rates, history, settings.drift_weeks, private=private)

    async def round_completion(self, round_id: int) -> Completion:
        """The cohort's aggregate rate over one round (for the digest; names nobody)."""
        return cohort_completion(await store_reflections.list_round_marks(self.bot.db, round_id))


async def last_plan(db: Database, round_: Round, user_id: int) -> tuple[Round, str] | None:
    """The member's most recent "next week" answer from a round before this one."""
    recent = await store.list_member_answers(
        db, round_.guild_id, user_id, limit=PLAN_LOOKBACK, through_week=round_.week
    )
    for earlier, answer in recent:
        if earlier.week < round_.week and len(answer.answers) > NEXT_WEEK_INDEX:
            plan = answer.answers[NEXT_WEEK_INDEX].strip()
            if plan:
                return earlier, plan
    return None


async def plan_field(db: Database, round_: Round, user_id: int) -> tuple[str, str] | None:
    """The answer card's "Last week's plan" line, in public rounds once it is marked."""
    if round_.visibility != "public":
        return None
    reflection = await store_reflections.get_reflection(db, round_.id, user_id)
    plan = await last_plan(db, round_, user_id)
    if reflection is None or plan is None:
        return None
    return card_plan_field(plan[1], reflection.plan_mark)


async def member_rates(
    db: Database, guild_id: int, user_id: int, *, public_only: bool
) -> dict[int, Completion]:
    """The member's completion over the server's last 4 and 12 rounds (public rounds only,
    for another member's eyes)."""
    weeks = await store.list_round_weeks(db, guild_id)
    rows = await store_reflections.list_member_reflections(db, guild_id, user_id)
    marks = [
        (week, r.plan_mark)
        for week, visibility, r in rows
        if not public_only or visibility == "public"
    ]
    return rate_windows(marks, weeks)


def _blocker(answer: Answer | None) -> str:
    if answer is None or len(answer.answers) <= BLOCKER_INDEX:
        return ""
    return answer.answers[BLOCKER_INDEX].strip()
