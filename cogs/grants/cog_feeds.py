"""/grants import, import-refresh, import-stop: deadlines from iCalendar feeds (moderators).

A mixin of GrantsCog (cog.py): its commands belong to the same /grants group.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.checks import is_moderator, moderator_only, require_guild
from bot.client import HammingBot
from bot.ui import UserError, clip
from cogs.grants import store
from cogs.grants.feature import GrantsFeature, grants
from cogs.grants.feeds import redact_url
from cogs.grants.logic import http_url
from cogs.grants.messages import import_report_text, refresh_text

log = logging.getLogger(__name__)


async def feed_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    # discord.py runs only this function's own checks for autocomplete, not the command's,
    # and a feed link can carry a secret (a private Google Calendar address): moderators only.
    if interaction.guild_id is None or not await is_moderator(interaction):
        return []
    feeds = await store.list_feeds(interaction.client.db, interaction.guild_id)
    return [
        app_commands.Choice(name=clip(f.url, 100), value=f.url)
        for f in feeds
        if current.casefold() in f.url.casefold() and len(f.url) <= 100
    ][:25]


class FeedCommands(GrantsFeature):
    @grants.command(name="import")
    @app_commands.describe(url="An iCalendar feed (https://.../something.ics)")
    @moderator_only()
    async def import_feed(self, interaction: discord.Interaction[HammingBot], url: str) -> None:
        """Import deadlines from an iCalendar feed; importing again updates them (moderators)."""
        guild = require_guild(interaction)
        http_url(url)  # a mistyped link is answered at once, before "thinking…"
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.importer.import_url(guild.id, url, interaction.user.id)
        await interaction.followup.send(import_report_text(report), ephemeral=True)

    @grants.command(name="import-refresh")
    @moderator_only()
    async def import_refresh(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Re-read every imported feed now (this also happens daily) (moderators)."""
        guild = require_guild(interaction)
        if not await store.list_feeds(self.bot.db, guild.id):
            raise UserError("No feeds are imported yet: `/grants import url:` adds one.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcomes = await self.importer.refresh_guild(guild.id)
        await interaction.followup.send(refresh_text(outcomes), ephemeral=True)

    @grants.command(name="import-stop")
    @app_commands.describe(url="The feed to stop following")
    @app_commands.autocomplete(url=feed_autocomplete)
    @moderator_only()
    async def import_stop(self, interaction: discord.Interaction[HammingBot], url: str) -> None:
        """Stop refreshing an imported feed; its deadlines stay listed (moderators)."""
        guild = require_guild(interaction)
        feed = await store.get_feed(self.bot.db, guild.id, url.strip())
        if feed is None:
            raise UserError("No feed with that link is imported here; pick one from the list.")
        async with self.bot.db.transaction() as tx:
            await store.delete_feed(tx, feed.id)
        log.info(
            "guild %s: %s stopped feed %s (%s)",
            guild.id,
            interaction.user.id,
            feed.id,
            redact_url(feed.url),
        )
        await interaction.response.send_message(
            f"Stopped following {feed.url}; its deadlines stay (edit or remove them as any other).",
            ephemeral=True,
        )
