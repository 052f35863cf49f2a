"""/me: a member's own settings in this server, their data export, and forgetting them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds, members
from bot.checks import hamming, require_guild
from bot.client import HammingBot
from bot.features import FeatureCog
from bot.time import discord_timestamp
from bot.timeparse import parse_deadline, parse_zone
from bot.ui import UserError, clip
from cogs.admin.confirm import confirm_view, register_action
from cogs.admin.my_reminders import gather, render
from cogs.admin.privacy import export_json, export_member, forget_member
from cogs.admin.zones import zone_autocomplete

log = logging.getLogger(__name__)


async def feature_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    return _feature_choices(hamming(interaction).features.values(), current)


async def reset_feature_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    """Only the features that keep server settings (a feature without any, such as the
    agenda, cannot be reset, so it is not offered)."""
    return _feature_choices(hamming(interaction).features_with("reset_guild"), current)


def _feature_choices(
    features: Iterable[FeatureCog], current: str
) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=f.title, value=f.name)
        for f in features
        if current.lower() in f.title.lower() or current.lower() in f.name
    ][:25]


class MeCog(commands.Cog):
    me = app_commands.Group(
        name="me", description="Your own Hamming settings in this server", guild_only=True
    )

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        # Members forget their own data: the presser only has to be the one who asked.
        register_action("forget", self._forget_confirmed, moderators_only=False)

    @me.command(name="timezone")
    @app_commands.describe(zone="Your IANA time zone, e.g. Europe/Berlin")
    @app_commands.autocomplete(zone=zone_autocomplete)
    async def timezone(self, interaction: discord.Interaction[HammingBot], zone: str) -> None:
        """Set your own time zone, used to read the times you type."""
        guild = require_guild(interaction)
        parsed = parse_zone(zone)
        now = self.bot.clock.now()
        await guilds.set_member_timezone(
            self.bot.db, guild.id, interaction.user.id, parsed.key, now
        )
        # What is planned in the member's own time (a check-in DM prompt) moves now.
        await self.bot.member_zone_changed(guild.id, interaction.user.id)
        await interaction.response.send_message(
            f"Your time zone is now **{parsed.key}**: times you type are read as"
            f" {parsed.key} time (it is {now.astimezone(parsed):%H:%M} there now).",
            ephemeral=True,
        )

    @me.command(name="pause")
    @app_commands.describe(until="When to start again, e.g. 2027-01-10 or 'in 2 weeks'")
    async def pause(self, interaction: discord.Interaction[HammingBot], until: str) -> None:
        """Pause everything for you: check-in reminders, feedback matching, reading reminders."""
        guild = require_guild(interaction)
        zone = await guilds.get_reading_zone(self.bot.db, guild.id, interaction.user.id)
        parsed = parse_deadline(until, zone, self.bot.clock.now())
        await members.set_paused_until(
            self.bot.db, guild.id, interaction.user.id, parsed.when, self.bot.clock.now()
        )
        log.info(
            "member %s paused in guild %s until %s", interaction.user.id, guild.id, parsed.when
        )
        notes = "".join(f"\n{note}" for note in parsed.notes)
        await interaction.response.send_message(
            f"Paused until {discord_timestamp(parsed.when, 'F')} (read as {parsed.describe()}):"
            " no check-in reminders, no"
            " feedback matching and no reading reminders until then. `/me resume` ends it"
            f" early.{notes}",
            ephemeral=True,
        )

    @me.command(name="resume")
    async def resume(self, interaction: discord.Interaction[HammingBot]) -> None:
        """End your pause now."""
        guild = require_guild(interaction)
        state = await members.get_member_state(self.bot.db, guild.id, interaction.user.id)
        if state.paused_until is None or state.paused_until <= self.bot.clock.now():
            raise UserError("You are not paused. `/me pause until:` pauses reminders and matching.")
        await members.set_paused_until(
            self.bot.db, guild.id, interaction.user.id, None, self.bot.clock.now()
        )
        await interaction.response.send_message(
            "Welcome back: reminders and matching are on again.", ephemeral=True
        )

    @me.command(name="notifications")
    @app_commands.describe(
        feature="Which feature's messages", channel="A DM, or a mention in the feature's channel"
    )
    @app_commands.autocomplete(feature=feature_autocomplete)
    async def notifications(
        self,
        interaction: discord.Interaction[HammingBot],
        feature: str,
        channel: Literal["dm", "mention"],
    ) -> None:
        """Choose DMs or channel mentions for a feature's reminders."""
        guild = require_guild(interaction)
        known = self.bot.features.get(feature)
        if known is None:
            names = ", ".join(f.name for f in self.bot.features.values())
            raise UserError(
                f"There is no feature called {clip(feature, 80)!r}; choose one of: {names}."
            )
        await members.set_notify_channel(
            self.bot.db, guild.id, interaction.user.id, feature, channel
        )
        if channel == "dm":
            # Asking for DMs says they are open again: drop a closed-DM mark at once.
            await guilds.clear_dm_closed(self.bot.db, guild.id, interaction.user.id)
        how = "as DMs" if channel == "dm" else "as a mention in its channel"
        await interaction.response.send_message(
            f"{known.title} messages now reach you {how}.", ephemeral=True
        )

    @me.command(name="reminders")
    async def reminders(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Everything Hamming will send you later here, each with a Stop button."""
        guild = require_guild(interaction)
        content, view = render(await gather(self.bot, guild.id, interaction.user.id))
        if view is None:
            await interaction.response.send_message(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, view=view, ephemeral=True)

    @me.command(name="export")
    async def export(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Get a JSON file of everything Hamming holds about you in this server."""
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await export_member(self.bot, guild.id, interaction.user.id)
        file = discord.File(io.BytesIO(export_json(data)), filename=f"hamming-{guild.id}-me.json")
        await interaction.followup.send(
            "Here is everything Hamming holds about you in this server.", file=file, ephemeral=True
        )

    @me.command(name="forget")
    async def forget(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Delete everything Hamming holds about you in this server (asks to confirm)."""
        require_guild(interaction)
        await interaction.response.send_message(
            "This deletes everything Hamming holds about you in this server: check-in answers"
            " (and the answer messages it posted), drafts, reviews, RSVPs, subscriptions,"
            " reminders and settings. Reviews you were asked to write go back to be matched"
            " again. **It cannot be undone.** The button works for five minutes.",
            view=confirm_view(interaction, "forget", "Delete everything about me"),
            ephemeral=True,
        )

    async def _forget_confirmed(
        self, interaction: discord.Interaction[HammingBot], arg: str
    ) -> None:
        guild = require_guild(interaction)
        await interaction.response.edit_message(content="Deleting…", view=None)
        summary = await forget_member(self.bot, guild.id, interaction.user.id)
        note = (
            ""
            if not summary.cleanup_failures
            else " Some messages on Discord could not be removed; a moderator can delete them."
        )
        await interaction.edit_original_response(
            content=f"Done: Hamming no longer holds anything about you in this server.{note}"
        )
