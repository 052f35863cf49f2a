"""What the /grants command modules share: the group, option helpers, error translation."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds
from bot.checks import is_moderator, require_guild
from bot.client import HammingBot
from bot.timeparse import TimeParseError, parse_deadline, parse_offsets
from bot.ui import UserError, clip
from cogs.grants import store
from cogs.grants.feeds import FeedError
from cogs.grants.logic import Grant, GrantError, choice_label, rank_choices

if TYPE_CHECKING:
    from cogs.grants.importer import Importer
    from cogs.grants.reminders import Reminders
    from cogs.grants.service import GrantService

# One group for every /grants command; the command classes below are mixed into GrantsCog.
grants = app_commands.Group(
    name="grants", description="Grant deadlines and reminders", guild_only=True
)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Plain-words errors from the pure layers become the ephemeral reply."""
    try:
        yield
    except (GrantError, TimeParseError, FeedError) as exc:
        raise UserError(str(exc)) from None


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


class GrantsBase(commands.Cog):
    """What the /grants command mixins rely on (GrantsCog provides it)."""

    bot: HammingBot
    reminders: Reminders
    service: GrantService
    importer: Importer

    async def _grant(self, guild_id: int, text: str) -> Grant:
        """The grant a `grant:` option names: the autocomplete's id, or a typed name."""
        found = None
        if text.strip().isdigit():
            found = await store.get_grant(self.bot.db, guild_id, int(text))
        found = found or await store.get_grant_by_name(self.bot.db, guild_id, text)
        if found is None:
            raise UserError(
                f"There is no grant called '{clip(text, 100)}' here; pick one from the list"
                " that appears as you type (or see `/grants list`)."
            )
        return found

    async def _deadline(
        self, interaction: discord.Interaction[HammingBot], text: str
    ) -> tuple[datetime, str, tuple[str, ...]]:
        """(instant, zone it was read in, notes) for a deadline typed by this member."""
        guild = require_guild(interaction)
        zone = await guilds.get_reading_zone(self.bot.db, guild.id, interaction.user.id)
        with user_errors():
            parsed = parse_deadline(text, zone, self.bot.clock.now())
        return parsed.when, zone.key, parsed.notes

    async def _offsets(self, guild_id: int, text: str | None) -> tuple[timedelta, ...]:
        if text is None:
            return (await store.get_settings(self.bot.db, guild_id)).offsets
        with user_errors():
            return parse_offsets(text)
