"""The feedback round: compute the plan and store it, with everything it causes, at once.

`feedback-round` occurrences (see jobs.py) run here. The round, its assignments and every
announcement, notice, follow-up and lapse check it causes are written in ONE transaction, so
nothing is sent before that commits, and a retried round never computes a second plan.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import members
from bot.ledger import Occurrence
from bot.scheduler import SkipOccurrence
from cogs.feedback_swaps import store, store_frames, store_rounds
from cogs.feedback_swaps.jobs import Rounds, is_scheduled, member_name
from cogs.feedback_swaps.logic import is_matchable, rounds_ago_pairs
from cogs.feedback_swaps.matching import Draft, Reviewer, RoundPlan, plan_round
from cogs.feedback_swaps.store import DraftRow, FeedbackSettings

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# A scheduled round missed by more than this (the bot was down) is skipped: the next round
# picks its drafts up, rather than two rounds running back to back.
ROUND_LATE_LIMIT = timedelta(days=2)


@dataclass(frozen=True)
class RoundOutcome:
    round_id: int
    assignments: int
    drafts: int
    carried: int
    partial: int
    expired: int
    idle: int


class RoundJob:
    """Performs `feedback-round` occurrences."""

    def __init__(self, bot: HammingBot, rounds: Rounds) -> None:
        self.bot = bot
        self.rounds = rounds

    async def handle_round(self, occurrence: Occurrence) -> None:
        guild_id = occurrence.guild_id
        if guild_id is None:
            raise SkipOccurrence("no server")
        slot = str(occurrence.payload["slot"])
        by = occurrence.payload.get("by")
        scheduled = is_scheduled(slot)
        try:
            settings = await store.get_settings(self.bot.db, guild_id)
            if scheduled and not settings.enabled:
                raise SkipOccurrence("feedback swaps are off in this server")
            late = self.bot.clock.now() - occurrence.due_at
            if scheduled and late > ROUND_LATE_LIMIT:
                raise SkipOccurrence(f"missed by {late}; the next round takes its drafts")
            outcome = await self.run_round(guild_id, slot, triggered_by=by)
            if outcome is None:
                raise SkipOccurrence(f"round {slot} was already computed, or had no drafts")
            log.info(
                "guild %s: feedback round %s (%s) made %d assignments for %d drafts;"
                " %d carried, %d partly covered, %d expired, %d reviewers idle",
                guild_id,
                outcome.round_id,
                slot,
                outcome.assignments,
                outcome.drafts,
                outcome.carried,
                outcome.partial,
                outcome.expired,
                outcome.idle,
            )
        finally:
            if scheduled:
                await self.rounds.plan_next_round(guild_id, self.bot.clock.now())

    async def run_round(
        self, guild_id: int, slot: str, *, triggered_by: int | None = None
    ) -> RoundOutcome | None:
        """Compute and store one round, with everything it will announce, in one transaction."""
        db = self.bot.db
        guild = self.bot.get_guild(guild_id)
        async with db.transaction() as tx:
            if await store_rounds.get_round_by_slot(db, guild_id, slot) is not None:
                return None
            now = self.bot.clock.now()
            settings = await store.get_settings(db, guild_id)

            def present(user_id: int) -> bool:
                return guild is None or guild.get_member(user_id) is not None

            # Paused with /me pause, or gone from the server (the core purges them after its
            # retention period): not matched in either role; their drafts wait.
            paused = await members.list_paused_ids(db, guild_id, now)
            drafts: list[DraftRow] = []
            expired = 0
            for draft in await store.list_drafts(db, guild_id, ("open",)):
                if draft.author_id in paused or not present(draft.author_id):
                    continue
                if not is_matchable(draft.due_at, now):
                    await store.update_draft_status(tx, draft.id, "expired", now)
                    await self.rounds.notice(
                        guild_id, draft.author_id, "expired", now=now, draft=draft.id
                    )
                    expired += 1
                else:
                    drafts.append(draft)
            if not drafts:
                return None
            reviewers = [
                r
                for r in await store.list_reviewers(db, guild_id)
                if r.available(now) and present(r.user_id) and r.user_id not in paused
            ]
            plan = await self._plan(guild_id, settings, drafts, reviewers)
            round_id = await store_rounds.insert_round(
                tx,
                guild_id=guild_id,
                slot=slot,
                now=now,
                reviewers_per_draft=settings.reviewers_per_draft,
                triggered_by=triggered_by,
            )
            by_id = {d.id: d for d in drafts}
            for a in plan.assignments:
                draft = by_id[a.draft_id]
                assignment_id = await store_rounds.insert_assignment(
                    tx,
                    round_id=round_id,
                    guild_id=guild_id,
                    draft_id=draft.id,
                    reviewer_id=a.reviewer_id,
                    author_id=draft.author_id,
                    reason=a.reason,
                    repeat_rounds_ago=a.repeat_rounds_ago,
                    due_at=draft.due_at,
                    now=now,
                )
                await store.update_draft_status(tx, draft.id, "in_review", now)
                await self.rounds.schedule_assignment(
                    guild_id,
                    assignment_id,
                    {"reviewer": a.reviewer_id, "author": draft.author_id},
                    now,
                    draft.due_at,
                )
            carried = partial = 0
            for u in plan.unmatched:
                draft = by_id[u.draft_id]
                await store_rounds.insert_unmatched(
                    tx,
                    store_rounds.UnmatchedRow(
                        round_id, u.draft_id, u.assigned, u.missing, u.reason
                    ),
                )
                if u.assigned == 0:
                    carried += 1
                    await store.update_draft_status(
                        tx, draft.id, "open", now, carried_rounds=draft.carried_rounds + 1
                    )
                    what = "carried"
                else:
                    partial += 1
                    what = "partial"
                await self.rounds.notice(
                    guild_id, draft.author_id, what, now=now, draft=draft.id, round=round_id
                )
            for idle in plan.idle:
                await store_rounds.insert_idle(
                    tx, store_rounds.IdleRow(round_id, idle.member_id, idle.reason)
                )
        return RoundOutcome(
            round_id=round_id,
            assignments=len(plan.assignments),
            drafts=len(drafts),
            carried=carried,
            partial=partial,
            expired=expired,
            idle=len(plan.idle),
        )

    async def _plan(
        self,
        guild_id: int,
        settings: FeedbackSettings,
        drafts: list[DraftRow],
        reviewers: list[store.ReviewerRow],
    ) -> RoundPlan:
        db = self.bot.db
        balances = await store_rounds.list_balances(db, guild_id)
        recent_rounds = await store_rounds.list_rounds(db, guild_id, settings.repeat_window)
        pairs = await store_rounds.list_round_pairs(db, [r.id for r in recent_rounds])
        recent = rounds_ago_pairs([pairs[r.id] for r in recent_rounds])
        avoid = await store.list_avoid_pairs(db, guild_id)
        fields = await store_frames.list_member_fields(db, guild_id)
        frames = await store_frames.list_draft_frames(db, [d.id for d in drafts])
        pool = [
            Reviewer(
                member_id=r.user_id,
                topics=frozenset(r.topics),
                per_round=r.per_round,
                balance=balances.get(r.user_id, 0),
                name=member_name(self.bot, guild_id, r.user_id),
                fields=frozenset(fields.get(r.user_id, ())),
            )
            for r in reviewers
        ]
        wanted = [
            Draft(
                draft_id=d.id,
                author_id=d.author_id,
                topics=frozenset(d.topics),
                carried_rounds=d.carried_rounds,
                frame=frames.get(d.id, "any"),
                author_fields=frozenset(fields.get(d.author_id, ())),
            )
            for d in drafts
        ]
        # Exact min-cost flow: ~0.3 s at 300 members; off the event loop so the gateway
        # heartbeat and other interactions keep going.
        return await asyncio.to_thread(
            plan_round,
            pool,
            wanted,
            recent,
            avoid,
            reviewers_per_draft=settings.reviewers_per_draft,
            repeat_window=settings.repeat_window,
        )
