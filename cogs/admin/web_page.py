"""/config web on|rotate|off: the server's cohort page (bot/page.py), moderators only.

The page's secret is never written to the audit trail or the log: the audit says on, rotated
or off, and who did it.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot import guilds, page
from bot.checks import ModeratorGroup, require_guild
from bot.client import HammingBot
from bot.ui import UserError

log = logging.getLogger(__name__)

NO_BASE_URL = (
    "The cohort page needs `PUBLIC_BASE_URL`: the public address of Hamming's HTTP server"
    " (e.g. https://hamming.example.org). Ask whoever runs the bot to set it, then try again."
)


async def page_link(bot: HammingBot, guild_id: int) -> str | None:
    """The server's page URL when the page is on (for /about and /help), else None."""
    base = bot.settings.public_base_url
    secret = await page.get_secret(bot.db, guild_id)
    return page.page_url(base, secret) if base and secret else None


class WebConfig(ModeratorGroup, name="web", description="The cohort's web page"):
    def __init__(self, bot: HammingBot) -> None:
        super().__init__()
        self.bot = bot

    async def _switch(self, interaction: discord.Interaction[HammingBot], action: str) -> None:
        guild = require_guild(interaction)
        base = self.bot.settings.public_base_url
        if action != "off" and not base:
            raise UserError(NO_BASE_URL)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            before = await page.get_secret(tx, guild.id)
            if action == "on" and before is not None:
                secret: str | None = before
            elif action == "off":
                if before is None:
                    raise UserError("The cohort page is already off.")
                await page.delete_secret(tx, guild.id)
                secret = None
            elif action == "rotate" and before is None:
                raise UserError("The cohort page is off; `/config web on` turns it on.")
            else:
                secret = await page.set_new_secret(tx, guild.id, now)
            if secret != before:
                await guilds.insert_audit(
                    tx,
                    guild_id=guild.id,
                    actor_id=interaction.user.id,
                    setting="web.page",
                    old_value="off" if before is None else "on",
                    new_value="off" if secret is None else ("rotated" if before else "on"),
                    now=now,
                )
        log.info("guild %s: %s set the cohort page %s", guild.id, interaction.user.id, action)
        if secret is None:
            await interaction.response.send_message(
                "The cohort page is off; its link answers 404 from now on.", ephemeral=True
            )
            return
        assert base is not None
        url = page.page_url(base, secret)
        said = {
            "on": "The cohort page is on",
            "rotate": "The cohort page has a new link; the old one answers 404 from now on",
        }[action]
        await interaction.response.send_message(
            f"{said}: {url}\nAnyone with the link can read it: sessions, deadlines, the reading"
            " list, shared write-ups and participation counts, nothing private."
            " `/config web rotate` replaces the link; `/config web off` removes the page.",
            ephemeral=True,
        )

    @app_commands.command(name="on")
    async def on(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Give the cohort a web page (or show its link)."""
        await self._switch(interaction, "on")

    @app_commands.command(name="rotate")
    async def rotate(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Replace the page's secret link; the old one stops working at once."""
        await self._switch(interaction, "rotate")

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Remove the cohort page."""
        await self._switch(interaction, "off")
