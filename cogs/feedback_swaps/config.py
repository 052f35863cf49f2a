"""`/config feedback ...`: the moderators' schedule, topic list and off switch.

Every change writes one audit row per setting that changed (who, what, old, new, when).
"""

from __future__ import annotations

import json
import logging
from datetime import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import guilds
from bot.checks import ModeratorGroup, ensure_moderator, require_guild
from bot.time import discord_timestamp
from bot.timeparse import WEEKDAYS, parse_hhmm
from bot.ui import WEEKDAY_CHOICES, UserError
from cogs.feedback_swaps import store
from cogs.feedback_swaps.logic import (
    DEFAULT_TOPICS,
    MAX_DRAFT_LIMIT,
    MAX_REPEAT_WINDOW,
    next_round_at,
    parse_topic_list,
    round_slot,
)
from cogs.feedback_swaps.matching import MAX_REVIEWERS_PER_DRAFT
from cogs.feedback_swaps.messages import settings_summary
from cogs.feedback_swaps.store import FeedbackSettings
from cogs.feedback_swaps.views import TopicsModal

if TYPE_CHECKING:
    from bot.client import HammingBot
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


def _audit_values(s: FeedbackSettings) -> dict[str, str]:
    return {
        "feedback.enabled": "on" if s.enabled else "off",
        "feedback.channel": f"<#{s.channel_id}>" if s.channel_id else "none",
        "feedback.cadence": s.cadence,
        "feedback.day": WEEKDAYS[s.weekday],
        "feedback.time": s.round_time,
        "feedback.reviewers_per_draft": str(s.reviewers_per_draft),
        "feedback.draft_limit": str(s.draft_limit),
        "feedback.repeat_window": str(s.repeat_window),
        "feedback.topics": json.dumps(list(s.topics), ensure_ascii=False),
    }


class FeedbackConfig(ModeratorGroup, name="feedback", description="Feedback swaps"):
    def __init__(self, cog: FeedbackCog) -> None:
        super().__init__()
        self.cog = cog
        self.bot: HammingBot = cog.bot

    async def _save(self, actor_id: int, old: FeedbackSettings, new: FeedbackSettings) -> None:
        now = self.bot.clock.now()
        before, after = _audit_values(old), _audit_values(new)
        async with self.bot.db.transaction() as tx:
            await store.upsert_settings(tx, new, now)
            changed = await guilds.audit_changes(
                tx, guild_id=new.guild_id, actor_id=actor_id, before=before, after=after, now=now
            )
            await self.cog.rounds.plan_next_round(new.guild_id, now)
        log.info(
            "guild %s: %s changed %s",
            new.guild_id,
            actor_id,
            ", ".join(changed) or "nothing",
        )

    async def enable_in(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        """From /setup: use this channel and turn rounds on with the current schedule."""
        old = await store.get_settings(self.bot.db, guild_id)
        new = await self._scheduled(
            guild_id, old, channel_id, old.weekday, parse_hhmm(old.round_time), old.cadence
        )
        await self._save(actor_id, old, new)

    async def _scheduled(
        self,
        guild_id: int,
        old: FeedbackSettings,
        channel_id: int,
        day: int,
        at: time,
        cadence: str,
        **changes: Any,
    ) -> FeedbackSettings:
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        first = next_round_at(
            self.bot.clock.now(), weekday=day, at=at, zone=zone, cadence="weekly", anchor=None
        )
        return old.with_changes(
            enabled=True,
            channel_id=channel_id,
            cadence=cadence,
            weekday=day,
            round_time=f"{at:%H:%M}",
            # Biweekly counts fortnights from the first round after this change.
            anchor_date=round_slot(first, zone),
            **changes,
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
        interaction: discord.Interaction[Any],
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
        granted = channel.permissions_for(guild.me)
        missing = [label for name, label in NEEDED.items() if not getattr(granted, name)]
        if missing:
            raise UserError(
                f"I cannot run feedback swaps in {channel.mention}: I am missing the "
                f"{', '.join(missing)} permission(s) there. Grant them (channel settings → "
                "Permissions) and run this again; nothing was changed."
            )
        old = await store.get_settings(self.bot.db, guild.id)
        new = await self._scheduled(
            guild.id,
            old,
            channel.id,
            day,
            at,
            cadence,
            reviewers_per_draft=reviewers_per_draft or old.reviewers_per_draft,
            draft_limit=draft_limit or old.draft_limit,
            repeat_window=old.repeat_window if repeat_window is None else repeat_window,
        )
        await self._save(interaction.user.id, old, new)
        zone = await guilds.get_guild_zone(self.bot.db, guild.id)
        upcoming = await self.cog.rounds.next_round(guild.id)
        when = (
            f"{discord_timestamp(upcoming, 'F')} ({discord_timestamp(upcoming, 'R')})"
            if upcoming
            else "not planned"
        )
        lines = [
            f"Feedback swaps are on: {settings_summary(new)} ({zone.key} time).",
            f"Members may have {new.draft_limit} open draft(s); a pair meets again only after "
            f"{new.repeat_window} round(s) unless there is no other way.",
            f"Next round: {when}.",
        ]
        if zone.key == "UTC":
            lines.append("The server's time zone is UTC; set yours with `/config timezone`.")
        lines.append("Edit the topic list with `/config feedback topics`.")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="topics")
    @app_commands.describe(reset="Restore the default topic list instead of editing")
    async def topics(self, interaction: discord.Interaction[Any], reset: bool = False) -> None:
        """Edit the topics members pick for drafts and expertise (one per line)."""
        guild = require_guild(interaction)
        current = await store.get_settings(self.bot.db, guild.id)
        if reset:
            await self._save(
                interaction.user.id, current, current.with_changes(topics=DEFAULT_TOPICS)
            )
            await interaction.response.send_message(
                f"Topics reset to the defaults: {', '.join(DEFAULT_TOPICS)}.", ephemeral=True
            )
            return
        await interaction.response.send_modal(TopicsModal(current.topics))

    async def save_topics(self, interaction: discord.Interaction[Any], text: str) -> str:
        """From the topics form: validate, store, audit."""
        if not await ensure_moderator(interaction):  # the form outlives the command's check
            raise UserError("Only moderators can edit the topic list.")
        guild = require_guild(interaction)
        topics = parse_topic_list(text)
        old = await store.get_settings(self.bot.db, guild.id)
        await self._save(interaction.user.id, old, old.with_changes(topics=topics))
        return (
            f"Saved {len(topics)} topic{'s' if len(topics) != 1 else ''}: {', '.join(topics)}. "
            "Members' existing drafts and expertise keep the topics they chose."
        )

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        """Stop scheduled feedback rounds (reviews in progress carry on)."""
        guild = require_guild(interaction)
        old = await store.get_settings(self.bot.db, guild.id)
        if not old.enabled:
            raise UserError("Scheduled feedback rounds are already off.")
        await self._save(interaction.user.id, old, old.with_changes(enabled=False))
        await interaction.response.send_message(
            "Scheduled feedback rounds are off. Reviews in progress carry on, and "
            "`/feedback match-now` still works. `/config feedback schedule` turns them on.",
            ephemeral=True,
        )
