"""The scheduled side of feedback swaps: rounds, announcements, notices, follow-ups, lapses.

Occurrence kinds (all in the delivery ledger, so each happens once across restarts):

- `feedback-round` (`feedback-round:<guild>:<local date>`; `match-now` uses
  `feedback-round:<guild>:now-<interaction>`): computes the plan and stores the round, its
  assignments and every occurrence below that it causes in ONE transaction; nothing is sent
  before that commits. The slot is unique per server, so a retried or restarted round never
  computes a second plan. A round missed by more than 2 days is skipped (the next round
  picks the drafts up), and the next one is planned either way.
- `feedback-announce` (`feedback-announce:<assignment>:reviewer|author`): the private card.
- `feedback-notice` (`feedback-notice:<what>:<ids>`): one private message about a draft or an
  assignment (no reviewer this round, reviewer dropped out, lapse, pause, ...).
- `feedback-followup` (`feedback-followup:<assignment>:<extensions>`): "Did you send your
  feedback?" a day before the due date; an extension makes a new one.
- `feedback-lapse` (`feedback-lapse:<assignment>:<extensions>`): at due + 2 days with no answer
  the assignment lapses; the third lapse pauses the reviewer. Bookkeeping only: the messages it
  causes are notices scheduled in the same transaction.
- `feedback-rate` (`feedback-rate:<assignment>`): asks the author to rate the feedback.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot import guilds, ledger, members
from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.time import discord_timestamp
from bot.timeparse import parse_hhmm
from cogs.feedback_swaps import store
from cogs.feedback_swaps.logic import Draft, Reviewer, RoundPlan, plan_round
from cogs.feedback_swaps.rules import (
    LAPSES_TO_PAUSE,
    followup_at,
    is_matchable,
    lapse_at,
    member_reason,
    next_round_at,
    pauses_after_lapse,
    round_slot,
    rounds_ago_pairs,
)
from cogs.feedback_swaps.store import AssignmentRow, DraftRow, FeedbackSettings
from cogs.feedback_swaps.views import (
    author_announcement,
    draft_card,
    followup_text,
    rate_text,
    rating_view,
    received_view,
    rejoin_view,
    review_view,
    reviewer_announcement,
)

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

FEATURE_NAME = "feedback_swaps"  # as registered with the core (/me notifications names it)
ROUND = "feedback-round"
ANNOUNCE = "feedback-announce"
NOTICE = "feedback-notice"
FOLLOWUP = "feedback-followup"
LAPSE = "feedback-lapse"
RATE = "feedback-rate"
UNKNOWN_CHANNEL = 10003
# A scheduled round missed by more than this (the bot was down) is skipped: the next round
# picks its drafts up, rather than two rounds running back to back.
ROUND_LATE_LIMIT = timedelta(days=2)
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week


def round_key(guild_id: int, slot: str, attempt: int = 1) -> str:
    base = f"{ROUND}:{guild_id}:{slot}"
    return base if attempt == 1 else f"{base}:{attempt}"


def followup_key(assignment_id: int, extensions: int) -> str:
    return f"{FOLLOWUP}:{assignment_id}:{extensions}"


def lapse_key(assignment_id: int, extensions: int) -> str:
    return f"{LAPSE}:{assignment_id}:{extensions}"


def announce_key(assignment_id: int, side: str) -> str:
    return f"{ANNOUNCE}:{assignment_id}:{side}"


@dataclass(frozen=True)
class RoundOutcome:
    round_id: int
    assignments: int
    drafts: int
    carried: int
    partial: int
    expired: int
    idle: int


def settings_summary(settings: FeedbackSettings) -> str:
    from bot.timeparse import WEEKDAYS

    every = "Every" if settings.cadence == "weekly" else "Every other"
    per = settings.reviewers_per_draft
    return (
        f"{every} {WEEKDAYS[settings.weekday]} at {settings.round_time}, "
        f"{per} reviewer{'s' if per != 1 else ''} per draft, private threads in "
        f"<#{settings.channel_id}> for closed DMs"
    )


class Rounds:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        # One private thread per member: concurrent sends to the same member wait for the first
        # to open it rather than each opening their own.
        self._thread_locks: dict[tuple[int, int], asyncio.Lock] = {}

    def jobs(self) -> list[Job]:
        return [
            # The handler itself decides (ROUND_LATE_LIMIT), so that a skipped round still
            # plans the next one; the ledger's grace only has to outlast the longest cadence.
            Job(Kind(ROUND, timedelta(days=15)), self.handle_round),
            Job(Kind(ANNOUNCE, timedelta(days=7)), self.handle_announce),
            Job(Kind(NOTICE, timedelta(days=7)), self.handle_notice),
            # A follow-up after the due date has passed is moot; the lapse check takes over.
            Job(Kind(FOLLOWUP, timedelta(days=2)), self.handle_followup),
            # Bookkeeping that must happen however late (it decides lapses and pauses).
            Job(Kind(LAPSE, timedelta(days=3650)), self.handle_lapse),
            Job(Kind(RATE, timedelta(days=14)), self.handle_rate),
        ]

    # -- planning ----------------------------------------------------------------------------

    async def plan_all(self, now: datetime) -> None:
        for guild_id in await store.list_enabled_guild_ids(self.bot.db):
            await self.plan_next_round(guild_id, now)

    async def replan_all(self) -> None:
        await self.plan_all(self.bot.clock.now())

    async def next_round(self, guild_id: int) -> datetime | None:
        pending = await ledger.list_occurrences(
            self.bot.db, guild_id=guild_id, kind=ROUND, states=("pending",)
        )
        scheduled = [
            o.due_at for o in pending if not str(o.payload.get("slot", "")).startswith("now-")
        ]
        return min(scheduled) if scheduled else None

    async def plan_next_round(self, guild_id: int, now: datetime) -> datetime | None:
        """Make the ledger hold exactly the next round of the server's schedule (idempotent).

        A pending round already due (missed while the bot was down) is left to run or be
        skipped by its grace; a future one that no longer matches the schedule is cancelled.
        """
        settings = await store.get_settings(self.bot.db, guild_id)
        if not settings.enabled:
            await self.bot.scheduler.cancel(prefix=f"{ROUND}:{guild_id}:")
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
            self.bot.db, guild_id=guild_id, kind=ROUND, states=("pending",)
        )
        for occurrence in pending:
            if str(occurrence.payload.get("slot", "")).startswith("now-"):
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

    # -- the round ---------------------------------------------------------------------------

    async def handle_round(self, occurrence: Occurrence) -> None:
        guild_id = occurrence.guild_id
        if guild_id is None:
            raise SkipOccurrence("no server")
        slot = str(occurrence.payload["slot"])
        by = occurrence.payload.get("by")
        scheduled = not slot.startswith("now-")
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
                await self.plan_next_round(guild_id, self.bot.clock.now())

    async def run_round(
        self, guild_id: int, slot: str, *, triggered_by: int | None = None
    ) -> RoundOutcome | None:
        """Compute and store one round, with everything it will announce, in one transaction."""
        db = self.bot.db
        guild = self.bot.get_guild(guild_id)
        async with db.transaction() as tx:
            if await store.get_round_by_slot(db, guild_id, slot) is not None:
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
                    await self._notice(guild_id, draft.author_id, "expired", now, draft=draft.id)
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
            round_id = await store.insert_round(
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
                assignment_id = await store.insert_assignment(
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
                await self._schedule_assignment(
                    guild_id,
                    assignment_id,
                    {"reviewer": a.reviewer_id, "author": draft.author_id},
                    now,
                    draft.due_at,
                )
            carried = partial = 0
            for u in plan.unmatched:
                draft = by_id[u.draft_id]
                await store.insert_unmatched(
                    tx, store.UnmatchedRow(round_id, u.draft_id, u.assigned, u.missing, u.reason)
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
                await self._notice(
                    guild_id, draft.author_id, what, now, draft=draft.id, round=round_id
                )
            for idle in plan.idle:
                await store.insert_idle(tx, store.IdleRow(round_id, idle.member_id, idle.reason))
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
        balances = await store.list_balances(db, guild_id)
        recent_rounds = await store.list_rounds(db, guild_id, settings.repeat_window)
        pairs = await store.list_round_pairs(db, [r.id for r in recent_rounds])
        recent = rounds_ago_pairs([pairs[r.id] for r in recent_rounds])
        avoid = await store.list_avoid_pairs(db, guild_id)
        pool = [
            Reviewer(
                member_id=r.user_id,
                topics=frozenset(r.topics),
                per_round=r.per_round,
                balance=balances.get(r.user_id, 0),
                name=self._name(guild_id, r.user_id),
            )
            for r in reviewers
        ]
        wanted = [
            Draft(
                draft_id=d.id,
                author_id=d.author_id,
                topics=frozenset(d.topics),
                carried_rounds=d.carried_rounds,
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

    def _name(self, guild_id: int, user_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        return member.display_name if member else ""

    async def _schedule_assignment(
        self,
        guild_id: int,
        assignment_id: int,
        people: dict[str, int],
        now: datetime,
        due_at: datetime,
    ) -> None:
        for side, user_id in people.items():
            await self.bot.scheduler.schedule(
                announce_key(assignment_id, side),
                ANNOUNCE,
                now,
                guild_id=guild_id,
                user_id=user_id,
                payload={"assignment": assignment_id, "side": side},
            )
        await self.schedule_followups(guild_id, assignment_id, people["reviewer"], 0, now, due_at)

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
        await self.bot.scheduler.schedule(
            followup_key(assignment_id, extensions),
            FOLLOWUP,
            max(followup_at(now, due_at), now),
            guild_id=guild_id,
            user_id=reviewer_id,
            payload=payload,
        )
        await self.bot.scheduler.schedule(
            lapse_key(assignment_id, extensions),
            LAPSE,
            lapse_at(due_at),
            guild_id=guild_id,
            user_id=reviewer_id,
            payload=payload,
        )

    async def cancel_followups(self, assignment_id: int) -> None:
        await self.bot.scheduler.cancel(prefix=f"{FOLLOWUP}:{assignment_id}:")
        await self.bot.scheduler.cancel(prefix=f"{LAPSE}:{assignment_id}:")

    async def _notice(
        self, guild_id: int, user_id: int, what: str, now: datetime, **ids: int
    ) -> None:
        """Schedule one private message (joins the caller's transaction, if any)."""
        suffix = ":".join(str(ids[k]) for k in sorted(ids))
        await self.bot.scheduler.schedule(
            f"{NOTICE}:{what}:{suffix}:{user_id}",
            NOTICE,
            now,
            guild_id=guild_id,
            user_id=user_id,
            payload={"user": user_id, "what": what, **ids},
        )

    async def reopen_if_uncovered(self, draft_id: int, now: datetime) -> None:
        """A draft left with no active reviewer goes back to the next round, ahead of new ones
        (joins the caller's transaction)."""
        db = self.bot.db
        async with db.transaction() as tx:
            active = [
                a for a in await store.list_draft_assignments(db, draft_id) if a.status == "active"
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
        against its author's open-draft limit (joins the caller's transaction)."""
        db = self.bot.db
        async with db.transaction() as tx:
            assignments = await store.list_draft_assignments(db, draft_id)
            if any(a.status == "active" for a in assignments):
                return
            await store.update_draft_status(tx, draft_id, "closed", now, only_from=("in_review",))

    async def notice(self, guild_id: int, user_id: int, what: str, **ids: int) -> None:
        await self._notice(guild_id, user_id, what, self.bot.clock.now(), **ids)

    # -- sending -----------------------------------------------------------------------------

    async def deliver(
        self,
        occurrence: Occurrence,
        guild_id: int,
        user_id: int,
        *,
        content: str,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> str:
        """A DM; a private thread in the feedback channel when DMs are closed (or the member
        asked for channel notices with /me notifications). Exactly once per occurrence."""
        settings = await store.get_settings(self.bot.db, guild_id)
        wants_dm = settings.channel_id is None or (
            await members.get_notify_channel(self.bot.db, guild_id, user_id, FEATURE_NAME) == "dm"
        )
        sent = Delivered.UNREACHABLE
        if wants_dm:
            sent = await send_dm_or_fallback(
                self.bot,
                guild_id=guild_id,
                user_id=user_id,
                nonce=occurrence.nonce(),
                fallback_channel_id=None,
                content=content,
                embed=embed,
                view=view,
            )
        if sent is Delivered.DM:
            return "dm"
        if settings.channel_id is None:
            raise SkipOccurrence(f"member {user_id} has closed DMs and no feedback channel is set")
        thread_id = await self._private_thread(guild_id, user_id, settings.channel_id)
        channel = self.bot.get_partial_messageable(thread_id, guild_id=guild_id)
        extra: dict[str, Any] = {}
        if embed is not None:
            extra["embed"] = embed
        if view is not None:
            extra["view"] = view
        try:
            await channel.send(
                content=f"<@{user_id}> {content}"[:2000],
                **extra,
                nonce=occurrence.nonce("thread"),
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(user_id)]),
            )
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:  # the thread was deleted: open a new one on retry
                await store.delete_thread(self.bot.db, guild_id, user_id)
            raise
        return "thread"

    async def _private_thread(self, guild_id: int, user_id: int, channel_id: int) -> int:
        lock = self._thread_locks.setdefault((guild_id, user_id), asyncio.Lock())
        async with lock:
            return await self._open_private_thread(guild_id, user_id, channel_id)

    async def _open_private_thread(self, guild_id: int, user_id: int, channel_id: int) -> int:
        known = await store.get_thread_id(self.bot.db, guild_id, user_id)
        if known is not None:
            return known
        parent = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        if not isinstance(parent, discord.TextChannel):
            raise SkipOccurrence(f"feedback channel {channel_id} is not a text channel")
        name = self._name(guild_id, user_id) or str(user_id)
        thread = await parent.create_thread(
            name=f"Feedback swaps · {name}"[:100],
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
        )
        # Stored before anything else can fail, so a retry posts here instead of opening another.
        await store.upsert_thread(self.bot.db, guild_id, user_id, thread.id, self.bot.clock.now())
        await thread.add_user(discord.Object(user_id))
        log.info(
            "guild %s: opened private feedback thread %s for %s (DMs closed)",
            guild_id,
            thread.id,
            user_id,
        )
        return thread.id

    # -- handlers ----------------------------------------------------------------------------

    async def _assignment(self, occurrence: Occurrence) -> tuple[AssignmentRow, DraftRow]:
        found = await store.get_assignment(self.bot.db, int(occurrence.payload["assignment"]))
        if found is None:
            raise SkipOccurrence("the assignment no longer exists")
        draft = await store.get_draft(self.bot.db, found.draft_id)
        if draft is None:
            raise SkipOccurrence("the draft no longer exists")
        return found, draft

    async def handle_announce(self, occurrence: Occurrence) -> None:
        a, draft = await self._assignment(occurrence)
        if a.status != "active":
            raise SkipOccurrence(f"assignment {a.id} is {a.status}")
        if occurrence.payload["side"] == "reviewer":
            how = await self.deliver(
                occurrence,
                a.guild_id,
                a.reviewer_id,
                content=reviewer_announcement(a, draft),
                embed=draft_card(draft),
                view=review_view(a.id, announcement=True),
            )
        else:
            how = await self.deliver(
                occurrence,
                a.guild_id,
                a.author_id,
                content=author_announcement(a, draft),
                embed=draft_card(draft),
                view=received_view(a.id),
            )
        log.info("announced assignment %s to the %s by %s", a.id, occurrence.payload["side"], how)

    async def handle_followup(self, occurrence: Occurrence) -> None:
        a, draft = await self._assignment(occurrence)
        if a.status != "active" or a.extensions != int(occurrence.payload["extensions"]):
            raise SkipOccurrence(f"assignment {a.id} is {a.status} (extensions {a.extensions})")
        await self.deliver(
            occurrence,
            a.guild_id,
            a.reviewer_id,
            content=followup_text(a, draft),
            view=review_view(a.id),
        )

    async def handle_rate(self, occurrence: Occurrence) -> None:
        a, draft = await self._assignment(occurrence)
        if a.rating is not None or a.status != "done":
            raise SkipOccurrence(f"assignment {a.id} is {a.status}, rating {a.rating}")
        await self.deliver(
            occurrence,
            a.guild_id,
            a.author_id,
            content=rate_text(a, draft),
            view=rating_view(a.id),
        )

    async def handle_lapse(self, occurrence: Occurrence) -> None:
        db = self.bot.db
        async with db.transaction() as tx:
            a, _draft = await self._assignment(occurrence)
            if a.status != "active" or a.extensions != int(occurrence.payload["extensions"]):
                raise SkipOccurrence(f"assignment {a.id} is {a.status} (extensions {a.extensions})")
            now = self.bot.clock.now()
            await store.update_assignment_status(tx, a.id, "lapsed", now)
            lapses = await store.update_reviewer_lapse(tx, a.guild_id, a.reviewer_id, now)
            paused = lapses is not None and pauses_after_lapse(lapses)
            if paused:
                await store.update_reviewer_pause(
                    tx, a.guild_id, a.reviewer_id, until=None, reason="lapses", now=now
                )
            await self.close_if_finished(a.draft_id, now)
            what = "paused" if paused else "lapsed"
            await self._notice(a.guild_id, a.reviewer_id, what, now, assignment=a.id)
            await self._notice(a.guild_id, a.author_id, "lapsed-author", now, assignment=a.id)
        log.info(
            "guild %s: assignment %s lapsed (reviewer %s, %s lapses%s)",
            a.guild_id,
            a.id,
            a.reviewer_id,
            lapses,
            "; paused" if paused else "",
        )

    async def handle_notice(self, occurrence: Occurrence) -> None:
        guild_id = occurrence.guild_id
        if guild_id is None:
            raise SkipOccurrence("no server")
        user_id = int(occurrence.payload["user"])
        what = str(occurrence.payload["what"])
        content, view = await self._notice_text(guild_id, user_id, what, occurrence.payload)
        await self.deliver(occurrence, guild_id, user_id, content=content, view=view)

    async def _notice_text(
        self, guild_id: int, user_id: int, what: str, payload: Any
    ) -> tuple[str, discord.ui.View | None]:
        db = self.bot.db
        if "draft" in payload:
            draft = await store.get_draft(db, int(payload["draft"]))
            a = None
        else:
            a = await store.get_assignment(db, int(payload["assignment"]))
            draft = None if a is None else await store.get_draft(db, a.draft_id)
        if draft is None:
            raise SkipOccurrence("the draft no longer exists")
        title = f"**{draft.title[:200]}**"

        def who(member_id: int, fallback: str) -> str:
            return f"<@{member_id}>" if member_id else fallback

        upcoming = await self.next_round(guild_id)
        next_text = (
            f"the next round ({discord_timestamp(upcoming, 'F')})" if upcoming else "the next round"
        )
        if what in ("carried", "partial"):
            if draft.status in ("withdrawn", "expired"):
                raise SkipOccurrence(f"draft {draft.id} is {draft.status}")
            missed = await store.get_unmatched(db, int(payload["round"]), draft.id)
            reason = member_reason(missed.reason) if missed else "not enough reviewers"
            if what == "carried":
                return (
                    f"No reviewer for your draft {title} this round ({reason}). It stays open "
                    f"and goes first in {next_text}.",
                    None,
                )
            return (
                f"Your draft {title} got fewer reviewers than asked this round ({reason}). "
                "The reviewers it got will be in touch.",
                None,
            )
        if what == "expired":
            return (
                f"Your draft {title} was closed without a reviewer: it needs feedback by "
                f"{discord_timestamp(draft.due_at, 'F')}, less than a day after the round. "
                "Request again with `/feedback request` and a later date if you still want it.",
                None,
            )
        assert a is not None
        if what == "dropped":
            left = [
                x for x in await store.list_draft_assignments(db, draft.id) if x.status == "active"
            ]
            tail = (
                f"Your other reviewer{'s are' if len(left) > 1 else ' is'} still on it."
                if left
                else f"Your draft is open again and goes first in {next_text}."
            )
            reviewer = who(a.reviewer_id, "Your reviewer")
            return f"{reviewer} can't review {title} after all. {tail}", None
        if what == "extended":
            return (
                f"<@{a.reviewer_id}> needs three more days for {title}: their feedback is now "
                f"due {discord_timestamp(a.due_at, 'F')}.",
                None,
            )
        if what == "withdrawn":
            return (
                f"{who(a.author_id, 'The author')} withdrew {title}, so you do not need to "
                "review it. Thank you!",
                None,
            )
        if what == "lapsed":
            pool_row = await store.get_reviewer(db, guild_id, user_id)
            count = pool_row.lapses if pool_row else 1
            return (
                f"Your review of {title} lapsed: I heard nothing by "
                f"{discord_timestamp(a.due_at, 'F')} plus two days. That is {count} of "
                f"{LAPSES_TO_PAUSE}; at {LAPSES_TO_PAUSE} you are paused from the pool. If you "
                "did send it, press Yes on the earlier question and it still counts.",
                None,
            )
        if what == "paused":
            return (
                f"Your review of {title} lapsed, and that is {LAPSES_TO_PAUSE} lapsed reviews, "
                "so I have paused you in the feedback-swap reviewer pool: you will not get new "
                "drafts to review. Nothing else changes. Press the button when you are ready "
                "to review again.",
                rejoin_view(guild_id, user_id),
            )
        if what == "lapsed-author":
            return (
                f"<@{a.reviewer_id}> did not confirm their feedback on {title} by the due date. "
                "If it never arrived, `/feedback request` puts your draft up again.",
                None,
            )
        raise SkipOccurrence(f"unknown notice {what}")
