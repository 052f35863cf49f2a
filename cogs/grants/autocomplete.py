"""The `grant:` option's choices, shared by every /grants command that names a server grant."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import guilds
from bot.client import HammingBot
from cogs.grants import store
from cogs.grants.logic import rank_choices
from cogs.grants.messages import choice_label


async def grant_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    grants = await store.list_grants(bot.db, interaction.guild_id)
    zone = await guilds.get_reading_zone(bot.db, interaction.guild_id, interaction.user.id)
    return [
        app_commands.Choice(name=choice_label(g, zone), value=str(g.id))
        for g in rank_choices(grants, current, bot.clock.now())
    ]
