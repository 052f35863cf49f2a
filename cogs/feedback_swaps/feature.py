"""What feedback swaps tell the core (bot/features.py): their declarations, scheduled kinds and
hooks for /help, /setup, /about, /me export and forget, /config export and reset, and the
weekly digest."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot import ledger
from bot.db import Transaction
from bot.features import (
    DigestSection,
    FeatureCog,
    FeatureStatus,
    Forgotten,
    Job,
    Planner,
)
from cogs.feedback_swaps import store, store_frames, store_members, store_rounds
from cogs.feedback_swaps.config import NEEDED
from cogs.feedback_swaps.frames import exported_lists
from cogs.feedback_swaps.jobs import ANNOUNCE, FOLLOWUP, LAPSE, NOTICE, RATE, ROUND, Rounds
from cogs.feedback_swaps.jobs_checklist import TICKS, ChecklistJobs
from cogs.feedback_swaps.jobs_round import RoundJob
from cogs.feedback_swaps.jobs_send import SendJobs
from cogs.feedback_swaps.logic import FEATURE_NAME, completion
from cogs.feedback_swaps.service import Service
from cogs.feedback_swaps.service_answers import Answers
from cogs.feedback_swaps.service_frames import Frames
from cogs.feedback_swaps.views_frames import checklist_view

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.feedback_swaps.config import FeedbackConfig

log = logging.getLogger(__name__)

CHANNEL_PERMISSIONS = tuple(NEEDED)


class FeedbackFeature(FeatureCog):
    """What feedback swaps tells the core (bot/features.py): declarations and hooks."""

    name = FEATURE_NAME
    title = "Feedback swaps"
    command_prefixes = ("feedback", "config feedback")
    setup_hint = (
        "`/config feedback schedule channel: day: time:` runs the rounds; members then "
        "`/feedback join` and `/feedback request`."
    )
    channel_permissions = CHANNEL_PERMISSIONS

    # Set by FeedbackCog.__init__.
    config_group: FeedbackConfig

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.rounds = Rounds(bot)
        self.round_job = RoundJob(bot, self.rounds)
        self.send_jobs = SendJobs(bot, self.rounds)
        self.service = Service(bot, self.rounds)
        self.answers = Answers(bot, self.rounds)
        self.frames = Frames(bot)
        self.checklist_jobs = ChecklistJobs(self.send_jobs)

    def jobs(self) -> Sequence[Job]:
        return [
            Job(ROUND, self.round_job.handle_round),
            Job(ANNOUNCE, self.send_jobs.handle_announce),
            Job(NOTICE, self.send_jobs.handle_notice),
            Job(FOLLOWUP, self.send_jobs.handle_followup),
            Job(LAPSE, self.rounds.handle_lapse),
            Job(RATE, self.send_jobs.handle_rate),
            Job(TICKS, self.checklist_jobs.handle_ticks),
        ]

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [("feedback-swaps", self.rounds.plan_all)]

    async def zone_changed(self, guild_id: int) -> None:
        # The next round is planned in local time: move it to the new zone's clock. A round
        # already tried (a retry waiting out its backoff) is left alone by the planner.
        async with self.bot.db.transaction():
            await self.rounds.plan_next_round(guild_id, self.bot.clock.now())

    async def status(self, guild_id: int) -> FeatureStatus:
        return await self.service.feature_status(guild_id)

    async def get_channel(self, guild_id: int) -> int | None:
        settings = await self.service.settings.get(guild_id)
        return settings.channel_id if settings.enabled else None

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        await self.config_group.enable_in(guild_id, channel_id, actor_id)

    async def checklist_view(self, assignment_id: int) -> discord.ui.View | None:
        """What the reviewer sees after "Yes": the checklist to tick, when there is one."""
        points = await self.frames.checklist_for(assignment_id)
        return checklist_view(assignment_id, points) if points else None

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        return {
            **await store_members.export_member(self.bot.db, guild_id, user_id),
            **await store_frames.export_member(self.bot.db, guild_id, user_id),
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        now = self.bot.clock.now()
        active = await store_rounds.list_active_on_member(self.bot.db, guild_id, user_id)
        rows = await store_members.forget_member(tx, guild_id, user_id, now)
        rows += await store_frames.forget_member(tx, guild_id, user_id)
        # Who ran a match-now round: out of its occurrence's payload, which others' reviews keep.
        rows += await ledger.forget_payload_member(tx, guild_id, ROUND.name, "by", user_id)
        # Reviews they were giving go back to the pool; reviewers of their drafts stop.
        for a in active:
            if a.reviewer_id == user_id:
                await self.rounds.reopen_if_uncovered(a.draft_id, now)
                await self.rounds.notice(guild_id, a.author_id, "dropped", assignment=a.id)
            else:
                await self.rounds.notice(guild_id, a.reviewer_id, "withdrawn", assignment=a.id)
        log.info("forget: removed %d feedback-swap rows of %s in guild %s", rows, user_id, guild_id)
        return Forgotten(rows)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        settings = await store.get_settings(self.bot.db, guild_id)
        recent = await store_rounds.list_rounds(self.bot.db, guild_id, 10_000)
        statuses = await store_rounds.count_round_statuses(self.bot.db, [r.id for r in recent])
        return {
            "settings": {
                "enabled": settings.enabled,
                "channel_id": str(settings.channel_id) if settings.channel_id else None,
                "cadence": settings.cadence,
                "weekday": settings.weekday,
                "time": settings.round_time,
                "reviewers_per_draft": settings.reviewers_per_draft,
                "repeat_window": settings.repeat_window,
                "draft_limit": settings.draft_limit,
                "topics": list(settings.topics),
                **exported_lists(await self.frames.settings.get(guild_id)),
            },
            "rounds": [
                {
                    "slot": r.slot,
                    "started_at": r.started_at.isoformat(),
                    "reviewers_per_draft": r.reviewers_per_draft,
                    "assignments": statuses.get(r.id, {}),
                }
                for r in recent
            ],
        }

    async def reset_guild(self, tx: Transaction, guild_id: int) -> None:
        await store.delete_settings(tx, guild_id)
        await store_frames.delete_frame_settings(tx, guild_id)
        await self.bot.scheduler.cancel(prefix=ROUND.prefix(guild_id))
        log.info("guild %s: feedback-swap settings reset (scheduled rounds are off)", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        week = [
            r
            for r in await store_rounds.list_rounds(self.bot.db, guild_id, 10)
            if now - timedelta(days=7) <= r.started_at <= now
        ]
        waiting = await store.list_drafts(self.bot.db, guild_id, ("open",))
        checklist = await self.frames.digest_line(guild_id, now)
        if not week and not waiting and checklist is None:
            return None
        lines = []
        for r in reversed(week):  # oldest first
            done = completion(
                a.status for a in await store_rounds.list_round_assignments(self.bot.db, r.id)
            )
            lines.append(
                f"Round of {r.started_at:%d %b}: {done.total} review(s) assigned, {done.done} "
                "done so far."
            )
        lines.append(f"{len(waiting)} draft(s) waiting for the next round.")
        if checklist is not None:
            lines.append(checklist)
        return DigestSection("Feedback swaps", tuple(lines))

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store_members.list_member_ids(
            self.bot.db, guild_id
        ) | await store_frames.list_member_ids(self.bot.db, guild_id)
