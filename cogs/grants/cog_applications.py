"""/grants applied, /grants applications and /grants mine: a member's own applications and
private opportunities. Every reply is ephemeral; nothing here is shown to anyone else.

A base of GrantsCog (cog.py): its commands belong to the same /grants group.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot import guilds
from bot.checks import require_guild
from bot.client import HammingBot
from bot.sending import when_text
from bot.ui import clip
from cogs.grants import store_applications as store
from cogs.grants.applications import AMOUNT_MAX, STATUS_LABELS, STATUSES
from cogs.grants.autocomplete import grant_autocomplete
from cogs.grants.feature import grants
from cogs.grants.feature_applications import ApplicationsFeature
from cogs.grants.messages import plan_summary
from cogs.grants.messages_applications import (
    DMS_CLOSED_NOTE,
    applications_embed,
    personal_list_embed,
    recorded_reply,
)
from cogs.grants.service_applications import Applied
from cogs.grants.views_applications import review_view

log = logging.getLogger(__name__)

mine = app_commands.Group(
    name="mine", description="Your private opportunities: only you see them", parent=grants
)
STATUS_CHOICES = [app_commands.Choice(name=STATUS_LABELS[s], value=s) for s in STATUSES]


async def personal_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    """Only the member's own entries: nobody else's private opportunity is ever offered."""
    if interaction.guild_id is None:
        return []
    entries = await store.list_member_personal(
        interaction.client.db, interaction.guild_id, interaction.user.id
    )
    typed = current.strip().casefold()
    return [
        app_commands.Choice(name=clip(f"{e.name} — {e.deadline:%d %b %Y}", 100), value=str(e.id))
        for e in entries
        if typed in e.name.casefold()
    ][:25]


class ApplicationCommands(ApplicationsFeature):
    @grants.command(name="applied")
    @app_commands.describe(
        grant="The grant you applied (or are applying) to",
        status="Where it stands (default: submitted if you give a date, else drafting)",
        submitted="When you sent it, your zone: today, yesterday, 2026-11-20, '3 days ago'",
        amount=f"What you asked for, as you like: $40k, 25,000 GBP (up to {AMOUNT_MAX} characters)",
        decision_by="When the funder decides (default: submission + the grant's usual days)",
        share="True: the weekly digest may name you with this news (default: private)",
    )
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.autocomplete(grant=grant_autocomplete)
    async def applied(
        self,
        interaction: discord.Interaction[HammingBot],
        grant: str,
        status: str | None = None,
        submitted: str | None = None,
        amount: app_commands.Range[str, 1, AMOUNT_MAX] | None = None,
        decision_by: str | None = None,
        share: bool | None = None,
    ) -> None:
        """Record your application to a grant (only you see it); I'll ask how it went."""
        guild = require_guild(interaction)
        typed = Applied(status, submitted, amount, decision_by, share)
        app, guessed = await self.applications.record(guild.id, interaction.user.id, grant, typed)
        reply = recorded_reply(app, guessed)
        if app.next_ask_at is not None and await guilds.is_dm_closed(
            self.bot.db, guild.id, interaction.user.id
        ):
            reply = clip(reply + DMS_CLOSED_NOTE, 2000)
        await interaction.response.send_message(reply, view=review_view(app), ephemeral=True)

    @grants.command(name="applications")
    async def list_applications(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Your grant applications and where each stands (only you see them)."""
        guild = require_guild(interaction)
        apps = await store.list_member_applications(self.bot.db, guild.id, interaction.user.id)
        await interaction.response.send_message(embed=applications_embed(apps), ephemeral=True)

    # -- private opportunities -------------------------------------------------------------------

    @mine.command(name="add")
    @app_commands.describe(
        name="The opportunity, e.g. a fellowship a friend told you about",
        deadline="E.g. 2026-03-01, 'friday 17:00', '8 Dec'; a date alone means 23:59, your zone",
        url="Its page (https://...)",
        offsets="When to DM you before the deadline, e.g. 7d,1d (default: the server's)",
    )
    async def mine_add(
        self,
        interaction: discord.Interaction[HammingBot],
        name: app_commands.Range[str, 1, 100],
        deadline: str,
        url: str | None = None,
        offsets: str | None = None,
    ) -> None:
        """Keep a private opportunity with DM reminders; nobody else sees it."""
        guild = require_guild(interaction)
        entry, plan = await self.applications.add_personal(
            guild.id, interaction.user.id, name, deadline, url, offsets
        )
        await interaction.response.send_message(
            clip(
                f"Saved **{discord.utils.escape_markdown(entry.name)}** (only you see it),"
                f" due {when_text(entry.deadline)}.\nDM reminders: {plan_summary(plan)}",
                2000,
            ),
            ephemeral=True,
        )

    @mine.command(name="list")
    async def mine_list(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Your private opportunities and their deadlines."""
        guild = require_guild(interaction)
        entries = await store.list_member_personal(self.bot.db, guild.id, interaction.user.id)
        await interaction.response.send_message(embed=personal_list_embed(entries), ephemeral=True)

    @mine.command(name="remove")
    @app_commands.describe(entry="One of your private opportunities")
    @app_commands.autocomplete(entry=personal_autocomplete)
    async def mine_remove(self, interaction: discord.Interaction[HammingBot], entry: str) -> None:
        """Remove one of your private opportunities and its reminders."""
        guild = require_guild(interaction)
        removed = await self.applications.remove_personal(guild.id, interaction.user.id, entry)
        await interaction.response.send_message(
            f"Removed **{discord.utils.escape_markdown(removed.name)}** and its reminders.",
            ephemeral=True,
        )
