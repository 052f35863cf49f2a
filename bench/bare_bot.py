"""The baseline: a bare discord.py bot, as a process (bench/common.py BareBot).

Reads DISCORD_TOKEN, DISCORD_API_BASE and DISCORD_GATEWAY_URL; prints READY when discord.py's
on_ready fires (every guild received and chunked). With BARE_DM_GUILD set it then DMs every
member of that server once (the fan-out baseline) and prints FANNED OUT with the counts."""

from __future__ import annotations

import asyncio
import os
import sys

import discord
import yarl
from discord import app_commands
from discord.ext import commands


def intents() -> discord.Intents:
    found = discord.Intents.none()
    found.guilds = True
    found.members = True
    found.guild_scheduled_events = True
    return found


class BareBot(commands.Bot):
    announce = False  # print READY (when run as a process)

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.5,
        )

        @app_commands.command(name="ping", description="A trivial command: the baseline")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        self.tree.add_command(ping)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        if self.announce:
            print("READY", flush=True)
        guild = os.environ.get("BARE_DM_GUILD")  # bench/fanout.py: DM every member, once
        if guild and self.fan_out is None:
            self.fan_out = asyncio.create_task(self.dm_everyone(int(guild)))

    fan_out: asyncio.Task[None] | None = None

    async def dm_everyone(self, guild_id: int) -> None:
        """The baseline fan-out: the same DM to every member, 40 at a time, a plain loop."""
        guild = self.get_guild(guild_id)
        assert guild is not None
        slots = asyncio.Semaphore(40)

        async def send(member: discord.Member) -> bool:
            async with slots:
                try:
                    await member.send("Reminder: this week's check-in closes in 24 hours.")
                except discord.HTTPException:
                    return False
                return True

        members = [m for m in guild.members if not m.bot]
        sent = await asyncio.gather(*(send(m) for m in members))
        print(f"FANNED OUT sent={sum(sent)} failed={len(sent) - sum(sent)}", flush=True)


async def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    BareBot.announce = True
    async with BareBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
