"""`/config feedback ...`: the moderators' schedule, topic list and off switch.

Every change goes through the feature's GuildSettings (service.py), which writes one audit row
per setting that changed (who, what, old, new, when).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import guilds
from bot.checks import ModeratorGroup, ensure_moderator, require_guild
from bot.client import HammingBot
from bot.commands import (
    lacking_permissions,
    refuse_missing_permissions,
    save_and_say,
    switch_off,
)
from bot.timeparse import parse_hhmm
from bot.ui import WEEKDAY_CHOICES, UserError
from cogs.feedback_swaps import messages
from cogs.feedback_swaps.logic import (
    DEFAULT_TOPICS,
    MAX_DRAFT_LIMIT,
    MAX_REPEAT_WINDOW,
    parse_topic_list,
)
from cogs.feedback_swaps.matching import MAX_REVIEWERS_PER_DRAFT
from cogs.feedback_swaps.views import TopicsModal
from cogs.feedback_swaps.views_frames import ListModal

if TYPE_CHECKING:
    from cogs.feedback_swaps.cog import FeedbackCog

log = logging.getLogger(__name__)

CADENCE_CHOICES = [
    app_commands.Choice(name="weekly", value="weekly"),
    app_commands.Choice(name="every other week", value="biweekly"),
]
# What the bot needs in the feedback channel: private threads for members with closed DMs.
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_private_threads": "Create Private Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}


class FeedbackConfig(ModeratorGroup, name="feedback", description="Feedback swaps"):
    def __init__(self, cog: FeedbackCog) -> None:
        super().__init__()
        self.cog = cog
        self.bot: HammingBot = cog.bot
        self.service = cog.service

    async def enable_in(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        """From /setup: use this channel and turn rounds on with the current schedule."""
        old = await self.service.settings.get(guild_id)
        await self.service.schedule_rounds(
            guild_id,
            actor_id,
            channel_id=channel_id,
            day=old.weekday,
            at=parse_hhmm(old.round_time),
            cadence=old.cadence,
        )

    @app_commands.command(name="schedule")
    @app_commands.describe(
        channel="Where private threads open for members whose DMs are closed",
        cadence="How often rounds run (default weekly)",
        day="The weekday of each round",
        time="The round's time of day, HH:MM in the server's time zone, e.g. 10:00",
        reviewers_per_draft=f"Reviewers per draft (1 to {MAX_REVIEWERS_PER_DRAFT}; default 1)",
        draft_limit=f"Open drafts a member may have (1 to {MAX_DRAFT_LIMIT}; default 2)",
        repeat_window=f"Rounds before a pair may meet again (0 to {MAX_REPEAT_WINDOW}; default 6)",
    )
    @app_commands.choices(day=WEEKDAY_CHOICES)
    @app_commands.choices(cadence=CADENCE_CHOICES)
    async def schedule(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel,
        day: int,
        time: str,
        cadence: str = "weekly",
        reviewers_per_draft: app_commands.Range[int, 1, MAX_REVIEWERS_PER_DRAFT] | None = None,
        draft_limit: app_commands.Range[int, 1, MAX_DRAFT_LIMIT] | None = None,
        repeat_window: app_commands.Range[int, 0, MAX_REPEAT_WINDOW] | None = None,
    ) -> None:
        """Set when feedback rounds run and where, and turn them on."""
        guild = require_guild(interaction)
        at = parse_hhmm(time)
        missing = lacking_permissions(channel, guild.me, NEEDED)
        refuse_missing_permissions(channel, missing, "feedback swaps")
        new = await self.service.schedule_rounds(
            guild.id,
            interaction.user.id,
            channel_id=channel.id,
            day=day,
            at=at,
            cadence=cadence,
            reviewers_per_draft=reviewers_per_draft,
            draft_limit=draft_limit,
            repeat_window=repeat_window,
        )
        zone = await guilds.get_guild_zone(self.bot.db, guild.id)
        upcoming = await self.cog.rounds.next_round(guild.id)
        text = messages.schedule_reply(new, zone.key, upcoming)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="topics")
    @app_commands.describe(reset="Restore the default topic list instead of editing")
    async def topics(
        self, interaction: discord.Interaction[HammingBot], reset: bool = False
    ) -> None:
        """Edit the topics members pick for drafts and expertise (one per line)."""
        guild = require_guild(interaction)
        current = await self.service.settings.get(guild.id)
        if reset:
            reply = f"Topics reset to the defaults: {', '.join(DEFAULT_TOPICS)}."
            await save_and_say(
                interaction, self.service.save_settings, reply, topics=DEFAULT_TOPICS
            )
            return
        await interaction.response.send_modal(TopicsModal(current.topics))

    async def save_topics(self, interaction: discord.Interaction[HammingBot], text: str) -> str:
        """From the topics form: validate, store, audit."""
        if not await ensure_moderator(interaction):  # the form outlives the command's check
            raise UserError("Only moderators can edit the topic list.")
        guild = require_guild(interaction)
        topics = parse_topic_list(text)
        await self.service.save_settings(
            guild.id, interaction.user.id, lambda s: s.with_changes(topics=topics)
        )
        return (
            f"Saved {len(topics)} topic{'s' if len(topics) != 1 else ''}: {', '.join(topics)}. "
            "Members' existing drafts and expertise keep the topics they chose."
        )

    @app_commands.command(name="fields")
    @app_commands.describe(reset="Restore the default list of fields instead of editing")
    async def fields(
        self, interaction: discord.Interaction[HammingBot], reset: bool = False
    ) -> None:
        """Edit the fields (backgrounds) members pick for frames, one per line."""
        await self._edit_list(interaction, "fields", reset)

    @app_commands.command(name="checklist")
    @app_commands.describe(reset="Restore the default review checklist instead of editing")
    async def checklist(
        self, interaction: discord.Interaction[HammingBot], reset: bool = False
    ) -> None:
        """Edit the review checklist on reviewers' cards, one point per line."""
        await self._edit_list(interaction, "checklist", reset)

    async def _edit_list(
        self, interaction: discord.Interaction[HammingBot], what: str, reset: bool
    ) -> None:
        """Open the form for the field list or the checklist, or restore its default."""
        guild = require_guild(interaction)
        frames = self.cog.frames
        if reset:
            save = frames.save_fields if what == "fields" else frames.save_checklist
            text = await save(guild.id, interaction.user.id, None)
            await interaction.response.send_message(text, ephemeral=True)
            return
        current = await frames.settings.get(guild.id)
        shown = current.fields if what == "fields" else current.checklist
        await interaction.response.send_modal(ListModal(what, shown))

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Stop scheduled feedback rounds (reviews in progress carry on)."""
        await switch_off(
            interaction,
            self.service.settings.get,
            self.service.save_settings,
            already_off="Scheduled feedback rounds are already off.",
            done="Scheduled feedback rounds are off. Reviews in progress carry on, and "
            "`/feedback match-now` still works. `/config feedback schedule` turns them on.",
        )
