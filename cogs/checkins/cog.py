"""`/checkin ...`: what members (and moderators) do with the weekly check-ins. Discord I/O only."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator, moderator_only, require_guild
from bot.client import HammingBot
from bot.time import discord_timestamp
from bot.ui import UserError
from cogs.checkins import store
from cogs.checkins.config import CheckinsConfig
from cogs.checkins.feature import CheckinsFeature
from cogs.checkins.messages import jump_url, next_round_text
from cogs.checkins.views import open_answer_modal

log = logging.getLogger(__name__)


class CheckinsCog(CheckinsFeature, name="Checkins"):
    checkin = app_commands.Group(
        name="checkin", description="Weekly Hamming check-ins", guild_only=True
    )

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.config_group = CheckinsConfig(self)

    # A member who joins the cohort while a round is open gets their DM prompt too.
    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self.dm_prompts.cohort_joined(None, member)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if before.roles != after.roles:
            await self.dm_prompts.cohort_joined(before, after)

    @checkin.command(name="answer")
    async def answer(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Answer this week's check-in questions (or edit your answers)."""
        guild = require_guild(interaction)
        round_ = await store.get_open_round(self.bot.db, guild.id, self.bot.clock.now())
        if round_ is None:
            upcoming = await self.planner.next_prompt(guild.id)
            raise UserError(next_round_text(upcoming))
        await open_answer_modal(interaction, self.answers, round_)

    @checkin.command(name="history")
    @app_commands.describe(
        member="Whose history: yours by default; others' for moderators or when answers are public",
        weeks="How many weeks back to show (1 to 12; default 4)",
    )
    async def history(
        self,
        interaction: discord.Interaction[HammingBot],
        member: discord.Member | None = None,
        weeks: app_commands.Range[int, 1, 12] = 4,
    ) -> None:
        """Your check-ins of the last weeks, your streak, and whether your work drifts."""
        guild = require_guild(interaction)
        target = member or interaction.user
        if not isinstance(target, discord.Member):
            raise UserError("I could not find that member in this server.")
        # Own or moderator: every mark and the drift check; others: public rounds' marks only.
        private = target.id == interaction.user.id or await is_moderator(interaction)
        if not private:
            settings = await self.settings.get(guild.id)
            if settings.visibility != "public":
                raise UserError(
                    "Answers in this server are for moderators only, so you can see only your "
                    "own history: `/checkin history` without a member."
                )
        await interaction.response.defer(ephemeral=True, thinking=True)
        loop_lines = await self.reflections.history_lines(guild.id, target.id, private=private)
        card = await self.answers.history(guild.id, target, weeks, loop_lines)
        await interaction.followup.send(embed=card, ephemeral=True)

    @checkin.command(name="skip")
    @app_commands.describe(
        weeks="How many weeks you are away, from this one (0 cancels; default 1)"
    )
    async def skip(
        self,
        interaction: discord.Interaction[HammingBot],
        weeks: app_commands.Range[int, 0, 12] = 1,
    ) -> None:
        """Away? No reminders for these weeks, and your streak is kept."""
        guild = require_guild(interaction)
        text = await self.answers.skip(guild.id, interaction.user.id, weeks)
        await interaction.response.send_message(text, ephemeral=True)

    @checkin.command(name="stats")
    async def stats(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Participation over the last 12 weeks as a chart, and current streaks."""
        guild = require_guild(interaction)
        moderator = await is_moderator(interaction)
        if not moderator:
            await self.answers.cohort_member(guild.id, interaction.user.id)
        settings = await self.settings.get(guild.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        card, chart = await self.answers.stats(
            guild.id, interaction.user.id, everyone=moderator or settings.visibility == "public"
        )
        await interaction.followup.send(embed=card, file=chart, ephemeral=True)

    @checkin.command(name="prompt-now")
    @moderator_only()
    async def prompt_now(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Open this week's check-in now, if no round is open (moderators)."""
        guild = require_guild(interaction)
        await self.schedule.check_prompt_now(guild.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        round_ = await self.schedule.prompt_now(guild.id)
        log.info("guild %s: %s opened round %s now", guild.id, interaction.user.id, round_.id)
        await interaction.followup.send(
            f"Opened the check-in for {round_.week}:"
            f" {jump_url(guild.id, round_.channel_id, round_.message_id)}."
            f" It closes {discord_timestamp(round_.closes_at, 'F')}.",
            ephemeral=True,
        )
