"""/grants: opportunities, their deadlines, and members' own reminders. Discord I/O only.

The feed commands (/grants import ...) are the FeedCommands mixin in cog_feeds.py; what the
feature tells the core is GrantsFeature in feature.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord
from discord import app_commands

from bot import guilds, members
from bot.checks import moderator_only, require_guild
from bot.client import HammingBot
from bot.commands import send_calendar_link
from bot.ui import UserError, clip
from cogs.grants import store
from cogs.grants.applications import DECISION_DAYS_HINT, DECISION_DAYS_MAX
from cogs.grants.autocomplete import grant_autocomplete
from cogs.grants.cog_applications import ApplicationCommands
from cogs.grants.cog_feeds import FeedCommands
from cogs.grants.feature import grants
from cogs.grants.logic import (
    FEATURE_NAME,
    FUNDER_MAX,
    NOTES_MAX,
    STARTER_PACK,
    Grant,
    clean_name,
    clean_text,
    http_url,
    is_clear_word,
)
from cogs.grants.messages import (
    MOVED_NOTE,
    how_reached,
    info_embed,
    saved_reply,
    starter_pack_reply,
    status_text,
    subscribed_reply,
    subscriptions_embed,
    title_link,
)
from cogs.grants.service import GrantFields
from cogs.grants.views import ListPageButton, RemoveButton, list_message, remove_view
from cogs.grants.views_applications import APPLICATION_ITEMS

log = logging.getLogger(__name__)


class GrantsCog(FeedCommands, ApplicationCommands):
    """Grant deadlines: the feature (feature.py), its feed commands (cog_feeds.py), members'
    applications and private opportunities (cog_applications.py) and these."""

    grants = grants
    dynamic_items = (ListPageButton, RemoveButton, *APPLICATION_ITEMS)

    # -- moderators: the opportunities -----------------------------------------------------------

    @grants.command(name="add")
    @app_commands.describe(
        name="The fund, round or program, e.g. Long-Term Future Fund",
        deadline="E.g. 2026-03-01, 'friday 17:00', '8 Dec'; a date alone means 23:59, your zone",
        url="Official page (https://...)",
        funder="Who funds it",
        notes="Anything worth knowing (eligibility, amounts, tips)",
        rolling="Applications any time, no deadline",
        decision_days=DECISION_DAYS_HINT,
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
        decision_days: app_commands.Range[int, 1, DECISION_DAYS_MAX] | None = None,
    ) -> None:
        """Add a grant, fund or program, with its deadline if it has one (moderators)."""
        guild = require_guild(interaction)
        if rolling and deadline:
            raise UserError("A rolling fund has no deadline: give `deadline:` or `rolling:True`.")
        when, zone, notes_shown = (
            await self.service.read_deadline(guild.id, interaction.user.id, deadline)
            if deadline
            else (None, (await guilds.get_guild_zone(self.bot.db, guild.id)).key, ())
        )
        fields = GrantFields(
            name=clean_name(name),
            deadline=when,
            deadline_zone=zone,
            rolling=rolling,
            url=http_url(url) if url else None,
            funder=clean_text(funder, FUNDER_MAX, "funder") if funder else None,
            notes=clean_text(notes, NOTES_MAX, "notes") if notes else None,
        )
        grant = await self.service.add(guild.id, interaction.user.id, fields)
        if decision_days is not None:
            await self.applications.set_decision_days(grant.id, decision_days)
        plan = await self.service.channel_plan(grant)
        await interaction.response.send_message(
            saved_reply("Added", grant, notes_shown, plan), ephemeral=True
        )

    @grants.command(name="edit")
    @app_commands.describe(
        grant="The grant to change",
        name="New name",
        deadline="New deadline (your zone; a date alone means 23:59); 'none' removes it",
        url="New link; 'none' removes it",
        funder="New funder; 'none' removes it",
        notes="New notes; 'none' removes them",
        rolling="True: applications any time (removes the deadline)",
        decision_days=DECISION_DAYS_HINT,
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
        decision_days: app_commands.Range[int, 1, DECISION_DAYS_MAX] | None = None,
    ) -> None:
        """Change a grant; a new deadline reschedules its reminders (moderators)."""
        guild = require_guild(interaction)
        current = await self.service.find(guild.id, grant)
        if all(v is None for v in (name, deadline, url, funder, notes, rolling, decision_days)):
            raise UserError("Give at least one thing to change, e.g. `deadline:` or `url:`.")
        clearing = deadline is not None and is_clear_word(deadline)
        if rolling and deadline is not None and not clearing:
            raise UserError("A rolling fund has no deadline: give `deadline:` or `rolling:True`.")
        when, zone = current.deadline, current.deadline_zone
        notes_shown: tuple[str, ...] = ()
        if deadline is not None and not clearing:
            when, zone, notes_shown = await self.service.read_deadline(
                guild.id, interaction.user.id, deadline
            )
        elif clearing or rolling:
            when = None
        fields = GrantFields(
            name=clean_name(name) if name else current.name,
            deadline=when,
            deadline_zone=zone,
            rolling=(rolling if rolling is not None else current.rolling) and when is None,
            url=_optional(url, current.url, http_url),
            funder=_optional(funder, current.funder, lambda t: clean_text(t, FUNDER_MAX, "funder")),
            notes=_optional(notes, current.notes, lambda t: clean_text(t, NOTES_MAX, "notes")),
        )
        updated, moved = await self.service.edit(guild.id, interaction.user.id, current, fields)
        if decision_days is not None:
            await self.applications.set_decision_days(current.id, decision_days)
        plan = await self.service.channel_plan(updated)
        reply = saved_reply("Updated", updated, notes_shown, plan)
        if moved:
            reply += MOVED_NOTE
        await interaction.response.send_message(clip(reply, 2000), ephemeral=True)

    @grants.command(name="remove")
    @app_commands.describe(grant="The grant to remove")
    @app_commands.autocomplete(grant=grant_autocomplete)
    @moderator_only()
    async def remove(self, interaction: discord.Interaction[HammingBot], grant: str) -> None:
        """Remove a grant with its reminders and subscriptions, after confirming (moderators)."""
        guild = require_guild(interaction)
        found = await self.service.find(guild.id, grant)
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
        checked_on = [entry.checked_on for entry in STARTER_PACK]
        await interaction.response.send_message(
            starter_pack_reply(added, present, checked_on), ephemeral=True
        )

    # -- everyone: looking -------------------------------------------------------------------------

    @grants.command(name="list")
    @app_commands.describe(show_past="Also show deadlines that have passed")
    async def list_grants(
        self, interaction: discord.Interaction[HammingBot], show_past: bool = False
    ) -> None:
        """Upcoming grant deadlines soonest first, then rolling funds."""
        guild = require_guild(interaction)
        card, view = await list_message(self.bot, guild.id, 0, show_past)
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
        found = await self.service.find(guild.id, grant)
        plan = await self.service.channel_plan(found)
        mine = (await self.grant_jobs.subscribers(found)).get(interaction.user.id)
        await interaction.response.send_message(embed=info_embed(found, plan, mine), ephemeral=True)

    @grants.command(name="calendar")
    async def calendar_link(self, interaction: discord.Interaction[HammingBot]) -> None:
        """The server's calendar feed link (deadlines and other events) for your calendar app."""
        await send_calendar_link(
            self.bot,
            interaction,
            unset="The calendar feed isn't reachable yet: whoever hosts the bot needs to set"
            " PUBLIC_BASE_URL to the address where its /calendar pages are served.",
            reply=lambda url: (
                "Subscribe to this link in your calendar app (Google Calendar:"
                f" *From URL*):\n{url}\nKeep it within the server: anyone with it can read the"
                " calendar."
            ),
        )

    # -- everyone: subscriptions -------------------------------------------------------------------

    @grants.command(name="subscribe")
    @app_commands.describe(
        grant="The grant to be reminded about",
        all_grants="Every grant, now and in future",
        offsets="When to DM you before the deadline, e.g. 7d,2d,6h (default: the server's)",
    )
    @app_commands.rename(all_grants="all")
    @app_commands.autocomplete(grant=grant_autocomplete)
    async def subscribe(
        self,
        interaction: discord.Interaction[HammingBot],
        grant: str | None = None,
        all_grants: bool = False,
        offsets: str | None = None,
    ) -> None:
        """Get DMs before a grant's deadline (or every grant's) at your own times."""
        guild = require_guild(interaction)
        user_id = interaction.user.id
        target = await self._one_or_all(guild.id, grant, all_grants)
        if target is not None and target.deadline and target.deadline <= self.bot.clock.now():
            raise UserError(f"{title_link(target)}'s deadline has passed; nothing to remind.")
        wanted = await self.service.read_offsets(guild.id, offsets)
        plans = await self.service.subscribe(guild.id, user_id, target, wanted)
        channel_id = (await self.settings.get(guild.id)).channel_id
        chosen = await members.get_notify_channel(self.bot.db, guild.id, user_id, FEATURE_NAME)
        dm_closed = await guilds.is_dm_closed(self.bot.db, guild.id, user_id)
        reply = subscribed_reply(target, wanted, plans) + how_reached(channel_id, chosen, dm_closed)
        await interaction.response.send_message(clip(reply, 2000), ephemeral=True)

    @grants.command(name="unsubscribe")
    @app_commands.describe(grant="Stop DMs about this grant", all_grants="Stop every grant DM")
    @app_commands.rename(all_grants="all")
    @app_commands.autocomplete(grant=grant_autocomplete)
    async def unsubscribe(
        self,
        interaction: discord.Interaction[HammingBot],
        grant: str | None = None,
        all_grants: bool = False,
    ) -> None:
        """Stop DMs about a grant (or about all grants)."""
        guild = require_guild(interaction)
        target = await self._one_or_all(guild.id, grant, all_grants)
        text = await self.service.unsubscribe(guild.id, interaction.user.id, target)
        await interaction.response.send_message(text, ephemeral=True)

    @grants.command(name="subscriptions")
    async def subscriptions(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Your grant subscriptions and their reminder times."""
        guild = require_guild(interaction)
        subs = await store.list_member_subscriptions(self.bot.db, guild.id, interaction.user.id)
        rows = [
            (
                sub,
                None
                if sub.grant_id is None
                else await store.get_grant(self.bot.db, guild.id, sub.grant_id),
            )
            for sub in subs
        ]
        await interaction.response.send_message(embed=subscriptions_embed(rows), ephemeral=True)

    async def _one_or_all(self, guild_id: int, grant: str | None, all_grants: bool) -> Grant | None:
        """The grant of `grant:`, or None for `all:True` (exactly one of them is given)."""
        if (grant is None) == (not all_grants):
            raise UserError("Give either `grant:` (one grant) or `all:True` (every grant).")
        return None if all_grants or grant is None else await self.service.find(guild_id, grant)


def _optional(given: str | None, current: str | None, clean: Callable[[str], str]) -> str | None:
    """An optional field in /grants edit: unchanged, cleared with 'none', or replaced."""
    if given is None:
        return current
    if is_clear_word(given):
        return None
    return clean(given)
