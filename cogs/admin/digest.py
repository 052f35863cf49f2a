"""The weekly digest: one message a week that shows the cohort is alive."""

from __future__ import annotations

import dataclasses
import io
import logging
from datetime import datetime, timedelta
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import guilds
from bot.checks import ModeratorGroup, require_guild
from bot.client import HammingBot
from bot.commands import lacking_permissions
from bot.db import Transaction
from bot.guild_settings import GuildSettings
from bot.ledger import Occurrence
from bot.scheduler import SkipOccurrence
from bot.time import discord_timestamp, iso_week_key, next_weekly_at
from bot.timeparse import WEEKDAYS, parse_hhmm
from bot.ui import UserError, embed
from cogs.admin import store
from cogs.admin.logic import DigestPart, digest_description

log = logging.getLogger(__name__)

KIND = "digest"
GRACE = timedelta(hours=12)  # a digest that is half a day late is still worth posting
DigestOrNone = store.DigestSettings | None  # None: never set up in this server
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class DigestConfig(ModeratorGroup, name="digest", description="The weekly digest"):
    def __init__(self, cog: DigestCog) -> None:
        super().__init__()
        self.cog = cog

    @app_commands.command(name="schedule")
    @app_commands.describe(
        channel="Where to post", day="Day of the week", time="Local time, HH:MM (server zone)"
    )
    async def schedule(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel,
        day: Weekday,
        time: str,
    ) -> None:
        """Post the weekly digest in a channel on a day and time (server time zone)."""
        await self.cog.configure(interaction, channel, WEEKDAYS.index(day), time)

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[HammingBot]) -> None:
        """Stop the weekly digest."""
        await self.cog.turn_off(interaction)


class DigestCog(commands.Cog):
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        self.settings: GuildSettings[DigestOrNone] = GuildSettings(
            bot.db,
            bot.clock,
            read=store.get_digest_settings,
            write=store.write_digest_settings,
            shown=lambda s: {"digest": _describe(s)},
        )

    async def cog_load(self) -> None:
        self.bot.scheduler.register(KIND, self.post_digest, grace=GRACE)
        self.bot.scheduler.add_planner("digest", self.plan)

    async def cog_unload(self) -> None:
        self.bot.scheduler.unregister(KIND)
        self.bot.scheduler.remove_planner("digest")

    async def plan(self, now: datetime) -> None:
        for settings in await store.list_enabled_digests(self.bot.db):
            await self.schedule_next(settings, now)

    async def schedule_next(self, settings: store.DigestSettings, after: datetime) -> None:
        zone = await guilds.get_guild_zone(self.bot.db, settings.guild_id)
        due = next_weekly_at(after, settings.weekday, settings.local_time, zone)
        week = iso_week_key(due.astimezone(zone).date())
        await self.bot.scheduler.schedule(
            f"{KIND}:{settings.guild_id}:{week}", KIND, due, guild_id=settings.guild_id
        )

    async def configure(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel,
        weekday: int,
        time_text: str,
    ) -> None:
        guild = require_guild(interaction)
        local_time = parse_hhmm(time_text)  # a TimeParseError is the person's to fix
        missing = lacking_permissions(
            channel, guild.me, ("view_channel", "send_messages", "embed_links", "attach_files")
        )
        if missing:
            raise UserError(
                f"I cannot post the digest in {channel.mention}: I am missing {', '.join(missing)}"
                " there. Grant it, or choose another channel."
            )
        now = self.bot.clock.now()
        settings = store.DigestSettings(guild.id, channel.id, weekday, local_time, True)

        async def replan(tx: Transaction, old: DigestOrNone, new: DigestOrNone) -> None:
            # A changed schedule replaces the pending digest; a week already posted stays posted.
            await self.bot.scheduler.cancel(prefix=f"{KIND}:{guild.id}:")
            await self.schedule_next(settings, now)

        await self.settings.save(guild.id, interaction.user.id, lambda _: settings, after=replan)
        zone = await guilds.get_guild_zone(self.bot.db, guild.id)
        first = next_weekly_at(now, weekday, local_time, zone)
        await interaction.response.send_message(
            f"The weekly digest will be posted in {channel.mention} every {WEEKDAYS[weekday]} at"
            f" {local_time:%H:%M} ({zone.key}); the first one {discord_timestamp(first, 'F')}.",
            ephemeral=True,
        )

    async def turn_off(self, interaction: discord.Interaction[HammingBot]) -> None:
        guild = require_guild(interaction)

        def off(old: DigestOrNone) -> DigestOrNone:
            if old is None or not old.enabled:
                raise UserError("The weekly digest is already off.")
            return dataclasses.replace(old, enabled=False)

        async def unplan(tx: Transaction, old: DigestOrNone, new: DigestOrNone) -> None:
            await self.bot.scheduler.cancel(prefix=f"{KIND}:{guild.id}:")

        await self.settings.save(guild.id, interaction.user.id, off, after=unplan)
        await interaction.response.send_message("The weekly digest is off.", ephemeral=True)

    async def post_digest(self, occurrence: Occurrence) -> None:
        guild_id = occurrence.guild_id
        settings = await store.get_digest_settings(self.bot.db, guild_id) if guild_id else None
        if settings is None or not settings.enabled:
            raise SkipOccurrence("the digest was turned off")
        now = self.bot.clock.now()
        parts, chart = [], None
        for feature in self.bot.features_with("digest_section"):
            section = await feature.digest_section(settings.guild_id, now)
            if section is None:
                continue
            parts.append(DigestPart(section.title, section.lines))
            chart = chart or section.chart_png
        card = embed("This week in the cohort", digest_description(parts))
        files = []
        if chart is not None:
            card.set_image(url="attachment://participation.png")
            files.append(discord.File(io.BytesIO(chart), filename="participation.png"))
        channel = self.bot.get_partial_messageable(settings.channel_id, guild_id=settings.guild_id)
        await channel.send(embed=card, files=files, nonce=occurrence.nonce())
        await self.schedule_next(settings, occurrence.due_at + timedelta(minutes=1))
        log.info("posted the weekly digest in guild %s", settings.guild_id)


def _describe(settings: store.DigestSettings | None) -> str:
    if settings is None or not settings.enabled:
        return "off"
    return f"<#{settings.channel_id}> {WEEKDAYS[settings.weekday]} {settings.local_time:%H:%M}"
