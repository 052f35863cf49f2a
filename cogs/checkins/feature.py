"""What check-ins tell the core: declarations (name, /config group, components, channel
permissions, scheduled kinds) and the hooks for /help, /setup, /me export and forget,
/config export and reset, the weekly digest and a time-zone change (see bot/features.py)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

import discord

from bot import guilds
from bot.db import Transaction
from bot.features import (
    DigestSection,
    FeatureCog,
    FeatureStatus,
    Forgotten,
    Job,
    Planner,
)
from bot.guild_settings import GuildSettings
from bot.member_sends import ListsMemberSends, MemberSend
from bot.page import PageSection
from bot.time import discord_timestamp
from bot.ui import HammingView
from cogs.checkins import store, store_loop, store_reflections
from cogs.checkins.digest import digest_lines
from cogs.checkins.jobs import PROMPT, Jobs
from cogs.checkins.jobs import Planner as PromptPlanner
from cogs.checkins.jobs_blockers import Blockers
from cogs.checkins.jobs_delivery import DmPrompts
from cogs.checkins.logic import CHANNEL_PERMISSIONS, FEATURE_NAME, question_field_value
from cogs.checkins.messages import settings_summary, shown_settings
from cogs.checkins.page import cohort_page as page_sections
from cogs.checkins.pending import member_sends
from cogs.checkins.reflections_view import AFTER_ANSWER, plan_followup
from cogs.checkins.reflections_view import DYNAMIC_ITEMS as LOOP_ITEMS
from cogs.checkins.service import Answers, participation_chart
from cogs.checkins.service_digest import week_that_was
from cogs.checkins.service_reflections import Reflections
from cogs.checkins.service_schedule import Schedule
from cogs.checkins.store import CheckinSettings
from cogs.checkins.views import AwayButton, CheckInButton
from cogs.checkins.views_blockers import HelpButton

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class CheckinsFeature(ListsMemberSends, FeatureCog):
    """What check-ins tells the core (bot/features.py): declarations and hooks."""

    name = FEATURE_NAME
    title = "Check-ins"
    command_prefixes = ("checkin", "config checkins")
    setup_hint = (
        "`/config checkins schedule channel: day: time:` posts the Hamming questions each"
        " week; `/config cohort-role` chooses who is asked."
    )
    # Create Private Threads: "I can help" opens one for two members (and falls back to DMs
    # without it), so /setup warns of it but the schedule does not require it.
    channel_permissions = (*CHANNEL_PERMISSIONS, "create_private_threads")
    dynamic_items = (CheckInButton, AwayButton, HelpButton, *LOOP_ITEMS)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.settings: GuildSettings[CheckinSettings] = GuildSettings(
            bot.db,
            bot.clock,
            read=store.get_settings,
            write=store.upsert_settings,
            shown=shown_settings,
        )
        self.planner = PromptPlanner(bot)
        self.answers = Answers(bot)
        self.reflections = Reflections(bot, self.answers)
        self.rounds = Jobs(bot, self.planner, self.reflections)
        self.schedule = Schedule(bot, self.settings, self.planner)
        self.blockers = Blockers(bot)
        self.dm_prompts = DmPrompts(bot, self.reflections)

    async def loop_panel(self, round_id: int, user_id: int) -> tuple[discord.Embed, HammingView]:
        """The check-in confirmation's panel: last week's plan to mark, Hamming's question."""
        state = await self.reflections.state(round_id, user_id, check_open=False)
        return plan_followup(state, AFTER_ANSWER)

    def jobs(self) -> Sequence[Job]:
        return [*self.rounds.jobs(), *self.blockers.jobs(), *self.dm_prompts.jobs()]

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [
            ("checkins", self.planner.plan_all),
            ("checkins-dm", self.dm_prompts.plan_open_rounds),
        ]

    async def cohort_page(self, guild_id: int, now: datetime) -> Sequence[PageSection]:
        return await page_sections(self.bot.db, guild_id, now)

    async def member_sends(self, guild_id: int, user_id: int) -> list[MemberSend]:
        return await member_sends(self.bot, guild_id, user_id)

    async def zone_changed(self, guild_id: int) -> None:
        await self.planner.replan_guild(guild_id)
        await self.dm_prompts.replan_open(guild_id)  # members without a zone of their own

    async def member_zone_changed(self, guild_id: int, user_id: int) -> None:
        await self.dm_prompts.replan_open(guild_id, only={user_id})

    async def status(self, guild_id: int) -> FeatureStatus:
        """One line for /about and /config show."""
        settings = await self.settings.get(guild_id)
        if not settings.enabled or settings.channel_id is None:
            return FeatureStatus(
                "Check-ins",
                False,
                "Off. A moderator sets them up with `/config checkins schedule`.",
            )
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        upcoming = await self.planner.next_prompt(guild_id)
        when = f"; next prompt {discord_timestamp(upcoming, 'R')}" if upcoming else ""
        return FeatureStatus(
            "Check-ins", True, f"{settings_summary(settings)} ({zone.key} time){when}."
        )

    async def get_channel(self, guild_id: int) -> int | None:
        settings = await self.settings.get(guild_id)
        return settings.channel_id if settings.enabled else None

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        await self.schedule.enable_in(guild_id, channel_id, actor_id)

    async def set_schedule(
        self, guild_id: int, weekday: int | None, at: time | None, actor_id: int
    ) -> None:
        await self.schedule.set_day_time(guild_id, weekday, at, actor_id)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        answered = await store.list_member_answers(self.bot.db, guild_id, user_id, limit=10_000)
        away = sorted(await store.list_member_skips(self.bot.db, guild_id, user_id))
        loop = await store_reflections.list_member_reflections(self.bot.db, guild_id, user_id)
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
            "reflections": [
                {
                    "week": week,
                    "plan_mark": r.plan_mark,
                    "plan_why": r.plan_note,
                    "moved_most_important_problem": r.on_path,
                    "share_blocker": r.share_blocker,
                }
                for week, _, r in loop
            ],
            "help_offers": await self.blockers.export_offers(guild_id, user_id),
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        messages = await store.list_member_answer_messages(self.bot.db, guild_id, user_id)
        gathered = await store_loop.list_gatherings_with(self.bot.db, guild_id, user_id)
        rows = await store.delete_member_data(tx, guild_id, user_id)

        async def delete_cards() -> None:
            for thread_id, message_id in messages:
                thread = self.bot.get_partial_messageable(thread_id, guild_id=guild_id)
                with contextlib.suppress(discord.NotFound):  # already deleted by someone
                    await thread.get_partial_message(message_id).delete()
            log.info("forget: deleted %d answer cards of %s", len(messages), user_id)
            for round_id in gathered:  # their shared blocker leaves the gathered messages
                await self.blockers.redraw(round_id)

        return Forgotten(rows, delete_cards if messages or gathered else None)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        settings = await self.settings.get(guild_id)
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
                "blank_slate_weeks": settings.blank_slate_weeks,
                "delivery": settings.delivery,
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
        await self.bot.scheduler.cancel(prefix=PROMPT.prefix(guild_id))
        log.info("guild %s: check-in settings reset (check-ins are off)", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        milestones = await self.answers.milestones(guild_id, now)
        found = await week_that_was(self.bot.db, guild_id, now, len(milestones))
        if found is None:
            return None
        week, rows = found
        chart = await participation_chart(rows) if rows else None
        return DigestSection("Check-ins", tuple(digest_lines(week)), chart)

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)
