"""`/config checkins ...`: the moderators' schedule, questions, drift window and off switch.

Every change goes through the feature's GuildSettings (service.Schedule.save): one audit row
per setting that changed (who, what, old, new, when), and the next prompt re-planned.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import ModeratorGroup, require_guild
from bot.client import HammingBot
from bot.commands import refuse_missing_permissions, save_and_say, switch_off
from bot.timeparse import parse_hhmm
from bot.ui import WEEKDAY_CHOICES
from cogs.checkins.logic import (
    CHANNEL_PERMISSIONS,
    DEFAULT_QUESTIONS,
    MAX_CLOSE_AFTER_HOURS,
    missing_permissions,
    parse_question_fields,
    validate_schedule,
)
from cogs.checkins.messages import blank_slate_reply, delivery_reply, questions_text
from cogs.checkins.views import QuestionsModal

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

VISIBILITY_CHOICES = [
    app_commands.Choice(name="public: answers are posted in the week's thread", value="public"),
    app_commands.Choice(
        name="moderators: answers are stored for moderators only", value="moderators"
    ),
]

DELIVERY_CHOICES = [
    app_commands.Choice(
        name="channel: the prompt is posted in the check-in channel", value="channel"
    ),
    app_commands.Choice(
        name="dm: each member by DM at the prompt time on their own clock", value="dm"
    ),
    app_commands.Choice(
        name="both: in the channel, and by DM at each member's own time", value="both"
    ),
]


class CheckinsConfig(ModeratorGroup, name="checkins", description="Weekly Hamming check-ins"):
    def __init__(self, cog: CheckinsCog) -> None:
        super().__init__()
        self.cog = cog
        self.bot: HammingBot = cog.bot

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
        interaction: discord.Interaction[HammingBot],
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
        at = parse_hhmm(time)
        old = await self.cog.settings.get(guild.id)
        close = close_after_hours if close_after_hours is not None else old.close_after_hours
        remind = (
            reminder_hours_before_close
            if reminder_hours_before_close is not None
            else min(old.reminder_hours_before_close, close - 1)
        )
        validate_schedule(close, remind)
        missing = missing_permissions(
            dict(iter(channel.permissions_for(guild.me))), CHANNEL_PERMISSIONS
        )
        refuse_missing_permissions(channel, missing, "check-ins")
        new = await self.cog.schedule.save(
            guild.id,
            interaction.user.id,
            lambda current: current.with_changes(
                channel_id=channel.id,
                weekday=day,
                prompt_time=f"{at:%H:%M}",
                close_after_hours=close,
                reminder_hours_before_close=remind,
                visibility=visibility or current.visibility,
                enabled=True,
            ),
        )
        reply = await self.cog.schedule.schedule_reply(new)
        await interaction.response.send_message(reply, ephemeral=True)

    @app_commands.command(name="questions")
    @app_commands.describe(reset="Restore the five default Hamming questions instead of editing")
    async def questions(
        self, interaction: discord.Interaction[HammingBot], reset: bool = False
    ) -> None:
        """Edit the check-in questions (up to 5) in a form."""
        guild = require_guild(interaction)
        if reset:
            reply = (
                f"The default questions are back:\n{questions_text(DEFAULT_QUESTIONS)}\n"
                "They apply from the next round."
            )
            await save_and_say(
                interaction, self.cog.schedule.save, reply, questions=DEFAULT_QUESTIONS
            )
            return

        async def save(submitted: discord.Interaction[HammingBot], fields: Sequence[str]) -> None:
            questions = parse_question_fields(fields)
            reply = (
                f"Saved {len(questions)} question(s):\n{questions_text(questions)}\n"
                "They apply from the next round (an open round keeps its questions)."
            )
            await save_and_say(submitted, self.cog.schedule.save, reply, questions=questions)

        current = await self.cog.settings.get(guild.id)
        await interaction.response.send_modal(QuestionsModal(current.questions, save))

    @app_commands.command(name="drift")
    @app_commands.describe(
        weeks="Rounds in a row of “no, it did not move my problem” (or plans not done) that"
        " count as drift (default 3)"
    )
    async def drift(
        self, interaction: discord.Interaction[HammingBot], weeks: app_commands.Range[int, 1, 12]
    ) -> None:
        """Set how many rounds in a row of drift earn a member one private note."""
        reply = (
            f"Drift is now {weeks} round(s) in a row where the member answered that the week's"
            " work did not move their most important problem, or marked their plan not done."
            " They alone get one private note at that round's close."
        )
        await save_and_say(interaction, self.cog.schedule.save, reply, drift_weeks=weeks)

    @app_commands.command(name="blank-slate")
    @app_commands.describe(weeks="Every how many check-in rounds (0 to 52; 0 turns it off; 12)")
    async def blank_slate(
        self, interaction: discord.Interaction[HammingBot], weeks: app_commands.Range[int, 0, 52]
    ) -> None:
        """Set how often the check-in invites members to rewrite their agenda from scratch."""
        guild = require_guild(interaction)
        await self.cog.schedule.save(
            guild.id, interaction.user.id, lambda old: old.with_changes(blank_slate_weeks=weeks)
        )
        await interaction.response.send_message(blank_slate_reply(weeks), ephemeral=True)

    @app_commands.command(name="delivery")
    @app_commands.describe(mode="Where members get the weekly prompt")
    @app_commands.choices(mode=DELIVERY_CHOICES)
    async def delivery(self, interaction: discord.Interaction[HammingBot], mode: str) -> None:
        """Prompt in the channel, by DM at each member's own local time, or both."""
        guild = require_guild(interaction)
        new = await self.cog.schedule.save(
            guild.id, interaction.user.id, lambda old: old.with_changes(delivery=mode)
        )
        # A round open now follows the new mode: DMs planned for it, or cancelled.
        await self.cog.dm_prompts.replan_open(guild.id)
        await interaction.response.send_message(delivery_reply(new), ephemeral=True)

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Stop posting weekly check-ins (answers and history are kept)."""
        await switch_off(
            interaction,
            self.cog.settings.get,
            self.cog.schedule.save,
            already_off="Check-ins are already off; `/config checkins schedule` turns them on.",
            done="Check-ins are off: no more weekly prompts. A round that is open now still takes"
            " answers until it closes. Answers and history are kept;"
            " `/config checkins schedule` turns check-ins on again.",
        )
