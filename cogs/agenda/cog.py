"""`/agenda ...`: a member's research agenda, its history and who may read it. Discord I/O only."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.checks import require_guild
from bot.client import HammingBot
from cogs.agenda.feature import AgendaFeature
from cogs.agenda.messages import agenda_messages, privacy_text
from cogs.agenda.views import open_agenda_modal, send_reply

log = logging.getLogger(__name__)

PRIVACY_CHOICES = [
    app_commands.Choice(name="cohort: members of the cohort can read it", value="cohort"),
    app_commands.Choice(name="private: only you can read it", value="private"),
]


class AgendaCog(AgendaFeature, name="Agenda"):
    agenda = app_commands.Group(
        name="agenda", description="Your research agenda, and how it evolves", guild_only=True
    )

    @agenda.command(name="edit")
    async def edit(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Write or revise your research agenda (each save is a dated version)."""
        guild = require_guild(interaction)
        await open_agenda_modal(interaction, guild.id, blank_slate=False)

    @agenda.command(name="show")
    @app_commands.describe(member="Whose agenda: yours by default")
    async def show(
        self, interaction: discord.Interaction[HammingBot], member: discord.Member | None = None
    ) -> None:
        """Show a member's current research agenda (yours by default)."""
        guild = require_guild(interaction)
        owner_id = (member or interaction.user).id
        versions, private = await self.agendas.readable_versions(
            guild, interaction.user.id, owner_id
        )
        messages = agenda_messages(versions[-1], private=private)
        content, embeds = messages[0]
        await interaction.response.send_message(content, embeds=embeds, ephemeral=True)
        for content, embeds in messages[1:]:
            await interaction.followup.send(content, embeds=embeds, ephemeral=True)

    @agenda.command(name="history")
    @app_commands.describe(
        member="Whose agenda: yours by default",
        from_version="Compare from this version (default: the one before to_version)",
        to_version="Compare up to this version (default: the latest)",
    )
    async def history(
        self,
        interaction: discord.Interaction[HammingBot],
        member: discord.Member | None = None,
        from_version: app_commands.Range[int, 1] | None = None,
        to_version: app_commands.Range[int, 1] | None = None,
    ) -> None:
        """The versions of a research agenda and what changed between two of them."""
        guild = require_guild(interaction)
        owner_id = (member or interaction.user).id
        reply = await self.agendas.history(
            guild, interaction.user.id, owner_id, from_version, to_version
        )
        await send_reply(interaction, reply)

    @agenda.command(name="privacy")
    @app_commands.describe(visibility="Who can read your agenda (default: the cohort)")
    @app_commands.choices(visibility=PRIVACY_CHOICES)
    async def privacy(self, interaction: discord.Interaction[HammingBot], visibility: str) -> None:
        """Choose who can read your research agenda: the cohort, or only you."""
        guild = require_guild(interaction)
        private = visibility == "private"
        await self.agendas.set_privacy(guild.id, interaction.user.id, private=private)
        await interaction.response.send_message(privacy_text(private), ephemeral=True)
