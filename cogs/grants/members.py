"""/grants subscribe, unsubscribe, subscriptions: members' own DM reminders."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import guilds, members
from bot.checks import require_guild
from bot.client import HammingBot
from bot.ui import UserError, clip, embed
from cogs.grants import store
from cogs.grants.logic import FEATURE_NAME, offsets_text, plan_summary, status_text, title_link
from cogs.grants.shared import GrantsBase, grant_autocomplete, grants


class MemberCommands(GrantsBase):
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
        if (grant is None) == (not all_grants):
            raise UserError("Give either `grant:` (one grant) or `all:True` (every grant).")
        target = None if all_grants or grant is None else await self._grant(guild.id, grant)
        if target is not None and target.deadline and target.deadline <= self.bot.clock.now():
            raise UserError(f"{title_link(target)}'s deadline has passed; nothing to remind.")
        wanted = await self._offsets(guild.id, offsets)
        plans = await self.service.subscribe(guild.id, interaction.user.id, target, wanted)
        when = offsets_text(wanted)
        if target is None:
            reply = (
                f"You'll be reminded {when} before every grant deadline, current and future"
                f" ({len(plans)} upcoming now)."
            )
        elif target.deadline is None:
            reply = (
                f"Subscribed to {title_link(target)}: it has no deadline yet; you'll be reminded"
                f" ({when}) once it has one."
            )
        else:
            reply = (
                f"Subscribed to {title_link(target)} ({status_text(target)})."
                f" Reminders {plan_summary(plans[0][1])}."
            )
        reply += await self._how_reached(guild.id, interaction.user.id)
        await interaction.response.send_message(clip(reply, 2000), ephemeral=True)

    async def _how_reached(self, guild_id: int, user_id: int) -> str:
        """How the member's reminders will reach them, when it is not simply a DM."""
        channel_id = (await store.get_settings(self.bot.db, guild_id)).channel_id
        if channel_id is None:
            return ""
        chosen = await members.get_notify_channel(self.bot.db, guild_id, user_id, FEATURE_NAME)
        if chosen == "mention":
            return (
                f"\nThey come as a mention in <#{channel_id}>, as you chose; `/me notifications`"
                " switches them to DMs."
            )
        if await guilds.is_dm_closed(self.bot.db, guild_id, user_id):
            return (
                f"\nYour DMs looked closed last time, so I'll mention you in <#{channel_id}>"
                " instead."
            )
        return ""

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
        if (grant is None) == (not all_grants):
            raise UserError("Give either `grant:` (one grant) or `all:True` (every grant).")
        target = None if all_grants or grant is None else await self._grant(guild.id, grant)
        text = await self.service.unsubscribe(guild.id, interaction.user.id, target)
        await interaction.response.send_message(text, ephemeral=True)

    @grants.command(name="subscriptions")
    async def subscriptions(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Your grant subscriptions and their reminder times."""
        guild = require_guild(interaction)
        subs = await store.list_member_subscriptions(self.bot.db, guild.id, interaction.user.id)
        lines = []
        for sub in subs:
            if sub.grant_id is None:
                lines.append(f"• Every grant: {offsets_text(sub.offsets)} before")
                continue
            found = await store.get_grant(self.bot.db, guild.id, sub.grant_id)
            if found is not None:
                what = f"{offsets_text(sub.offsets)} before" if sub.offsets else "muted"
                lines.append(f"• {title_link(found)}: {what}")
        text = "\n".join(lines) or "You have no grant subscriptions: `/grants subscribe`."
        await interaction.response.send_message(
            embed=embed("Your grant reminders", clip(text, 4096)), ephemeral=True
        )
