"""The one /reading group (ReadingCog and its command mixins, cog_log.py, add theirs to it)
and the reading-list autocomplete they share."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checks import hamming
from bot.client import HammingBot
from cogs.reading import store
from cogs.reading.logic import rank_items

reading = app_commands.Group(
    name="reading", description="The reading group: list, sessions, polls", guild_only=True
)


async def item_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    items = await store.list_items(hamming(interaction).db, interaction.guild_id)
    by_id = {item.id: item for item in items}
    ranked = rank_items(current, [(item.id, item.title) for item in items])
    return [
        app_commands.Choice(
            name=f"{by_id[i].position}. {by_id[i].title} ({by_id[i].status})"[:100],
            value=f"id:{i}",
        )
        for i in ranked
    ]
