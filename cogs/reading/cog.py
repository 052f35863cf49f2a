"""/reading: the reading list and the calendar link (sessions and polls: sessions.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands

from bot import calendar
from bot.checks import moderator_only, require_guild
from bot.client import HammingBot
from bot.features import Job, Planner
from bot.ui import UserError
from cogs.reading import store
from cogs.reading.common import (
    ITEM_HELP,
    ensure_may_manage,
    item_autocomplete,
    plain_errors,
    reading,
    resolve_item,
)
from cogs.reading.config import ReadingConfig
from cogs.reading.feature import ReadingFeature
from cogs.reading.logic import (
    MAX_ITEMS,
    STARTER_PACK,
    clean_notes,
    clean_title,
    clean_url,
    missing_starter_items,
    moved,
    url_key,
)
from cogs.reading.occurrences import ReadingOccurrences
from cogs.reading.service import ReadingService
from cogs.reading.sessions import SessionCommands
from cogs.reading.views import PageButton, PollButton, RsvpButton, list_page, page_view

log = logging.getLogger(__name__)


class ReadingCog(ReadingFeature, SessionCommands):
    reading = reading
    dynamic_items = (RsvpButton, PollButton, PageButton)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.service = ReadingService(bot)
        self.occurrences = ReadingOccurrences(self.service)
        self.config_group = ReadingConfig(self)

    def jobs(self) -> Sequence[Job]:
        return self.occurrences.jobs()

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [("reading-recurring", self.occurrences.plan_series)]

    # -- the reading list ----------------------------------------------------------------------

    @reading.command(name="add")
    @app_commands.describe(
        title="The reading's title",
        url="A link to it (http or https)",
        minutes="Estimated reading time in minutes",
        notes="Why read it, which part, prerequisites",
    )
    async def add(
        self,
        interaction: discord.Interaction[HammingBot],
        title: app_commands.Range[str, 1, 200],
        url: app_commands.Range[str, 1, 500] | None = None,
        minutes: app_commands.Range[int, 1, 1440] | None = None,
        notes: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        """Add a reading to the group's list."""
        guild = require_guild(interaction)
        with plain_errors():
            clean = (clean_title(title), clean_url(url), clean_notes(notes))
        items = await store.list_items(self.bot.db, guild.id)
        if len(items) >= MAX_ITEMS:
            raise UserError(f"The list holds {MAX_ITEMS} readings; remove some first.")
        twin = next(
            (i for i in items if clean[1] and i.url and url_key(i.url) == url_key(clean[1])), None
        )
        if twin is not None:
            raise UserError(f"That link is already on the list: {twin.position}. {twin.title}")
        async with self.bot.db.transaction() as tx:
            await store.insert_item(
                tx,
                guild.id,
                title=clean[0],
                url=clean[1],
                minutes=minutes,
                notes=clean[2],
                added_by=interaction.user.id,
                now=self.bot.clock.now(),
            )
        log.info("guild %s: %s added reading %r", guild.id, interaction.user.id, clean[0])
        await interaction.response.send_message(
            f"Added **{discord.utils.escape_markdown(clean[0])}** to the reading list at"
            f" position {len(items) + 1}.",
            ephemeral=True,
        )

    @reading.command(name="list")
    async def list_(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Show the reading list: position, title, link, time, status."""
        guild = require_guild(interaction)
        items = await store.list_items(self.bot.db, guild.id)
        card, pages = list_page(items, 0)
        view = page_view(0, pages)
        await interaction.response.send_message(
            embed=card, view=view or discord.utils.MISSING, ephemeral=True
        )

    @reading.command(name="remove")
    @app_commands.describe(item=ITEM_HELP)
    @app_commands.autocomplete(item=item_autocomplete)
    async def remove(self, interaction: discord.Interaction[HammingBot], item: str) -> None:
        """Remove a reading from the list (moderators or whoever added it)."""
        guild = require_guild(interaction)
        found = await resolve_item(self.bot.db, guild.id, item)
        await ensure_may_manage(interaction, found.added_by)
        now = self.bot.clock.now()
        if await store.count_upcoming_sessions_for_item(self.bot.db, found.id, now):
            raise UserError(
                f"**{found.title}** is scheduled for a session; cancel it first with"
                " `/reading cancel`."
            )
        async with self.bot.db.transaction() as tx:
            await store.delete_item(tx, guild.id, found.id)
        log.info("guild %s: %s removed reading %s", guild.id, interaction.user.id, found.id)
        await interaction.response.send_message(
            f"Removed **{discord.utils.escape_markdown(found.title)}** from the list.",
            ephemeral=True,
        )

    @reading.command(name="move")
    @app_commands.describe(item=ITEM_HELP, position="Its new position (1 is next in line)")
    @app_commands.autocomplete(item=item_autocomplete)
    async def move(
        self,
        interaction: discord.Interaction[HammingBot],
        item: str,
        position: app_commands.Range[int, 1, MAX_ITEMS],
    ) -> None:
        """Move a reading to another position in the list."""
        guild = require_guild(interaction)
        found = await resolve_item(self.bot.db, guild.id, item)
        await ensure_may_manage(interaction, found.added_by)
        async with self.bot.db.transaction() as tx:
            order = [i.id for i in await store.list_items(tx, guild.id)]
            new_order = moved(order, found.id, position)
            await store.update_positions(tx, guild.id, new_order)
        log.info(
            "guild %s: %s moved reading %s to %s", guild.id, interaction.user.id, found.id, position
        )
        await interaction.response.send_message(
            f"Moved **{discord.utils.escape_markdown(found.title)}** to position"
            f" {new_order.index(found.id) + 1}.",
            ephemeral=True,
        )

    @reading.command(name="starter-pack")
    @app_commands.default_permissions(manage_guild=True)
    @moderator_only()
    async def starter_pack(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Add the curated starter readings for newcomers to alignment (skips ones present)."""
        guild = require_guild(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            items = await store.list_items(tx, guild.id)
            missing = missing_starter_items([(i.title, i.url) for i in items])
            if len(items) + len(missing) > MAX_ITEMS:
                raise UserError(f"The list would pass {MAX_ITEMS} readings; remove some first.")
            for starter in missing:
                await store.insert_item(
                    tx,
                    guild.id,
                    title=starter.title,
                    url=starter.url,
                    minutes=starter.minutes,
                    notes=starter.notes,
                    added_by=interaction.user.id,
                    now=now,
                )
        log.info(
            "guild %s: %s added %d starter readings", guild.id, interaction.user.id, len(missing)
        )
        present = len(STARTER_PACK) - len(missing)
        skipped = f" ({present} already on the list)" if present else ""
        added = "\n".join(f"• {discord.utils.escape_markdown(s.title)}" for s in missing)
        await interaction.response.send_message(
            f"Added {len(missing)} starter readings{skipped}.\n{added}".strip(), ephemeral=True
        )

    @reading.command(name="calendar")
    async def calendar_link(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Get this server's calendar feed (sessions and deadlines) for your calendar app."""
        guild = require_guild(interaction)
        base = self.bot.settings.public_base_url
        if not base:
            raise UserError(
                "The calendar feed has no public address yet: whoever runs the bot sets"
                " PUBLIC_BASE_URL (e.g. https://hamming.example.org) to where its HTTP server"
                " is reachable, then restarts it."
            )
        secret = await calendar.get_or_create_secret(self.bot.db, guild.id, self.bot.clock.now())
        await interaction.response.send_message(
            f"Subscribe to this URL in your calendar app (Google Calendar: Other calendars → From"
            f" URL):\n{calendar.feed_url(base, secret)}\nKeep it private: anyone with it can"
            " see the schedule. Moderators can replace it with `/config reading calendar-rotate`.",
            ephemeral=True,
        )
