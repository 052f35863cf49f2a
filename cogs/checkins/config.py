"""`/config checkins ...`: the moderators' schedule, questions, drift window and off switch.

Every change writes one audit row per setting that changed (who, what, old, new, when).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import guilds
from bot.checks import ModeratorGroup, require_guild
from bot.time import discord_timestamp
from bot.timeparse import WEEKDAYS, TimeParseError, parse_hhmm
from bot.ui import WEEKDAY_CHOICES, UserError
from cogs.checkins import store
from cogs.checkins.logic import (
    DEFAULT_QUESTIONS,
    MAX_CLOSE_AFTER_HOURS,
    ConfigError,
    Question,
    missing_permissions,
    parse_question_fields,
    question_field_value,
    validate_schedule,
)
from cogs.checkins.store import CheckinSettings
from cogs.checkins.views import QuestionsModal

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

VISIBILITY_CHOICES = [
    app_commands.Choice(name="public: answers are posted in the week's thread", value="public"),
    app_commands.Choice(
        name="moderators: answers are stored for moderators only", value="moderators"
    ),
]


def _questions_text(questions: Sequence[Question]) -> str:
    return "\n".join(question_field_value(q) for q in questions)


def _audit_values(settings: CheckinSettings) -> dict[str, str]:
    """Each audited setting as people read it."""
    return {
        "checkins.enabled": "on" if settings.enabled else "off",
        "checkins.channel": f"<#{settings.channel_id}>" if settings.channel_id else "none",
        "checkins.day": WEEKDAYS[settings.weekday],
        "checkins.time": settings.prompt_time,
        "checkins.close_after_hours": str(settings.close_after_hours),
        "checkins.reminder_hours_before_close": str(settings.reminder_hours_before_close),
        "checkins.visibility": settings.visibility,
        "checkins.questions": json.dumps(
            [question_field_value(q) for q in settings.questions], ensure_ascii=False
        ),
        "checkins.drift_weeks": str(settings.drift_weeks),
    }


class CheckinsConfig(ModeratorGroup, name="checkins", description="Weekly Hamming check-ins"):
    def __init__(self, cog: CheckinsCog) -> None:
        super().__init__()
        self.cog = cog
        self.bot: HammingBot = cog.bot

    async def _save(self, actor_id: int, old: CheckinSettings, new: CheckinSettings) -> None:
        """Store the settings, audit what changed and re-plan the next prompt."""
        now = self.bot.clock.now()
        before, after = _audit_values(old), _audit_values(new)
        async with self.bot.db.transaction() as tx:
            await store.upsert_settings(tx, new, now)
            changed = await guilds.audit_changes(
                tx, guild_id=new.guild_id, actor_id=actor_id, before=before, after=after, now=now
            )
            await self.cog.planner.plan_next_prompt(new.guild_id, now, replace=True)
        log.info(
            "guild %s: %s changed %s",
            new.guild_id,
            actor_id,
            ", ".join(changed) or "nothing",
        )

    async def enable_in(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        """Check-ins on in `channel_id` with the current (or default) schedule, for /setup."""
        old = await store.get_settings(self.bot.db, guild_id)
        await self._save(actor_id, old, old.with_changes(channel_id=channel_id, enabled=True))

    async def set_day_time(
        self, guild_id: int, weekday: int | None, at: time | None, actor_id: int
    ) -> None:
        """The prompt's day and/or time, for /setup; check-ins start once a channel is set."""
        old = await store.get_settings(self.bot.db, guild_id)
        new = old.with_changes(
            weekday=old.weekday if weekday is None else weekday,
            prompt_time=old.prompt_time if at is None else f"{at:%H:%M}",
        )
        await self._save(actor_id, old, new)

    @app_commands.command(name="schedule")
    @app_commands.describe(
        channel="Where the weekly prompt is posted (a thread is opened on it for answers)",
        day="The weekday of the prompt",
        time="The prompt's time of day, HH:MM in the server's time zone, e.g. 09:00",
        close_after_hours=f"How long each round stays open (1 to {MAX_CLOSE_AFTER_HOURS} h; 72)",
        reminder_hours_before_close="DM reminder this many hours before close (0: none; 24)",
        visibility="Who reads the answers (default: public)",
    )
    @app_commands.choices(day=WEEKDAY_CHOICES)
    @app_commands.choices(visibility=VISIBILITY_CHOICES)
    async def schedule(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        day: int,
        time: str,
        close_after_hours: app_commands.Range[int, 1, MAX_CLOSE_AFTER_HOURS] | None = None,
        reminder_hours_before_close: app_commands.Range[int, 0, MAX_CLOSE_AFTER_HOURS]
        | None = None,
        visibility: str | None = None,
    ) -> None:
        """Set when and where the weekly check-in is posted, and turn check-ins on."""
        guild = require_guild(interaction)
        try:
            at = parse_hhmm(time)
        except TimeParseError as exc:
            raise UserError(str(exc)) from None
        old = await store.get_settings(self.bot.db, guild.id)
        close = close_after_hours if close_after_hours is not None else old.close_after_hours
        remind = (
            reminder_hours_before_close
            if reminder_hours_before_close is not None
            else min(old.reminder_hours_before_close, close - 1)
        )
        try:
            validate_schedule(close, remind)
        except ConfigError as exc:
            raise UserError(str(exc)) from None
        missing = missing_permissions(
            dict(iter(channel.permissions_for(guild.me))), self.cog.channel_permissions
        )
        if missing:
            raise UserError(
                f"I cannot run check-ins in {channel.mention}: I am missing the "
                f"{', '.join(missing)} permission(s) there. Grant them (channel settings → "
                "Permissions) and run this again; nothing was changed."
            )
        new = old.with_changes(
            channel_id=channel.id,
            weekday=day,
            prompt_time=f"{at:%H:%M}",
            close_after_hours=close,
            reminder_hours_before_close=remind,
            visibility=visibility or old.visibility,
            enabled=True,
        )
        await self._save(interaction.user.id, old, new)
        await interaction.response.send_message(await self._schedule_reply(new), ephemeral=True)

    async def _schedule_reply(self, settings: CheckinSettings) -> str:
        zone = await guilds.get_guild_zone(self.bot.db, settings.guild_id)
        upcoming = await self.cog.planner.next_prompt(settings.guild_id)
        when = (
            f"{discord_timestamp(upcoming, 'F')} ({discord_timestamp(upcoming, 'R')})"
            if upcoming
            else "not planned"
        )
        reminder = (
            f"one reminder {settings.reminder_hours_before_close} h before the close"
            if settings.reminder_hours_before_close
            else "no reminder"
        )
        readers = (
            "posted in the thread" if settings.visibility == "public" else "for moderators only"
        )
        lines = [
            f"Check-ins are on: every **{WEEKDAYS[settings.weekday]}** at"
            f" **{settings.prompt_time}** ({zone.key} time) in <#{settings.channel_id}>.",
            f"Each round is open {settings.close_after_hours} h, with {reminder}; answers are"
            f" {readers}.",
            f"Next prompt: {when}. The local time stays put when the clocks change.",
        ]
        if zone.key == "UTC":
            lines.append("The server's time zone is UTC; set yours with `/config timezone`.")
        lines.append("Edit the questions with `/config checkins questions`.")
        return "\n".join(lines)

    @app_commands.command(name="questions")
    @app_commands.describe(reset="Restore the five default Hamming questions instead of editing")
    async def questions(self, interaction: discord.Interaction[Any], reset: bool = False) -> None:
        """Edit the check-in questions (up to 5) in a form."""
        guild = require_guild(interaction)
        current = await store.get_settings(self.bot.db, guild.id)
        if reset:
            await self._save(
                interaction.user.id, current, current.with_changes(questions=DEFAULT_QUESTIONS)
            )
            await interaction.response.send_message(
                "The default questions are back:\n"
                + _questions_text(DEFAULT_QUESTIONS)
                + "\nThey apply from the next round.",
                ephemeral=True,
            )
            return

        async def save(submitted: discord.Interaction[Any], fields: Sequence[str]) -> None:
            try:
                questions = parse_question_fields(fields)
            except ConfigError as exc:
                raise UserError(f"{exc} Nothing was changed.") from None
            old = await store.get_settings(self.bot.db, guild.id)
            await self._save(submitted.user.id, old, old.with_changes(questions=questions))
            await submitted.response.send_message(
                f"Saved {len(questions)} question(s):\n{_questions_text(questions)}\n"
                "They apply from the next round (an open round keeps its questions).",
                ephemeral=True,
            )

        await interaction.response.send_modal(QuestionsModal(current.questions, save))

    @app_commands.command(name="drift")
    @app_commands.describe(weeks="Weeks without overlap before history mentions drift (default 3)")
    async def drift(
        self, interaction: discord.Interaction[Any], weeks: app_commands.Range[int, 1, 12]
    ) -> None:
        """Set how many weeks the drift check in /checkin history looks at."""
        guild = require_guild(interaction)
        old = await store.get_settings(self.bot.db, guild.id)
        await self._save(interaction.user.id, old, old.with_changes(drift_weeks=weeks))
        await interaction.response.send_message(
            f"History now mentions drift after {weeks} check-in(s) whose “what I did” shares no"
            " word with the problems the member named.",
            ephemeral=True,
        )

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        """Stop posting weekly check-ins (answers and history are kept)."""
        guild = require_guild(interaction)
        old = await store.get_settings(self.bot.db, guild.id)
        if not old.enabled:
            raise UserError("Check-ins are already off; `/config checkins schedule` turns them on.")
        await self._save(interaction.user.id, old, old.with_changes(enabled=False))
        await interaction.response.send_message(
            "Check-ins are off: no more weekly prompts. A round that is open now still takes"
            " answers until it closes. Answers and history are kept;"
            " `/config checkins schedule` turns check-ins on again.",
            ephemeral=True,
        )
