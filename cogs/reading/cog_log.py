"""/reading log, /reading mine and /reading log-sharing: a member's personal reading log.

The log is private unless its member shares it (`/reading log-sharing`); a shared log can be
read by others with `/reading mine member:`, a private one is refused plainly. Every answer is
ephemeral: even a shared log is shown only to the member who asked.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checks import hamming, require_guild
from bot.client import HammingBot
from bot.ui import UserError
from cogs.reading import store_log
from cogs.reading.feature import ReadingFeature
from cogs.reading.group import item_autocomplete, reading
from cogs.reading.logic_log import LOG_STATUS_LABELS, LOG_STATUSES, MAX_MINE_SHOWN, log_note
from cogs.reading.messages_log import log_card

STATUS_CHOICES = [app_commands.Choice(name=LOG_STATUS_LABELS[s], value=s) for s in LOG_STATUSES]
SHARING_CHOICES = [
    app_commands.Choice(name="on: others may see it with /reading mine", value="on"),
    app_commands.Choice(name="off: only you see it", value="off"),
]


class ReadingLogCommands(ReadingFeature):
    @reading.command(name="log", description="Note a reading in your personal reading log")
    @app_commands.describe(
        item="A reading from the server's list (start typing its title)",
        status="How far you got",
        note="A reflection, a question, a takeaway (up to 500 characters)",
    )
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.autocomplete(item=item_autocomplete)
    async def log_reading(
        self,
        interaction: discord.Interaction[HammingBot],
        item: str,
        status: str,
        note: str | None = None,
    ) -> None:
        guild = require_guild(interaction)
        if status not in LOG_STATUSES:
            raise UserError("Pick a status: skimmed, read or read deeply.")
        cleaned = log_note(note)
        found = await self.service.resolve_item(guild.id, item)
        bot = hamming(interaction)
        async with bot.db.transaction() as tx:
            await store_log.insert_log_entry(
                tx,
                guild.id,
                interaction.user.id,
                found.id,
                found.title,
                status,
                cleaned,
                bot.clock.now(),
            )
        shared = await store_log.get_sharing(bot.db, guild.id, interaction.user.id)
        await interaction.response.send_message(
            f"Logged **{discord.utils.escape_markdown(found.title)}** as"
            f" {LOG_STATUS_LABELS[status]}. Your log is {'shared' if shared else 'private'}"
            " (`/reading log-sharing`); `/reading mine` shows it.",
            ephemeral=True,
        )

    @reading.command(name="mine", description="Your reading log, or a member's shared one")
    @app_commands.describe(member="Someone who shares their log (default: you)")
    async def mine(
        self, interaction: discord.Interaction[HammingBot], member: discord.User | None = None
    ) -> None:
        guild = require_guild(interaction)
        db = hamming(interaction).db
        target = member or interaction.user
        if target.id != interaction.user.id and not await store_log.get_sharing(
            db, guild.id, target.id
        ):
            raise UserError(
                f"{target.display_name} keeps their reading log private; only they can see it."
            )
        entries = await store_log.list_log(db, guild.id, target.id, MAX_MINE_SHOWN)
        whose = "Your" if target.id == interaction.user.id else f"{target.display_name}'s"
        await interaction.response.send_message(embed=log_card(entries, whose), ephemeral=True)

    @reading.command(name="log-sharing", description="Let others see your reading log, or not")
    @app_commands.describe(sharing="on: others may see your log; off: only you (the default)")
    @app_commands.choices(sharing=SHARING_CHOICES)
    async def log_sharing(self, interaction: discord.Interaction[HammingBot], sharing: str) -> None:
        guild = require_guild(interaction)
        db = hamming(interaction).db
        async with db.transaction() as tx:
            await store_log.upsert_sharing(tx, guild.id, interaction.user.id, sharing == "on")
        await interaction.response.send_message(
            "Your reading log is now shared: members can read it with `/reading mine member:`."
            if sharing == "on"
            else "Your reading log is now private: only you can see it.",
            ephemeral=True,
        )
