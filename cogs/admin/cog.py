"""/about and /config: Discord I/O only; the settings live in bot/guilds.py."""

from __future__ import annotations

import functools
import logging
import time
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds, ledger
from bot.backups import status_text as backup_status
from bot.checks import is_moderator, moderator_only, require_guild
from bot.client import HammingBot
from bot.time import discord_timestamp
from bot.timeparse import parse_zone
from bot.ui import clip, embed
from cogs.admin import server, setup_wizard
from cogs.admin.confirm import register_action
from cogs.admin.logic import (
    UpcomingItem,
    format_latency,
    format_uptime,
    role_text,
    upcoming_lines,
)
from cogs.admin.me import reset_feature_autocomplete
from cogs.admin.web_page import page_link
from cogs.admin.zones import zone_autocomplete

log = logging.getLogger(__name__)


class AdminCog(commands.Cog):
    # Other features attach their own subgroups to this group in their setup().
    config = app_commands.Group(
        name="config",
        description="Configure Hamming for this server (moderators)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        register_action(
            "reset", functools.partial(server.reset_confirmed, bot), moderators_only=True
        )

    # -- /about ------------------------------------------------------------------------------

    @app_commands.command(name="about")
    @app_commands.guild_only()
    async def about(self, interaction: discord.Interaction[HammingBot]) -> None:
        """What Hamming is, how it is doing, and what this server has set up."""
        guild = require_guild(interaction)
        bot = self.bot
        upcoming = await ledger.list_occurrences(bot.db, guild_id=guild.id, limit=5)
        card = embed(
            "Hamming",
            "Weekly Hamming questions, feedback swaps, reading group and grant deadlines"
            " for a cohort of independent researchers.",
        )
        card.add_field(name="Version", value=bot.version)
        card.add_field(name="Uptime", value=format_uptime(time.monotonic() - bot.started_monotonic))
        card.add_field(name="Gateway latency", value=format_latency(bot.latency))
        card.add_field(
            name="This server",
            value=clip("\n".join(await setup_wizard.checklist(bot, guild)), 1024),
            inline=False,
        )
        lines = upcoming_lines([UpcomingItem(o.kind, o.due_at) for o in upcoming])
        card.add_field(
            name="Next scheduled", value="\n".join(lines) or "Nothing scheduled.", inline=False
        )
        if link := await page_link(bot, guild.id):
            card.add_field(name="Cohort page", value=link, inline=False)
        if bot.backups is not None and await is_moderator(interaction):
            card.add_field(name="Backups", value=backup_status(bot.backups), inline=False)
        await interaction.response.send_message(embed=card, ephemeral=True)

    # -- /setup -------------------------------------------------------------------------------

    @app_commands.command(name="setup")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @moderator_only()
    async def setup(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Configure the whole cohort in one place: channels, roles, time zone, check-ins."""
        guild = require_guild(interaction)
        card, view = await setup_wizard.render(self.bot, guild, 0)
        await interaction.response.send_message(embed=card, view=view, ephemeral=True)

    # -- /config -----------------------------------------------------------------------------

    @config.command(name="show")
    @moderator_only()
    async def config_show(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Show every setting of this server."""
        guild = require_guild(interaction)
        settings = await guilds.get_guild_settings(self.bot.db, guild.id)
        card = embed(f"Settings for {guild.name}")
        card.add_field(name="Time zone", value=settings.timezone)
        card.add_field(
            name="Moderator role",
            value=role_text(settings.moderator_role_id, "not set (Manage Server only)"),
        )
        card.add_field(
            name="Cohort role", value=role_text(settings.cohort_role_id, "not set (everyone)")
        )
        for status in await self.bot.feature_statuses(guild.id):
            card.add_field(name=status.name, value=status.summary, inline=False)
        await interaction.response.send_message(embed=card, ephemeral=True)

    @config.command(name="timezone")
    @app_commands.describe(zone="An IANA time zone, e.g. Europe/Berlin or America/New_York")
    @app_commands.autocomplete(zone=zone_autocomplete)
    @moderator_only()
    async def config_timezone(
        self, interaction: discord.Interaction[HammingBot], zone: str
    ) -> None:
        """Set the server's time zone, used for every schedule."""
        require_guild(interaction)
        parsed = parse_zone(zone)
        await server.save_guild_setting(self.bot, interaction, "timezone", parsed.key, parsed.key)
        now = self.bot.clock.now()
        await interaction.response.send_message(
            f"The server's time zone is now **{parsed.key}** (it is"
            f" {now.astimezone(parsed):%H:%M} there; {discord_timestamp(now, 't')} for you).",
            ephemeral=True,
        )

    @config.command(name="moderator-role")
    @app_commands.describe(role="Members with this role may configure Hamming")
    @moderator_only()
    async def config_moderator_role(
        self, interaction: discord.Interaction[HammingBot], role: discord.Role
    ) -> None:
        """Choose the role that may configure Hamming (besides Manage Server)."""
        await self._set_role(
            interaction,
            "moderator_role_id",
            role,
            f"Moderators are now people with Manage Server or the {role.mention} role.",
        )

    @config.command(name="cohort-role")
    @app_commands.describe(role="Members with this role count as the cohort")
    @moderator_only()
    async def config_cohort_role(
        self, interaction: discord.Interaction[HammingBot], role: discord.Role
    ) -> None:
        """Choose the role whose members count as the cohort (check-ins, reminders)."""
        await self._set_role(
            interaction,
            "cohort_role_id",
            role,
            f"The cohort is now everyone with the {role.mention} role.",
        )

    async def _set_role(
        self,
        interaction: discord.Interaction[HammingBot],
        column: Literal["moderator_role_id", "cohort_role_id"],
        role: discord.Role,
        reply: str,
    ) -> None:
        await server.save_guild_setting(self.bot, interaction, column, role.id, role.mention)
        await interaction.response.send_message(reply, ephemeral=True)

    # -- the server's data ---------------------------------------------------------------------

    @config.command(name="retention")
    @app_commands.describe(days="Days to keep a departed member's data (they are paused at once)")
    @moderator_only()
    async def config_retention(
        self,
        interaction: discord.Interaction[HammingBot],
        days: app_commands.Range[int, 1, 3650],
    ) -> None:
        """How long to keep the data of members who left (default 90 days)."""
        await server.retention(self.bot, interaction, days)

    @config.command(name="audit")
    @app_commands.describe(limit="How many recent changes to show (1-25)")
    @moderator_only()
    async def config_audit(
        self,
        interaction: discord.Interaction[HammingBot],
        limit: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        """Recent configuration changes: who, what, old and new value, when."""
        await server.audit(self.bot, interaction, limit)

    @config.command(name="export")
    @moderator_only()
    async def config_export(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Download this server's Hamming data as JSON."""
        await server.export(self.bot, interaction)

    @config.command(name="reset")
    @app_commands.describe(feature="The feature whose settings go back to defaults")
    @app_commands.autocomplete(feature=reset_feature_autocomplete)
    @moderator_only()
    async def config_reset(
        self, interaction: discord.Interaction[HammingBot], feature: str
    ) -> None:
        """Reset one feature's settings to defaults (asks to confirm)."""
        await server.reset(self.bot, interaction, feature)
