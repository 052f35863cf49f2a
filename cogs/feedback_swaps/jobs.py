"""The scheduled side of feedback swaps: its kinds, planning the rounds, and the bookkeeping
that schedules what a round or a member's answer causes.

Occurrence kinds (all in the delivery ledger, so each happens once across restarts):

- `feedback-round` (`feedback-round:<guild>:<local date>`; `match-now` uses
  `feedback-round:<guild>:now-<interaction>`): computes the plan and stores the round, its
  assignments and every occurrence below that it causes in ONE transaction; nothing is sent
  before that commits. The slot is unique per server, so a retried or restarted round never
  computes a second plan. A round missed by more than 2 days is skipped (the next round
  picks the drafts up), and the next one is planned either way. See jobs_round.py.
- `feedback-announce` (`feedback-announce:<assignment>:reviewer|author`): the private card.
- `feedback-notice` (`feedback-notice:<what>:<ids>:<member>`): one private message about a
  draft or an assignment (no reviewer this round, reviewer dropped out, lapse, pause, ...).
- `feedback-followup` (`feedback-followup:<assignment>:<extensions>`): "Did you send your
  feedback?" a day before the due date; an extension makes a new one.
- `feedback-lapse` (`feedback-lapse:<assignment>:<extensions>`): at due + 2 days with no answer
  the assignment lapses; the third lapse pauses the reviewer. Bookkeeping only: the messages it
  causes are notices scheduled in the same transaction.
- `feedback-rate` (`feedback-rate:<assignment>`): asks the author to rate the feedback.

The handlers that send (announce, notice, follow-up, rate) are in jobs_send.py.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot import guilds, ledger
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.timeparse import parse_hhmm
from cogs.feedback_swaps import store, store_rounds
from cogs.feedback_swaps.logic import (
    followup_at,
    lapse_at,
    next_round_at,
    pauses_after_lapse,
    round_slot,
)
from cogs.feedback_swaps.store import DraftRow
from cogs.feedback_swaps.store_rounds import AssignmentRow

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# The round handler itself decides (ROUND_LATE_LIMIT in jobs_round.py), so that a skipped
# round still plans the next one; the ledger's grace only has to outlast the longest cadence.
ROUND = Kind("feedback-round", timedelta(days=15), ("guild", "slot"))
ANNOUNCE = Kind("feedback-announce", timedelta(days=7), ("assignment", "side"))
# A notice's key is `NOTICE.key(what, ids)` plus `:<member>`, added by the scheduler's fan-out.
NOTICE = Kind("feedback-notice", timedelta(days=7), ("what", "ids", "user"))
# A follow-up after the due date has passed is moot; the lapse check takes over.
FOLLOWUP = Kind("feedback-followup", timedelta(days=2), ("assignment", "extensions"))
# Bookkeeping that must happen however late (it decides lapses and pauses).
LAPSE = Kind("feedback-lapse", timedelta(days=3650), ("assignment", "extensions"))
RATE = Kind("feedback-rate", timedelta(days=14), ("assignment",))


def round_key(guild_id: int, slot: str, attempt: int = 1) -> str:
    """A round's key; a slot planned again after its round ended counts its attempts."""
    base = ROUND.key(guild_id, slot)
    return base if attempt == 1 else f"{base}:{attempt}"


def is_scheduled(slot: str) -> bool:
    """A round of the schedule (its slot a local date), not one run with match-now."""
    return not slot.startswith("now-")


def member_name(bot: HammingBot, guild_id: int, user_id: int) -> str:
    """The member's display name, or "" when they are not in the cache."""
    guild = bot.get_guild(guild_id)
    member = guild.get_member(user_id) if guild else None
    return member.display_name if member else ""


class Rounds:
    """Plans the rounds and schedules what a round or a member's answer causes."""

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    # -- planning ----------------------------------------------------------------------------

    async def plan_all(self, now: datetime) -> None:
        for guild_id in await store.list_enabled_guild_ids(self.bot.db):
            await self.plan_next_round(guild_id, now)

    async def next_round(self, guild_id: int) -> datetime | None:
        pending = await ledger.list_occurrences(
            self.bot.db, guild_id=guild_id, kind=ROUND.name, states=("pending",)
        )
        scheduled = [o.due_at for o in pending if is_scheduled(str(o.payload.get("slot", "")))]
        return min(scheduled) if scheduled else None

    async def plan_next_round(self, guild_id: int, now: datetime) -> datetime | None:
        """Make the ledger hold exactly the next round of the server's schedule (idempotent).

        A pending round already due (missed while the bot was down) is left to run or be
        skipped by its grace; a future one that no longer matches the schedule is cancelled.
        """
        settings = await store.get_settings(self.bot.db, guild_id)
        if not settings.enabled:
            await self.bot.scheduler.cancel(prefix=ROUND.prefix(guild_id))
            return None
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        at = next_round_at(
            now,
            weekday=settings.weekday,
            at=parse_hhmm(settings.round_time),
            zone=zone,
            cadence=settings.cadence,
            anchor=date.fromisoformat(settings.anchor_date) if settings.anchor_date else None,
        )
        slot = round_slot(at, zone)
        pending = await ledger.list_occurrences(
            self.bot.db, guild_id=guild_id, kind=ROUND.name, states=("pending",)
        )
        for occurrence in pending:
            if not is_scheduled(str(occurrence.payload.get("slot", ""))):
                continue
            if occurrence.payload.get("slot") == slot and occurrence.due_at == at:
                return at
            # One already attempted is a retry waiting out its backoff: it stays.
            if occurrence.due_at > now and occurrence.attempts == 0:
                await self.bot.scheduler.cancel(key=occurrence.key)
        attempt = 1
        while (
            found := await ledger.get_occurrence(self.bot.db, round_key(guild_id, slot, attempt))
        ) and found.state != "pending":
            attempt += 1
        await self.bot.scheduler.schedule(
            round_key(guild_id, slot, attempt), ROUND, at, guild_id=guild_id, payload={"slot": slot}
        )
        return at

    async def send_due_now(self, guild_id: int) -> None:
        """Send what is due in the server now (the announcements and notices a round run with
        match-now just made), without waiting for the sweep: the moderator's answer says both
        sides were told."""
        now = self.bot.clock.now()
        keys = [
            o.key
            for kind in (ANNOUNCE, NOTICE)
            for o in await ledger.list_occurrences(
                self.bot.db, guild_id=guild_id, kind=kind.name, limit=10_000
            )
            if o.due_at <= now
        ]
        await asyncio.gather(*(self.bot.scheduler.run_now(key) for key in keys))

    # -- what a round or an answer schedules (each joins the caller's transaction) -----------

    async def schedule_assignment(
        self,
        guild_id: int,
        assignment_id: int,
        people: dict[str, int],
        now: datetime,
        due_at: datetime,
    ) -> None:
        """Announce a new assignment to both sides, and plan its follow-up and lapse check."""
        for side, user_id in people.items():
            await self.bot.scheduler.schedule(
                ANNOUNCE.key(assignment_id, side),
                ANNOUNCE,
                now,
                guild_id=guild_id,
                user_id=user_id,
                payload={"assignment": assignment_id, "side": side},
            )
        await self.schedule_followups(guild_id, assignment_id, people["reviewer"], 0, now, due_at)

    async def cancel_announcement(self, assignment_id: int, side: str) -> int:
        return await self.bot.scheduler.cancel(key=ANNOUNCE.key(assignment_id, side))

    async def schedule_followups(
        self,
        guild_id: int,
        assignment_id: int,
        reviewer_id: int,
        extensions: int,
        now: datetime,
        due_at: datetime,
    ) -> None:
        payload = {"assignment": assignment_id, "extensions": extensions}
        for kind, at in ((FOLLOWUP, max(followup_at(now, due_at), now)), (LAPSE, lapse_at(due_at))):
            await self.bot.scheduler.schedule(
                kind.key(assignment_id, extensions),
                kind,
                at,
                guild_id=guild_id,
                user_id=reviewer_id,
                payload=payload,
            )

    async def cancel_followups(self, assignment_id: int) -> None:
        await self.bot.scheduler.cancel(prefix=FOLLOWUP.prefix(assignment_id))
        await self.bot.scheduler.cancel(prefix=LAPSE.prefix(assignment_id))

    async def schedule_rating(self, a: AssignmentRow, now: datetime) -> None:
        """Ask the author to rate the feedback the reviewer says they sent."""
        await self.bot.scheduler.schedule(
            RATE.key(a.id),
            RATE,
            now,
            guild_id=a.guild_id,
            user_id=a.author_id,
            payload={"assignment": a.id},
        )

    async def notice(
        self, guild_id: int, user_id: int, what: str, *, now: datetime | None = None, **ids: int
    ) -> None:
        """Schedule one private message, due now."""
        await self.bot.scheduler.fan_out(
            NOTICE,
            (what, ":".join(str(ids[k]) for k in sorted(ids))),
            [user_id],
            now or self.bot.clock.now(),
            guild_id=guild_id,
            payload={"user": user_id, "what": what, **ids},
        )

    async def reopen_if_uncovered(self, draft_id: int, now: datetime) -> None:
        """A draft left with no active reviewer goes back to the next round, ahead of new ones."""
        db = self.bot.db
        async with db.transaction() as tx:
            active = [
                a
                for a in await store_rounds.list_draft_assignments(db, draft_id)
                if a.status == "active"
            ]
            draft = await store.get_draft(db, draft_id)
            if active or draft is None or draft.status != "in_review":
                return
            await store.update_draft_status(
                tx,
                draft_id,
                "open",
                now,
                only_from=("in_review",),
                carried_rounds=draft.carried_rounds + 1,
            )

    async def close_if_finished(self, draft_id: int, now: datetime) -> None:
        """A draft in review whose reviews have all ended is closed: it no longer counts
        against its author's open-draft limit."""
        db = self.bot.db
        async with db.transaction() as tx:
            assignments = await store_rounds.list_draft_assignments(db, draft_id)
            if any(a.status == "active" for a in assignments):
                return
            await store.update_draft_status(tx, draft_id, "closed", now, only_from=("in_review",))

    # -- the lapse check ---------------------------------------------------------------------

    async def assignment_of(self, occurrence: Occurrence) -> tuple[AssignmentRow, DraftRow]:
        """The assignment (and its draft) an occurrence is about, or skip it."""
        found = await store_rounds.get_assignment(
            self.bot.db, int(occurrence.payload["assignment"])
        )
        if found is None:
            raise SkipOccurrence("the assignment no longer exists")
        draft = await store.get_draft(self.bot.db, found.draft_id)
        if draft is None:
            raise SkipOccurrence("the draft no longer exists")
        return found, draft

    async def handle_lapse(self, occurrence: Occurrence) -> None:
        db = self.bot.db
        async with db.transaction() as tx:
            a, _draft = await self.assignment_of(occurrence)
            if a.status != "active" or a.extensions != int(occurrence.payload["extensions"]):
                raise SkipOccurrence(f"assignment {a.id} is {a.status} (extensions {a.extensions})")
            now = self.bot.clock.now()
            await store_rounds.update_assignment_status(tx, a.id, "lapsed", now)
            lapses = await store.update_reviewer_lapse(tx, a.guild_id, a.reviewer_id, now)
            paused = lapses is not None and pauses_after_lapse(lapses)
            if paused:
                await store.update_reviewer_pause(
                    tx, a.guild_id, a.reviewer_id, until=None, reason="lapses", now=now
                )
            await self.close_if_finished(a.draft_id, now)
            what = "paused" if paused else "lapsed"
            await self.notice(a.guild_id, a.reviewer_id, what, now=now, assignment=a.id)
            await self.notice(a.guild_id, a.author_id, "lapsed-author", now=now, assignment=a.id)
        log.info(
            "guild %s: assignment %s lapsed (reviewer %s, %s lapses%s)",
            a.guild_id,
            a.id,
            a.reviewer_id,
            lapses,
            "; paused" if paused else "",
        )
