"""/grants: opportunities, their deadlines, and reminders. Discord I/O only."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands

from bot import calendar, guilds
from bot.calendar import CalendarEvent
from bot.checks import moderator_only, require_guild
from bot.client import HammingBot
from bot.features import FeatureStatus, Job, Planner
from bot.ui import UserError, clip, embed
from cogs.grants import store
from cogs.grants.config import GrantsConfig, audit_changes
from cogs.grants.feature import GrantsFeature
from cogs.grants.feed_commands import FeedCommands
from cogs.grants.importer import Importer
from cogs.grants.logic import (
    FUNDER_MAX,
    NOTES_MAX,
    Grant,
    clean_name,
    clean_text,
    clean_url,
    escape,
    is_clear_word,
    list_pages,
    offsets_text,
    plan_summary,
    status_text,
    title_link,
)
from cogs.grants.members import MemberCommands
from cogs.grants.reminders import Reminders
from cogs.grants.service import GrantFields, GrantService
from cogs.grants.shared import grant_autocomplete, grants, user_errors
from cogs.grants.views import ListPageButton, RemoveButton, pager, remove_view

log = logging.getLogger(__name__)

CALENDAR_HISTORY = timedelta(days=90)  # past deadlines stay in calendar apps for a while


class GrantsCog(GrantsFeature, MemberCommands, FeedCommands):
    grants = grants
    dynamic_items = (ListPageButton, RemoveButton)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.reminders = Reminders(bot)
        self.service = GrantService(bot, self.reminders)
        self.importer = Importer(bot, self.reminders)
        self.config_group = GrantsConfig(self)

    def jobs(self) -> Sequence[Job]:
        return [*self.reminders.jobs(), *self.importer.jobs()]

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [("grants", self.reminders.plan), ("grant-feeds", self.importer.plan)]

    # -- helpers ---------------------------------------------------------------------------------

    async def _saved_reply(self, verb: str, grant: Grant, notes: Sequence[str]) -> str:
        lines = [f"{verb} {title_link(grant)}: {status_text(grant)}."]
        if grant.deadline is not None:
            lines.append(f"Read as {grant.deadline_zone} time.")
            lines += [f"-# {note}" for note in notes]
            plan = await self.service.channel_plan(grant)
            if plan is None:
                lines.append(
                    "No grants channel yet, so no channel reminders: `/config grants setup`."
                )
            else:
                lines.append(f"Channel reminders: {plan_summary(plan)}.")
        return clip("\n".join(lines), 2000)

    async def save_settings(
        self, guild_id: int, actor_id: int, old: store.GrantSettings, new: store.GrantSettings
    ) -> None:
        """Store /config grants setup, audit it, and bring the schedule in line."""
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await store.upsert_settings(tx, new, now)
            await audit_changes(self.bot, guild_id, actor_id, old, new)
            for grant in await store.list_upcoming_grants(self.bot.db, now, guild_id):
                await self.reminders.ensure(grant, now)
            if new.rolling_nudge:
                await self.reminders.ensure_nudge(guild_id, now)
            elif old.rolling_nudge:
                await self.reminders.cancel_nudges(guild_id)

    async def list_message(
        self, guild_id: int, page: int, show_past: bool
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        grants = await store.list_grants(self.bot.db, guild_id)
        pages = list_pages(grants, self.bot.clock.now(), show_past=show_past)
        shown = pages[min(page, len(pages) - 1)]
        card = embed("Grants and deadlines", shown.description)
        if shown.count > 1:
            card.set_footer(text=f"Page {shown.number + 1} of {shown.count}")
        return card, pager(shown.number, shown.count, show_past)

    # -- moderators: the opportunities -----------------------------------------------------------

    @grants.command(name="add")
    @app_commands.describe(
        name="The fund, round or program, e.g. Long-Term Future Fund",
        deadline="E.g. 2026-03-01, 'friday 17:00', '8 Dec'; a date alone means 23:59, your zone",
        url="Official page (https://...)",
        funder="Who funds it",
        notes="Anything worth knowing (eligibility, amounts, tips)",
        rolling="Applications any time, no deadline",
    )
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction[HammingBot],
        name: app_commands.Range[str, 1, 100],
        deadline: str | None = None,
        url: str | None = None,
        funder: app_commands.Range[str, 1, FUNDER_MAX] | None = None,
        notes: app_commands.Range[str, 1, NOTES_MAX] | None = None,
        rolling: bool = False,
    ) -> None:
        """Add a grant, fund or program, with its deadline if it has one (moderators)."""
        guild = require_guild(interaction)
        if rolling and deadline:
            raise UserError("A rolling fund has no deadline: give `deadline:` or `rolling:True`.")
        when, zone, notes_shown = (
            await self._deadline(interaction, deadline)
            if deadline
            else (None, (await guilds.get_guild_zone(self.bot.db, guild.id)).key, ())
        )
        with user_errors():
            fields = GrantFields(
                name=clean_name(name),
                deadline=when,
                deadline_zone=zone,
                rolling=rolling,
                url=clean_url(url) if url else None,
                funder=clean_text(funder, FUNDER_MAX, "funder") if funder else None,
                notes=clean_text(notes, NOTES_MAX, "notes") if notes else None,
            )
        grant = await self.service.add(guild.id, interaction.user.id, fields)
        reply = await self._saved_reply("Added", grant, notes_shown)
        await interaction.response.send_message(reply, ephemeral=True)

    @grants.command(name="edit")
    @app_commands.describe(
        grant="The grant to change",
        name="New name",
        deadline="New deadline (your zone; a date alone means 23:59); 'none' removes it",
        url="New link; 'none' removes it",
        funder="New funder; 'none' removes it",
        notes="New notes; 'none' removes them",
        rolling="True: applications any time (removes the deadline)",
    )
    @app_commands.autocomplete(grant=grant_autocomplete)
    @moderator_only()
    async def edit(
        self,
        interaction: discord.Interaction[HammingBot],
        grant: str,
        name: app_commands.Range[str, 1, 100] | None = None,
        deadline: str | None = None,
        url: str | None = None,
        funder: app_commands.Range[str, 1, FUNDER_MAX] | None = None,
        notes: app_commands.Range[str, 1, NOTES_MAX] | None = None,
        rolling: bool | None = None,
    ) -> None:
        """Change a grant; a new deadline reschedules its reminders (moderators)."""
        guild = require_guild(interaction)
        current = await self._grant(guild.id, grant)
        if all(v is None for v in (name, deadline, url, funder, notes, rolling)):
            raise UserError("Give at least one thing to change, e.g. `deadline:` or `url:`.")
        clearing = deadline is not None and is_clear_word(deadline)
        if rolling and deadline is not None and not clearing:
            raise UserError("A rolling fund has no deadline: give `deadline:` or `rolling:True`.")
        when, zone = current.deadline, current.deadline_zone
        notes_shown: tuple[str, ...] = ()
        if deadline is not None and not clearing:
            when, zone, notes_shown = await self._deadline(interaction, deadline)
        elif clearing or rolling:
            when = None
        with user_errors():
            fields = GrantFields(
                name=clean_name(name) if name else current.name,
                deadline=when,
                deadline_zone=zone,
                rolling=(rolling if rolling is not None else current.rolling) and when is None,
                url=_optional(url, current.url, clean_url),
                funder=_optional(
                    funder, current.funder, lambda t: clean_text(t, FUNDER_MAX, "funder")
                ),
                notes=_optional(notes, current.notes, lambda t: clean_text(t, NOTES_MAX, "notes")),
            )
        updated, moved = await self.service.edit(guild.id, interaction.user.id, current, fields)
        reply = await self._saved_reply("Updated", updated, notes_shown)
        if moved:
            reply += (
                "\nThe old deadline's pending reminders were cancelled; reminders already sent"
                " are not repeated. The grants channel, and subscribers who had a reminder,"
                " are told the deadline moved."
            )
        await interaction.response.send_message(clip(reply, 2000), ephemeral=True)

    @grants.command(name="remove")
    @app_commands.describe(grant="The grant to remove")
    @app_commands.autocomplete(grant=grant_autocomplete)
    @moderator_only()
    async def remove(self, interaction: discord.Interaction[HammingBot], grant: str) -> None:
        """Remove a grant with its reminders and subscriptions, after confirming (moderators)."""
        guild = require_guild(interaction)
        found = await self._grant(guild.id, grant)
        await interaction.response.send_message(
            f"Remove {title_link(found)} ({status_text(found)})? Its pending reminders and"
            " everyone's subscriptions to it go too.",
            view=remove_view(found.id, interaction.user.id),
            ephemeral=True,
        )

    @grants.command(name="starter-pack")
    @moderator_only()
    async def starter_pack(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Add well-known funders and programs for independent alignment researchers."""
        guild = require_guild(interaction)
        added, present = await self.service.add_starter_pack(guild.id, interaction.user.id)
        lines = [
            f"Added {len(added)}: {', '.join(added)}." if added else "Nothing new to add.",
        ]
        if present:
            lines.append(f"Already listed: {', '.join(present)}.")
        lines.append(
            "They are rolling or 'check the site' entries with official links and no dates:"
            " add real deadlines with `/grants edit grant: deadline:` when rounds open."
        )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    # -- everyone: looking -------------------------------------------------------------------------

    @grants.command(name="list")
    @app_commands.describe(show_past="Also show deadlines that have passed")
    async def list_grants(
        self, interaction: discord.Interaction[HammingBot], show_past: bool = False
    ) -> None:
        """Upcoming grant deadlines soonest first, then rolling funds."""
        guild = require_guild(interaction)
        card, view = await self.list_message(guild.id, 0, show_past)
        if view is None:
            await interaction.response.send_message(embed=card, ephemeral=True)
        else:
            await interaction.response.send_message(embed=card, view=view, ephemeral=True)

    @grants.command(name="info")
    @app_commands.describe(grant="The grant to show")
    @app_commands.autocomplete(grant=grant_autocomplete)
    async def info(self, interaction: discord.Interaction[HammingBot], grant: str) -> None:
        """Everything about one grant, and when you and the channel get reminded."""
        guild = require_guild(interaction)
        found = await self._grant(guild.id, grant)
        card = embed(clip(found.name, 256), status_text(found))
        if found.url:
            card.url = found.url
            card.add_field(name="Link", value=found.url, inline=False)
        if found.funder:
            card.add_field(name="Funder", value=escape(found.funder))
        if found.notes:
            card.add_field(name="Notes", value=clip(escape(found.notes), 1024), inline=False)
        plan = await self.service.channel_plan(found)
        if plan is not None:
            card.add_field(
                name="Channel reminders", value=clip(plan_summary(plan), 1024), inline=False
            )
        mine = (await self.reminders.subscribers(found)).get(interaction.user.id)
        card.add_field(
            name="Your DMs",
            value=f"at {offsets_text(mine)} before"
            if mine
            else "not subscribed: `/grants subscribe`",
            inline=False,
        )
        if found.feed_id is not None:
            card.set_footer(text="Imported from a calendar feed")
        await interaction.response.send_message(embed=card, ephemeral=True)

    @grants.command(name="calendar")
    async def calendar_link(self, interaction: discord.Interaction[HammingBot]) -> None:
        """The server's calendar feed link (deadlines and other events) for your calendar app."""
        guild = require_guild(interaction)
        base = self.bot.settings.public_base_url
        if not base:
            raise UserError(
                "The calendar feed isn't reachable yet: whoever hosts the bot needs to set"
                " PUBLIC_BASE_URL to the address where its /calendar pages are served."
            )
        secret = await calendar.get_or_create_secret(self.bot.db, guild.id, self.bot.clock.now())
        await interaction.response.send_message(
            f"Subscribe to this link in your calendar app (Google Calendar: *From URL*):\n"
            f"{calendar.feed_url(base, secret)}\nKeep it within the server: anyone with it"
            " can read the calendar.",
            ephemeral=True,
        )

    # -- everyone: subscriptions -------------------------------------------------------------------

    # -- moderators: feeds -------------------------------------------------------------------------

    # -- for /about, /config show and the calendar feed ------------------------------------------

    async def status(self, guild_id: int) -> FeatureStatus:
        settings = await store.get_settings(self.bot.db, guild_id)
        upcoming, rolling, unknown = await store.count_grants(
            self.bot.db, guild_id, self.bot.clock.now()
        )
        feeds = len(await store.list_feeds(self.bot.db, guild_id))
        listed = f"{upcoming} upcoming deadline(s), {rolling} rolling, {unknown} check-the-site"
        if settings.channel_id is None:
            summary = f"no grants channel: `/config grants setup channel:`. {listed}."
        else:
            nudge = "on" if settings.rolling_nudge else "off"
            summary = (
                f"reminders in <#{settings.channel_id}> at {offsets_text(settings.offsets)};"
                f" {listed}; monthly rolling nudge {nudge}; {feeds} imported feed(s)."
            )
        return FeatureStatus("Grant deadlines", settings.channel_id is not None, summary)

    async def calendar_events(self, guild_id: int) -> Sequence[CalendarEvent]:
        since = self.bot.clock.now() - CALENDAR_HISTORY
        events = []
        for grant in await store.list_upcoming_grants(self.bot.db, since, guild_id):
            assert grant.deadline is not None
            details = [grant.funder or "", grant.notes or ""]
            events.append(
                CalendarEvent(
                    uid=f"grant-{grant.id}@hamming",
                    summary=f"Deadline: {grant.name}",
                    start=grant.deadline,
                    description="\n".join(d for d in details if d) or None,
                    url=grant.url,
                )
            )
        return events


def _optional(given: str | None, current: str | None, clean: Any) -> str | None:
    """An optional field in /grants edit: unchanged, cleared with 'none', or replaced."""
    if given is None:
        return current
    if is_clear_word(given):
        return None
    cleaned: str = clean(given)
    return cleaned
