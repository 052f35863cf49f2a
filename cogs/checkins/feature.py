"""What check-ins tell the core's server-wide tools: /help, /me export and forget,
/config export and reset, the weekly digest and /setup (see bot/features.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.charts import participation_chart_png
from bot.db import Transaction
from bot.features import DigestSection, FeatureCog, Forgotten
from cogs.checkins import store
from cogs.checkins.logic import (
    CHANNEL_PERMISSIONS,
    PARTICIPATION_WEEKS,
    digest_lines,
    participation,
    question_field_value,
)
from cogs.checkins.rounds import FEATURE_NAME
from cogs.checkins.streaks import is_milestone
from cogs.checkins.weeks import shift_week

if TYPE_CHECKING:
    from cogs.checkins.answers import Answers
    from cogs.checkins.config import CheckinsConfig

log = logging.getLogger(__name__)


class CheckinsFeature(FeatureCog):
    """What check-ins tells the core (bot/features.py): declarations and hooks."""

    name: ClassVar[str] = FEATURE_NAME
    title: ClassVar[str] = "Check-ins"
    command_prefixes: ClassVar[tuple[str, ...]] = ("checkin", "config checkins")
    setup_hint: ClassVar[str] = (
        "`/config checkins schedule channel: day: time:` posts the Hamming questions each"
        " week; `/config cohort-role` chooses who is asked."
    )
    channel_permissions: ClassVar[tuple[str, ...]] = CHANNEL_PERMISSIONS

    # Set by CheckinsCog.__init__.
    config_group: CheckinsConfig
    answers: Answers

    async def get_channel(self, guild_id: int) -> int | None:
        settings = await store.get_settings(self.bot.db, guild_id)
        return settings.channel_id if settings.enabled else None

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        await self.config_group.enable_in(guild_id, channel_id, actor_id)

    async def set_schedule(
        self, guild_id: int, weekday: int | None, at: time | None, actor_id: int
    ) -> None:
        await self.config_group.set_day_time(guild_id, weekday, at, actor_id)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        answered = await store.list_member_answers(self.bot.db, guild_id, user_id, limit=10_000)
        away = sorted(await store.list_member_skips(self.bot.db, guild_id, user_id))
        return {
            "answers": [
                {
                    "week": round_.week,
                    "submitted_at": answer.submitted_at.isoformat(),
                    "updated_at": answer.updated_at.isoformat(),
                    "answers": {
                        q.label: text
                        for q, text in zip(round_.questions, answer.answers, strict=False)
                    },
                }
                for round_, answer in reversed(answered)
            ],
            "away_weeks": away,
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        messages = await store.list_member_answer_messages(self.bot.db, guild_id, user_id)
        rows = await store.delete_member_data(tx, guild_id, user_id)

        async def delete_cards() -> None:
            for thread_id, message_id in messages:
                thread = self.bot.get_partial_messageable(thread_id, guild_id=guild_id)
                with contextlib.suppress(discord.NotFound):  # already deleted by someone
                    await thread.get_partial_message(message_id).delete()
            log.info("forget: deleted %d answer cards of %s", len(messages), user_id)

        return Forgotten(rows, delete_cards if messages else None)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        settings = await store.get_settings(self.bot.db, guild_id)
        rounds = await store.list_rounds(self.bot.db, guild_id)
        counts = await store.count_answers_by_week(self.bot.db, guild_id, "")
        return {
            "settings": {
                "enabled": settings.enabled,
                "channel_id": str(settings.channel_id) if settings.channel_id else None,
                "weekday": settings.weekday,
                "time": settings.prompt_time,
                "close_after_hours": settings.close_after_hours,
                "reminder_hours_before_close": settings.reminder_hours_before_close,
                "visibility": settings.visibility,
                "questions": [question_field_value(q) for q in settings.questions],
                "drift_weeks": settings.drift_weeks,
            },
            "rounds": [
                {
                    "week": r.week,
                    "opens_at": r.opens_at.isoformat(),
                    "closes_at": r.closes_at.isoformat(),
                    "cohort_size": r.cohort_size,
                    "answered": counts.get(r.week, 0),
                }
                for r in rounds
            ],
        }

    async def reset_guild(self, tx: Transaction, guild_id: int) -> None:
        await store.delete_settings(tx, guild_id)
        await self.bot.scheduler.cancel(prefix=f"checkin-prompt:{guild_id}:")
        log.info("guild %s: check-in settings reset (check-ins are off)", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        rounds = [
            r
            for r in await store.list_rounds(self.bot.db, guild_id)
            if now - timedelta(days=7) <= r.opens_at <= now
        ]
        if not rounds:
            return None
        streaks = await self.answers.all_streaks(guild_id, now)
        milestones = sorted(
            (
                (member, current)
                for member, (current, _) in streaks.items()
                if is_milestone(current)
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )
        since = await store.list_rounds(
            self.bot.db, guild_id, since_week=_weeks_back(rounds[-1].week)
        )
        all_counts = await store.count_answers_by_week(self.bot.db, guild_id, since[0].week)
        rows = participation(
            [r.week for r in since], all_counts, {r.week: r.cohort_size for r in since}
        )
        lines = digest_lines(rows, milestones)
        chart = await asyncio.to_thread(
            participation_chart_png,
            [row.chart_row() for row in rows],
            f"Check-ins, last {PARTICIPATION_WEEKS} weeks",
        )
        return DigestSection("Check-ins", tuple(lines), chart)

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)


def _weeks_back(week: str) -> str:
    return shift_week(week, 1 - PARTICIPATION_WEEKS)
