"""What the buttons on feedback swaps' private messages do: the reviewer's answer (sent it,
three more days, can't), the author's rating, and rejoining the pool after lapses.

Each checks who pressed and the assignment's state, then changes it in one transaction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.ui import UserError
from cogs.feedback_swaps import messages, store, store_rounds
from cogs.feedback_swaps.jobs import Rounds
from cogs.feedback_swaps.logic import extended_due
from cogs.feedback_swaps.store_rounds import AssignmentRow

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class Answers:
    """The buttons' side of the service (service.py has the commands')."""

    def __init__(self, bot: HammingBot, rounds: Rounds) -> None:
        self.bot = bot
        self.rounds = rounds

    async def _assignment(self, assignment_id: int) -> AssignmentRow:
        found = await store_rounds.get_assignment(self.bot.db, assignment_id)
        if found is None:
            raise UserError("I cannot find that review any more.")
        return found

    async def answer(self, assignment_id: int, user_id: int, action: str) -> tuple[str, bool]:
        """The reviewer's Yes / Need 3 more days / Can't do it; (reply, keep the buttons)."""
        a = await self._assignment(assignment_id)
        if user_id != a.reviewer_id:
            raise UserError("Only the reviewer of this draft can answer here.")
        if a.status in ("cancelled", "withdrawn"):
            why = (
                "you said you can't do it"
                if a.status == "cancelled"
                else "the author withdrew the draft"
            )
            raise UserError(f"This review is closed: {why}. Nothing to do.")
        if a.status == "done" and a.sent_at is not None:
            raise UserError("You already told me you sent this feedback. Thank you!")
        if action == "yes":
            return await self._sent(a), False
        if a.status != "active":
            raise UserError(
                f"This review is {a.status}. If you sent your feedback anyway, press Yes and it "
                "still counts."
            )
        if action == "more":
            return await self._extend(a), True
        return await self._decline(a), False

    async def _sent(self, a: AssignmentRow) -> str:
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            marked = await store_rounds.update_assignment_sent(tx, a.id, now)
            if marked:
                await self.rounds.cancel_followups(a.id)
                await self.rounds.close_if_finished(a.draft_id, now)
                if a.rating is None:
                    await self.rounds.schedule_rating(a, now)
        if not marked:
            raise UserError("The author already confirmed they got your feedback. Thank you!")
        self.bot.dispatch("feedback_swap_completed", a.guild_id, a.author_id, a.draft_id)
        log.info("guild %s: %s sent feedback for assignment %s", a.guild_id, a.reviewer_id, a.id)
        return f"✅ Thank you! Noted that you sent your feedback to <@{a.author_id}>."

    async def _extend(self, a: AssignmentRow) -> str:
        now = self.bot.clock.now()
        due = extended_due(a.due_at, a.extensions)
        async with self.bot.db.transaction() as tx:
            if not await store_rounds.update_assignment_extend(tx, a.id, due, a.extensions + 1):
                raise UserError("This review changed meanwhile; look at `/feedback status`.")
            await self.rounds.cancel_followups(a.id)
            await self.rounds.schedule_followups(
                a.guild_id, a.id, a.reviewer_id, a.extensions + 1, now, due
            )
            await self.rounds.notice(
                a.guild_id, a.author_id, "extended", assignment=a.id, n=a.extensions + 1
            )
        log.info("guild %s: %s extended assignment %s", a.guild_id, a.reviewer_id, a.id)
        return f"⏳ Three more days: your feedback is now due {messages.when(due)}. I'll ask again."

    async def _decline(self, a: AssignmentRow) -> str:
        db = self.bot.db
        now = self.bot.clock.now()
        async with db.transaction() as tx:
            if not await store_rounds.update_assignment_status(tx, a.id, "cancelled", now):
                raise UserError("This review changed meanwhile; look at `/feedback status`.")
            await self.rounds.cancel_followups(a.id)
            await self.rounds.reopen_if_uncovered(a.draft_id, now)
            await self.rounds.notice(a.guild_id, a.author_id, "dropped", assignment=a.id)
        log.info("guild %s: %s declined assignment %s", a.guild_id, a.reviewer_id, a.id)
        return (
            "Understood, thank you for saying so. The draft goes back into the pool and "
            "goes first in the next round."
        )

    async def check_rating(self, assignment_id: int, user_id: int) -> str:
        a = await self._assignment(assignment_id)
        if user_id != a.author_id:
            raise UserError("Only the author of this draft can confirm and rate the feedback.")
        if a.status in ("cancelled", "withdrawn"):
            raise UserError("This review was called off, so there is nothing to rate.")
        return f"How helpful was <@{a.reviewer_id}>'s feedback? 1 = not much, 5 = very."

    async def rate(self, assignment_id: int, user_id: int, stars: int) -> str:
        await self.check_rating(assignment_id, user_id)
        now = self.bot.clock.now()
        a = await self._assignment(assignment_id)
        async with self.bot.db.transaction() as tx:
            if not await store_rounds.update_assignment_received(tx, a.id, stars, now):
                raise UserError("This review was called off, so there is nothing to rate.")
            if a.status != "done":
                await self.rounds.cancel_followups(a.id)
                await self.rounds.close_if_finished(a.draft_id, now)
        if a.status != "done":  # the author got it before the reviewer said so: it is done
            self.bot.dispatch("feedback_swap_completed", a.guild_id, a.author_id, a.draft_id)
        log.info("guild %s: %s rated assignment %s", a.guild_id, user_id, a.id)
        return f"Thanks! You rated <@{a.reviewer_id}>'s feedback {stars}/5."

    async def rejoin(self, guild_id: int, user_id: int) -> str:
        reviewer = await store.get_reviewer(self.bot.db, guild_id, user_id)
        if reviewer is None:
            raise UserError("You are not in this server's reviewer pool; use `/feedback join`.")
        async with self.bot.db.transaction() as tx:
            await store.upsert_reviewer_join(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                topics=reviewer.topics,
                per_round=reviewer.per_round,
                now=self.bot.clock.now(),
            )
        log.info("guild %s: %s rejoined the reviewer pool", guild_id, user_id)
        return "You are back in the reviewer pool, and your lapse count starts again at zero."
