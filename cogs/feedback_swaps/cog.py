"""`/feedback ...`: what members (and moderators) do with feedback swaps. Discord I/O only."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.checks import moderator_only, require_guild
from bot.client import HammingBot
from bot.ui import UserError, clip
from cogs.feedback_swaps import store
from cogs.feedback_swaps.config import FeedbackConfig
from cogs.feedback_swaps.feature import FeedbackFeature
from cogs.feedback_swaps.logic import parse_topics, topic_choices
from cogs.feedback_swaps.matching import MAX_PER_ROUND
from cogs.feedback_swaps.views import DYNAMIC_ITEMS, DraftModal
from cogs.feedback_swaps.views_frames import ChecklistSelect

FRAME_CHOICES = [
    app_commands.Choice(name="any reviewer (default)", value="any"),
    app_commands.Choice(name="close: a reviewer who shares one of my fields", value="close"),
    app_commands.Choice(name="outside: a reviewer from outside my fields", value="outside"),
]

log = logging.getLogger(__name__)


class FeedbackCog(FeedbackFeature, name="FeedbackSwaps"):
    feedback = app_commands.Group(
        name="feedback", description="Feedback swaps: give a review, get a review", guild_only=True
    )

    dynamic_items = (*DYNAMIC_ITEMS, ChecklistSelect)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.config_group = FeedbackConfig(self)

    # -- autocomplete ------------------------------------------------------------------------

    async def topics_autocomplete(
        self, interaction: discord.Interaction[HammingBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        settings = await self.service.settings.get(interaction.guild_id)
        return [
            app_commands.Choice(name=v, value=v) for v in topic_choices(current, settings.topics)
        ]

    async def drafts_autocomplete(
        self, interaction: discord.Interaction[HammingBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        drafts = await store.list_member_drafts(
            self.bot.db, interaction.guild_id, interaction.user.id
        )
        typed = current.casefold()
        return [
            app_commands.Choice(
                name=clip(f"{d.title} (needed by {d.due_at:%d %b})", 100), value=str(d.id)
            )
            for d in drafts
            if typed in d.title.casefold() or typed == str(d.id)
        ][:25]

    async def fields_autocomplete(
        self, interaction: discord.Interaction[HammingBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        known = (await self.frames.settings.get(interaction.guild_id)).fields
        return [app_commands.Choice(name=v, value=v) for v in topic_choices(current, known)]

    # -- drafts ------------------------------------------------------------------------------

    async def draft_form(
        self, guild_id: int, user_id: int, *, title: str, link: str = "", origin: str | None = None
    ) -> discord.ui.Modal:
        """`/feedback request`'s form, pre-filled, for another feature's button (a write-up's
        "Request feedback", an application's "Ask the cohort to review"); those features only
        know this method's name. `origin` comes back in the "feedback_draft_created" event."""
        await self.service.check_can_request(guild_id, user_id)
        return DraftModal((), title=title, link=link, origin=origin)

    @feedback.command(name="request")
    @app_commands.describe(
        topics="The draft's topics, comma-separated, from the server's list (pick as you type)",
        frame="Prefer a reviewer from outside your fields, or close to them (default any)",
    )
    @app_commands.autocomplete(topics=topics_autocomplete)
    @app_commands.choices(frame=FRAME_CHOICES)
    async def request(
        self,
        interaction: discord.Interaction[HammingBot],
        topics: str | None = None,
        frame: str = "any",
    ) -> None:
        """Ask for feedback on a draft: a form for its title, link, wishes and due date."""
        guild = require_guild(interaction)
        settings = await self.service.check_can_request(guild.id, interaction.user.id)
        chosen = parse_topics(topics, settings.topics)
        await self.frames.check_frame(guild.id, interaction.user.id, frame)
        await interaction.response.send_modal(DraftModal(chosen, frame))

    @feedback.command(name="withdraw")
    @app_commands.describe(draft="One of your open drafts")
    @app_commands.autocomplete(draft=drafts_autocomplete)
    async def withdraw(self, interaction: discord.Interaction[HammingBot], draft: str) -> None:
        """Withdraw one of your open drafts (its reviewers are told)."""
        guild = require_guild(interaction)
        if not draft.strip().isdigit():
            raise UserError("Pick one of your open drafts from the list as you type.")
        text = await self.service.withdraw(guild.id, interaction.user.id, int(draft))
        await interaction.response.send_message(text, ephemeral=True)

    # -- the reviewer pool -------------------------------------------------------------------

    @feedback.command(name="join")
    @app_commands.describe(
        topics="Topics you can review, comma-separated, from the server's list",
        per_round=f"How many drafts you review per round (1 to {MAX_PER_ROUND}; default 1)",
        fields="Your background, comma-separated, from the server's list (e.g. physics)",
    )
    @app_commands.autocomplete(topics=topics_autocomplete, fields=fields_autocomplete)
    async def join(
        self,
        interaction: discord.Interaction[HammingBot],
        topics: str | None = None,
        per_round: app_commands.Range[int, 1, MAX_PER_ROUND] | None = None,
        fields: str | None = None,
    ) -> None:
        """Join the reviewer pool (or change your topics): give a review, get a review."""
        guild = require_guild(interaction)
        chosen = await self.frames.parse_member_fields(guild.id, fields)
        text = await self.service.join(guild.id, interaction.user.id, topics, per_round, chosen)
        await interaction.response.send_message(text, ephemeral=True)

    @feedback.command(name="leave")
    async def leave(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Leave the reviewer pool (reviews in progress stay yours)."""
        guild = require_guild(interaction)
        text = await self.service.leave(guild.id, interaction.user.id)
        await interaction.response.send_message(text, ephemeral=True)

    @feedback.command(name="pause")
    @app_commands.describe(
        until="Until when, in your time zone, e.g. 'friday', '8 Dec', 'in 2 weeks'"
    )
    async def pause(self, interaction: discord.Interaction[HammingBot], until: str) -> None:
        """Snooze reviewing until a date; your own drafts still take part."""
        guild = require_guild(interaction)
        text = await self.service.pause(guild.id, interaction.user.id, until)
        await interaction.response.send_message(text, ephemeral=True)

    @feedback.command(name="avoid")
    @app_commands.describe(
        member="Someone you should never be paired with (private: they are never told)",
        remove="Take them off your avoid list instead",
    )
    async def avoid(
        self,
        interaction: discord.Interaction[HammingBot],
        member: discord.Member,
        remove: bool = False,
    ) -> None:
        """Never be paired with a member, either way. Private: they are never told."""
        guild = require_guild(interaction)
        text = await self.service.avoid(guild.id, interaction.user.id, member, remove)
        await interaction.response.send_message(text, ephemeral=True)

    # -- reading -----------------------------------------------------------------------------

    @feedback.command(name="status")
    async def status_command(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Your open drafts, the drafts you are reviewing, and your give-to-get ledger."""
        guild = require_guild(interaction)
        card = await self.service.status_embed(guild.id, interaction.user.id)
        await interaction.response.send_message(embed=card, ephemeral=True)

    @feedback.command(name="report")
    @moderator_only()
    async def report(self, interaction: discord.Interaction[HammingBot]) -> None:
        """The latest round's assignments and completion rates (moderators)."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        card = await self.service.report_embed(guild.id)
        await interaction.followup.send(embed=card, ephemeral=True)

    @feedback.command(name="match-now")
    @moderator_only()
    async def match_now(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Run a feedback round now, outside the schedule (moderators)."""
        guild = require_guild(interaction)
        await self.service.check_can_match_now(guild.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.service.match_now(guild.id, interaction.user.id, interaction.id)
        await interaction.followup.send(text, ephemeral=True)
