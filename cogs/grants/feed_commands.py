"""/grants import, import-refresh, import-stop: deadlines from iCalendar feeds (moderators)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.checks import moderator_only, require_guild
from bot.client import HammingBot
from bot.ui import UserError, clip
from cogs.grants import store
from cogs.grants.feeds import redact_url
from cogs.grants.importer import ImportReport
from cogs.grants.logic import clean_url
from cogs.grants.shared import GrantsBase, feed_autocomplete, grants, user_errors

log = logging.getLogger(__name__)


class FeedCommands(GrantsBase):
    @grants.command(name="import")
    @app_commands.describe(url="An iCalendar feed (https://.../something.ics)")
    @moderator_only()
    async def import_feed(self, interaction: discord.Interaction[HammingBot], url: str) -> None:
        """Import deadlines from an iCalendar feed; importing again updates them (moderators)."""
        guild = require_guild(interaction)
        with user_errors():
            clean_url(url)
        await interaction.response.defer(ephemeral=True, thinking=True)
        with user_errors():
            report = await self.importer.import_url(guild.id, url, interaction.user.id)
        await interaction.followup.send(_report_text(report), ephemeral=True)

    @grants.command(name="import-refresh")
    @moderator_only()
    async def import_refresh(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Re-read every imported feed now (this also happens daily) (moderators)."""
        guild = require_guild(interaction)
        if not await store.list_feeds(self.bot.db, guild.id):
            raise UserError("No feeds are imported yet: `/grants import url:` adds one.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcomes = await self.importer.refresh_guild(guild.id)
        lines = [
            f"• {url}: {outcome.summary() if isinstance(outcome, ImportReport) else outcome}"
            for url, outcome in outcomes
        ]
        await interaction.followup.send(
            clip("Refreshed (daily refreshes continue):\n" + "\n".join(lines), 2000),
            ephemeral=True,
        )

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


def _report_text(report: ImportReport) -> str:
    lines = [f"Imported {report.url}: {report.summary()}."]
    if report.added:
        lines.append("Added: " + ", ".join(report.added[:20]))
    if report.updated:
        lines.append("Updated: " + ", ".join(report.updated[:20]))
    footer = "-# The feed is re-read daily; `/grants import-refresh` re-reads it now."
    if report.skipped:
        # As many reasons as fit in one message, then how many more there were.
        room = 2000 - len("\n".join([*lines, footer])) - 40
        shown: list[str] = []
        for reason in report.skipped:
            line = "• " + clip(reason, 300)
            if len(line) + 1 > room:
                break
            shown.append(line)
            room -= len(line) + 1
        more = len(report.skipped) - len(shown)
        lines.append("Skipped:" + "".join("\n" + line for line in shown))
        if more:
            lines.append(f"…and {more} more.")
    lines.append(footer)
    return clip("\n".join(lines), 2000)
