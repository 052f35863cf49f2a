"""What every /reading command shares: the group, item and session lookups, autocomplete."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import discord
from discord import app_commands

from bot import guilds
from bot.checks import hamming, is_moderator
from bot.db import Database
from bot.timeparse import TimeParseError
from bot.ui import UserError
from cogs.reading import store
from cogs.reading.logic import ReadingError, rank_items

# The cog holds this group; its commands live in cog.py (the list) and sessions.py.
reading = app_commands.Group(
    name="reading", description="The reading group: list, sessions, polls", guild_only=True
)

ITEM_HELP = "A reading from the list (start typing its title), or its position"
SESSION_HELP = "An upcoming session (start typing its title)"


@contextmanager
def plain_errors() -> Iterator[None]:
    """Domain errors (logic.py stays free of discord) become ephemeral user errors."""
    try:
        yield
    except (ReadingError, TimeParseError) as exc:
        raise UserError(str(exc)) from None


async def resolve_item(db: Database, guild_id: int, text: str) -> store.ReadingItem:
    text = text.strip()
    item = None
    if text.startswith("id:") and text[3:].isdigit():
        item = await store.get_item(db, guild_id, int(text[3:]))
    elif text.isdigit():
        item = await store.get_item_at(db, guild_id, int(text))
    else:
        found = await store.list_items_titled(db, guild_id, text)
        item = found[0] if len(found) == 1 else None
    if item is None:
        raise UserError(
            f"No reading matches '{text[:80]}'. Pick one from the suggestions as you type,"
            " or give its position from `/reading list`."
        )
    return item


async def resolve_session(db: Database, guild_id: int, text: str) -> store.ReadingSession:
    digits = text.strip().removeprefix("id:")
    session = await store.get_session(db, int(digits)) if digits.isdigit() else None
    if session is None or session.guild_id != guild_id or session.status != "scheduled":
        raise UserError(
            "No upcoming session matches that; pick one from the suggestions as you type"
            " (see `/reading sessions`)."
        )
    return session


async def item_autocomplete(
    interaction: discord.Interaction[Any], current: str
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


async def session_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    bot = hamming(interaction)
    sessions = await store.list_upcoming_sessions(bot.db, interaction.guild_id, bot.clock.now())
    zone = await guilds.get_reading_zone(bot.db, interaction.guild_id, interaction.user.id)
    wanted = current.casefold().strip()
    return [
        app_commands.Choice(
            name=f"{s.starts_at.astimezone(zone):%a %d %b %H:%M} · {s.title}"[:100],
            value=f"id:{s.id}",
        )
        for s in sessions
        if wanted in s.title.casefold()
    ][:25]


async def ensure_may_manage(interaction: discord.Interaction[Any], *owners: int | None) -> None:
    if interaction.user.id in owners or await is_moderator(interaction):
        return
    raise UserError("Only moderators or the person who set this up can do that.")
