"""Members who leave: paused at once, their data purged after the server's retention period.

The gateway's join and leave events are missed while the bot is down, so each time a server
becomes available its member list is compared with the members the bot holds data about.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord.ext import commands

from bot import guilds, members
from bot.client import HammingBot
from cogs.admin.logic import MembershipChanges, membership_changes
from cogs.admin.privacy import forget_member

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=6)


class MembershipCog(commands.Cog):
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.scheduler.add_periodic("retention-purge", self.purge_departed, PURGE_EVERY)
        self.bot.scheduler.add_periodic(
            "removed-server-purge", self.purge_removed_guilds, PURGE_EVERY
        )

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove_periodic("retention-purge")
        self.bot.scheduler.remove_periodic("removed-server-purge")

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await members.mark_left(
            self.bot.db, payload.guild_id, payload.user.id, self.bot.clock.now()
        )
        log.info("member %s left guild %s; paused until purge", payload.user.id, payload.guild_id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        state = await members.get_member_state(self.bot.db, member.guild.id, member.id)
        if state.left_at is not None:
            await members.mark_rejoined(
                self.bot.db, member.guild.id, member.id, self.bot.clock.now()
            )
            log.info("member %s rejoined guild %s", member.id, member.guild.id)

    # discord.py dispatches these after the server's members were chunked, at start-up and
    # after every new session (each listener call is its own task, off the gateway's path).
    # Reconciling twice changes nothing the second time.
    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.reconcile(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.reconcile(guild)

    async def reconcile(self, guild: discord.Guild) -> MembershipChanges:
        """Mark members who left while the bot was away; clear those who came back."""
        db = self.bot.db
        known = await members.list_member_ids(db, guild.id)
        for feature in self.bot.features_with("list_member_ids"):
            known |= await feature.list_member_ids(guild.id)
        if self.bot.user is not None:
            known.discard(self.bot.user.id)
        present = {member.id for member in guild.members}
        changes = membership_changes(
            known, await members.list_left_ids(db, guild.id), present, complete=guild.chunked
        )
        if changes.gone or changes.back:
            async with db.transaction() as tx:
                await members.apply_membership(
                    tx, guild.id, set(changes.gone), set(changes.back), self.bot.clock.now()
                )
        if not guild.chunked:
            log.warning(
                "guild %s: member list incomplete (%d of %s); nobody marked as gone",
                guild.id,
                len(present),
                guild.member_count,
            )
        log.info(
            "guild %s: reconciled %d members with data: %d gone, %d back",
            guild.id,
            len(known),
            len(changes.gone),
            len(changes.back),
        )
        return changes

    async def purge_departed(self) -> int:
        """Forget every member whose departure is older than their server's retention,
        unless they are in fact still (or again) a member."""
        due = await members.list_due_for_purge(self.bot.db, self.bot.clock.now())
        purged = 0
        for guild_id, user_id in due:
            still = await self._is_member(guild_id, user_id)
            if still is None:
                continue  # the server is not available now: decide on a later run
            if still:
                await members.mark_rejoined(self.bot.db, guild_id, user_id, self.bot.clock.now())
                log.info("member %s of guild %s is a member again; not purged", user_id, guild_id)
                continue
            await forget_member(self.bot, guild_id, user_id)
            purged += 1
            log.info("purged departed member %s of guild %s after retention", user_id, guild_id)
        return purged

    async def _is_member(self, guild_id: int, user_id: int) -> bool | None:
        """Ask Discord, not the cache: True, False, or None when it cannot be told now."""
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.unavailable:
            return None
        if guild.get_member(user_id) is not None:
            return True
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            log.warning("could not check member %s of guild %s; purge later", user_id, guild_id)
            return None
        return True

    async def purge_removed_guilds(self) -> int:
        """Delete all data of servers that removed the bot longer ago than their retention."""
        due = await guilds.list_removed_due_for_purge(self.bot.db, self.bot.clock.now())
        purged = 0
        for guild_id in due:
            if self.bot.get_guild(guild_id) is not None:
                continue  # added back; on_guild_join/available clears the mark
            async with self.bot.db.transaction() as tx:
                rows = await guilds.purge_guild(tx, guild_id)
                await guilds.forget_removed(tx, guild_id)
            purged += 1
            log.info(
                "purged guild %s (%d rows) after retention since the bot's removal", guild_id, rows
            )
        return purged
