"""Members who leave: paused at once, their data purged after the server's retention period."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord.ext import commands

from bot import members
from bot.client import HammingBot
from cogs.admin.privacy import forget_member

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=6)


class MembershipCog(commands.Cog):
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        bot.scheduler.add_periodic("retention-purge", self.purge_departed, PURGE_EVERY)

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

    async def purge_departed(self) -> int:
        """Forget every member whose departure is older than their server's retention."""
        due = await members.list_due_for_purge(self.bot.db, self.bot.clock.now())
        for guild_id, user_id in due:
            await forget_member(self.bot, guild_id, user_id)
            log.info("purged departed member %s of guild %s after retention", user_id, guild_id)
        return len(due)
