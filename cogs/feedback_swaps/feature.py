"""What feedback swaps tell the core's server-wide tools: /help, /setup, /me export and forget,
/config export and reset, and the weekly digest (see bot/features.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from bot.db import Transaction
from bot.features import DigestSection, FeatureCog, Forgotten
from cogs.feedback_swaps import store
from cogs.feedback_swaps.config import NEEDED
from cogs.feedback_swaps.rounds import FEATURE_NAME, ROUND
from cogs.feedback_swaps.rules import completion

if TYPE_CHECKING:
    from cogs.feedback_swaps.config import FeedbackConfig
    from cogs.feedback_swaps.rounds import Rounds

log = logging.getLogger(__name__)

CHANNEL_PERMISSIONS = tuple(NEEDED)


class FeedbackFeature(FeatureCog):
    """What feedback swaps tells the core (bot/features.py): declarations and hooks."""

    name: ClassVar[str] = FEATURE_NAME
    title: ClassVar[str] = "Feedback swaps"
    command_prefixes: ClassVar[tuple[str, ...]] = ("feedback", "config feedback")
    setup_hint: ClassVar[str] = (
        "`/config feedback schedule channel: day: time:` runs the rounds; members then "
        "`/feedback join` and `/feedback request`."
    )
    channel_permissions: ClassVar[tuple[str, ...]] = CHANNEL_PERMISSIONS

    # Set by FeedbackCog.__init__.
    config_group: FeedbackConfig
    rounds: Rounds

    async def get_channel(self, guild_id: int) -> int | None:
        settings = await store.get_settings(self.bot.db, guild_id)
        return settings.channel_id if settings.enabled else None

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        await self.config_group.enable_in(guild_id, channel_id, actor_id)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        return await store.export_member(self.bot.db, guild_id, user_id)

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        now = self.bot.clock.now()
        active = await store.list_active_on_member(self.bot.db, guild_id, user_id)
        rows = await store.forget_member(tx, guild_id, user_id, now, ROUND)
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
        recent = await store.list_rounds(self.bot.db, guild_id, 10_000)
        statuses = await store.count_round_statuses(self.bot.db, [r.id for r in recent])
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
        await self.bot.scheduler.cancel(prefix=f"{ROUND}:{guild_id}:")
        log.info("guild %s: feedback-swap settings reset (scheduled rounds are off)", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        week = [
            r
            for r in await store.list_rounds(self.bot.db, guild_id, 10)
            if now - timedelta(days=7) <= r.started_at <= now
        ]
        waiting = await store.list_drafts(self.bot.db, guild_id, ("open",))
        if not week and not waiting:
            return None
        lines = []
        for r in reversed(week):  # oldest first
            done = completion(
                a.status for a in await store.list_round_assignments(self.bot.db, r.id)
            )
            lines.append(
                f"Round of {r.started_at:%d %b}: {done.total} review(s) assigned, {done.done} "
                "done so far."
            )
        lines.append(f"{len(waiting)} draft(s) waiting for the next round.")
        return DigestSection("Feedback swaps", tuple(lines))

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)
