"""/about, /config and /me: Discord I/O only; the settings live in bot/guilds.py."""

from __future__ import annotations

import logging
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds, ledger
from bot.checks import hamming, moderator_only, require_guild
from bot.client import HammingBot
from bot.errors import UserError
from bot.time import discord_timestamp
from bot.timeparse import TimeParseError, parse_zone, zone_choices
from bot.ui import embed
from cogs.admin.logic import (
    UpcomingItem,
    format_latency,
    format_uptime,
    role_text,
    upcoming_lines,
)

log = logging.getLogger(__name__)


async def zone_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=zone, value=zone) for zone in zone_choices(current)]


class AdminCog(commands.Cog):
    # Other features attach their own subgroups to these two groups in their setup().
    config = app_commands.Group(
        name="config",
        description="Configure Hamming for this server (moderators)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    me = app_commands.Group(
        name="me", description="Your own Hamming settings in this server", guild_only=True
    )

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    # -- /about ------------------------------------------------------------------------------

    @app_commands.command(name="about")
    @app_commands.guild_only()
    async def about(self, interaction: discord.Interaction[HammingBot]) -> None:
        """What Hamming is, how it is doing, and what this server has set up."""
        guild = require_guild(interaction)
        bot = self.bot
        statuses = await bot.feature_statuses(guild.id)
        upcoming = await ledger.list_occurrences(bot.db, guild_id=guild.id, limit=5)
        card = embed(
            "Hamming",
            "Weekly Hamming questions, feedback swaps, reading group and grant deadlines"
            " for a cohort of independent researchers.",
        )
        card.add_field(name="Version", value=bot.version)
        card.add_field(name="Uptime", value=format_uptime(time.monotonic() - bot.started_monotonic))
        card.add_field(name="Gateway latency", value=format_latency(bot.latency))
        checklist = [
            f"{'✅' if status.configured else '⬜'} **{status.name}**: {status.summary}"
            for status in statuses
        ]
        card.add_field(
            name="This server",
            value="\n".join(checklist) or "No features are installed.",
            inline=False,
        )
        lines = upcoming_lines([UpcomingItem(o.kind, o.due_at) for o in upcoming])
        card.add_field(
            name="Next scheduled", value="\n".join(lines) or "Nothing scheduled.", inline=False
        )
        await interaction.response.send_message(embed=card, ephemeral=True)

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
        guild = require_guild(interaction)
        try:
            parsed = parse_zone(zone)
        except TimeParseError as exc:
            raise UserError(str(exc)) from None
        old = await guilds.get_guild_settings(self.bot.db, guild.id)
        await self._change(interaction, "timezone", parsed.key, old.timezone, parsed.key)
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
        guild = require_guild(interaction)
        old = await guilds.get_guild_settings(self.bot.db, guild.id)
        await self._change(
            interaction,
            "moderator_role_id",
            role.id,
            role_text(old.moderator_role_id, "none"),
            role.mention,
        )
        await interaction.response.send_message(
            f"Moderators are now people with Manage Server or the {role.mention} role.",
            ephemeral=True,
        )

    @config.command(name="cohort-role")
    @app_commands.describe(role="Members with this role count as the cohort")
    @moderator_only()
    async def config_cohort_role(
        self, interaction: discord.Interaction[HammingBot], role: discord.Role
    ) -> None:
        """Choose the role whose members count as the cohort (check-ins, reminders)."""
        guild = require_guild(interaction)
        old = await guilds.get_guild_settings(self.bot.db, guild.id)
        await self._change(
            interaction,
            "cohort_role_id",
            role.id,
            role_text(old.cohort_role_id, "none"),
            role.mention,
        )
        await interaction.response.send_message(
            f"The cohort is now everyone with the {role.mention} role.", ephemeral=True
        )

    async def _change(
        self,
        interaction: discord.Interaction[HammingBot],
        column: str,
        value: str | int,
        shown_old: str,
        shown_new: str,
    ) -> None:
        guild = require_guild(interaction)
        async with self.bot.db.transaction() as tx:
            await guilds.update_guild_setting(
                tx,
                guild_id=guild.id,
                column=column,
                value=value,
                actor_id=interaction.user.id,
                shown_old=shown_old,
                shown_new=shown_new,
                now=self.bot.clock.now(),
            )
        log.info(
            "guild %s: %s changed %s from %s to %s",
            guild.id,
            interaction.user.id,
            column,
            shown_old,
            shown_new,
        )

    # -- /me ---------------------------------------------------------------------------------

    @me.command(name="timezone")
    @app_commands.describe(
        zone="Your IANA time zone, e.g. Europe/Berlin; used to read times you type"
    )
    @app_commands.autocomplete(zone=zone_autocomplete)
    async def me_timezone(self, interaction: discord.Interaction[HammingBot], zone: str) -> None:
        """Set your own time zone, used to read the times you type."""
        guild = require_guild(interaction)
        try:
            parsed = parse_zone(zone)
        except TimeParseError as exc:
            raise UserError(str(exc)) from None
        now = hamming(interaction).clock.now()
        await guilds.set_member_timezone(
            self.bot.db, guild.id, interaction.user.id, parsed.key, now
        )
        await interaction.response.send_message(
            f"Your time zone is now **{parsed.key}**: times you type are read as"
            f" {parsed.key} time (it is {now.astimezone(parsed):%H:%M} there now).",
            ephemeral=True,
        )
