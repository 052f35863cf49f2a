"""`/writeup ...`: members' write-ups from idea to published. Discord I/O only.

Feedback swaps are reached one way: the Request feedback button opens their draft form
(found through `bot.features`), and their events ("feedback_draft_created",
"feedback_swap_completed") move the write-up on. Write-ups never import feedback swaps.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import require_guild
from bot.client import HammingBot
from bot.ui import clip
from cogs.writeups import messages, store
from cogs.writeups.config import WriteupsConfig
from cogs.writeups.feature import WriteupsFeature
from cogs.writeups.logic import FEATURE_NAME, STAGE_LABELS, STAGES, TITLE_MAX
from cogs.writeups.service import Changes
from cogs.writeups.views import DYNAMIC_ITEMS, remove_view, request_view

log = logging.getLogger(__name__)

STAGE_CHOICES = [app_commands.Choice(name=STAGE_LABELS[s], value=s) for s in STAGES]
ORIGIN_PREFIX = f"{FEATURE_NAME}:"


class WriteupsCog(WriteupsFeature, name="Writeups"):
    writeup = app_commands.Group(
        name="writeup", description="Your write-ups, from idea to published", guild_only=True
    )

    dynamic_items = DYNAMIC_ITEMS

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.config_group = WriteupsConfig(self)

    async def own_autocomplete(
        self, interaction: discord.Interaction[HammingBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Only the member's own write-ups (never another member's)."""
        if interaction.guild_id is None:
            return []
        mine = await store.list_member_writeups(
            self.bot.db, interaction.guild_id, interaction.user.id, include_private=True
        )
        typed = current.casefold().lstrip("#")
        return [
            app_commands.Choice(name=clip(f"{w.title} ({w.stage})", 100), value=str(w.id))
            for w in mine
            if typed in w.title.casefold() or typed == str(w.id)
        ][:25]

    @writeup.command(name="add")
    @app_commands.describe(
        title=f"What it is called (up to {TITLE_MAX} characters)",
        link="A link to the draft or post (http or https)",
        stage="Where it is now (default: idea)",
        private="Only you see it: never listed to others, announced or in the digest",
    )
    @app_commands.choices(stage=STAGE_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction[HammingBot],
        title: str,
        link: str | None = None,
        stage: str = "idea",
        private: bool = False,
    ) -> None:
        """Add a write-up you are working on (an idea, a draft, a post)."""
        guild = require_guild(interaction)
        w = await self.service.add(
            guild.id, interaction.user.id, title=title, link=link, stage=stage, private=private
        )
        await self._saved(interaction, w, "Added")

    @writeup.command(name="update")
    @app_commands.describe(
        writeup="One of your write-ups",
        stage="Its new stage",
        link="A new link (http or https)",
        title="A new title",
        private="Only you see it (True) or the cohort does (False)",
    )
    @app_commands.choices(stage=STAGE_CHOICES)
    @app_commands.autocomplete(writeup=own_autocomplete)
    async def update(
        self,
        interaction: discord.Interaction[HammingBot],
        writeup: str,
        stage: str | None = None,
        link: str | None = None,
        title: str | None = None,
        private: bool | None = None,
    ) -> None:
        """Move one of your write-ups to another stage, or change its title, link or privacy."""
        guild = require_guild(interaction)
        w = await self.service.update(
            guild.id, interaction.user.id, writeup, Changes(title, link, stage, private)
        )
        await self._saved(interaction, w, "Updated")

    async def _saved(
        self, interaction: discord.Interaction[HammingBot], w: store.Writeup, verb: str
    ) -> None:
        view = request_view(w.id) if w.stage not in ("feedback", "published") else None
        text = messages.saved_reply(w, verb)
        if view is None:
            await interaction.response.send_message(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, view=view, ephemeral=True)

    @writeup.command(name="publish")
    @app_commands.describe(
        writeup="One of your write-ups", url="Where it is published (http or https)"
    )
    @app_commands.autocomplete(writeup=own_autocomplete)
    async def publish(
        self, interaction: discord.Interaction[HammingBot], writeup: str, url: str
    ) -> None:
        """Mark a write-up published, with its URL (announced once unless it is private)."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        w = await self.service.publish(guild.id, interaction.user.id, writeup, url)
        where = (
            "It stays private: not announced and not in the digest."
            if w.private
            else "The cohort hears about it in the announcement channel and the weekly digest."
        )
        await interaction.followup.send(
            clip(
                f"🎉 Published {messages.title_text(w)} ({messages.venue_text(w.link)}). {where}",
                2000,
            ),
            ephemeral=True,
        )

    @writeup.command(name="list")
    @app_commands.describe(
        member="Whose write-ups (default: yours); others' private ones stay hidden"
    )
    async def list_writeups(
        self, interaction: discord.Interaction[HammingBot], member: discord.Member | None = None
    ) -> None:
        """List your write-ups, or the ones another member shares with the cohort."""
        guild = require_guild(interaction)
        owner = member.id if member is not None else interaction.user.id
        mine = owner == interaction.user.id
        found = await store.list_member_writeups(self.bot.db, guild.id, owner, include_private=mine)
        card = messages.list_card(owner, found, mine=mine)
        await interaction.response.send_message(embed=card, ephemeral=True)

    @writeup.command(name="remove")
    @app_commands.describe(writeup="One of your write-ups")
    @app_commands.autocomplete(writeup=own_autocomplete)
    async def remove(self, interaction: discord.Interaction[HammingBot], writeup: str) -> None:
        """Remove one of your write-ups, after confirming."""
        guild = require_guild(interaction)
        w = await self.service.own(guild.id, interaction.user.id, writeup)
        await interaction.response.send_message(
            f"Remove {messages.title_text(w)} for good? This cannot be undone.",
            view=remove_view(w.id, interaction.user.id),
            ephemeral=True,
        )

    @writeup.command(name="nudges")
    @app_commands.describe(setting="on: a gentle DM when a write-up sits in one stage for weeks")
    async def nudges(
        self, interaction: discord.Interaction[HammingBot], setting: Literal["on", "off"]
    ) -> None:
        """Turn the gentle "still moving?" DMs about your stale write-ups on or off."""
        guild = require_guild(interaction)
        await self.service.set_nudges(guild.id, interaction.user.id, setting == "on")
        text = (
            "You get a gentle DM when one of your write-ups sits in one stage for a while."
            if setting == "on"
            else "No more nudges about your write-ups. `/writeup nudges on` brings them back."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @writeup.command(name="stats")
    async def stats(self, interaction: discord.Interaction[HammingBot]) -> None:
        """The cohort's write-ups per stage, and posts published per month (a chart)."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        card, chart = await self.service.stats(guild.id)
        await interaction.followup.send(embed=card, file=chart, ephemeral=True)

    # -- feedback swaps' events (one way: they never hear from write-ups) -----------------------

    @commands.Cog.listener()
    async def on_feedback_draft_created(
        self, guild_id: int, user_id: int, draft_id: int, origin: str | None
    ) -> None:
        if origin is None or not origin.startswith(ORIGIN_PREFIX):
            return
        writeup_id = origin.removeprefix(ORIGIN_PREFIX)
        if writeup_id.isdigit():
            await self.service.draft_created(guild_id, user_id, draft_id, int(writeup_id))

    @commands.Cog.listener()
    async def on_feedback_swap_completed(
        self, guild_id: int, author_id: int, draft_id: int
    ) -> None:
        await self.service.swap_completed(guild_id, draft_id)
