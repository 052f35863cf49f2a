"""Time-zone autocomplete shared by /config timezone and /me timezone."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.client import HammingBot
from bot.timeparse import zone_choices


async def zone_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=zone, value=zone) for zone in zone_choices(current)]
