"""The feature cog: its declarations, its hooks and its one member command."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

import discord
from discord import app_commands

from bot.checks import require_guild
from bot.client import HammingBot
from bot.db import Transaction
from bot.features import FeatureCog, FeatureStatus, Forgotten, Job
from bot.time import discord_timestamp
from tests.example_feature.jobs import NUDGE, send_nudge
from tests.example_feature.logic import nudge_text


class NudgeCog(FeatureCog):
    name: ClassVar[str] = "example"
    title: ClassVar[str] = "Nudges"
    command_prefixes: ClassVar[tuple[str, ...]] = ("nudge",)
    setup_hint: ClassVar[str] = "`/nudge me minutes: note:` DMs you your note later."

    nudge = app_commands.Group(name="nudge", description="Nudges to yourself", guild_only=True)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        # The example keeps its notes in memory; a real feature keeps them in store.py.
        self.notes: dict[tuple[int, int], list[str]] = {}

    def jobs(self) -> Sequence[Job]:
        return [Job(NUDGE, lambda occurrence: send_nudge(self.bot, occurrence))]

    @nudge.command(name="me")
    async def nudge_me(
        self,
        interaction: discord.Interaction[HammingBot],
        minutes: app_commands.Range[int, 1, 1440],
        note: str,
    ) -> None:
        """DM me my note after some minutes."""
        guild = require_guild(interaction)
        text = nudge_text(note)  # a DomainError reaches the one error path as a plain answer
        due = self.bot.clock.now() + timedelta(minutes=minutes)
        await self.bot.scheduler.schedule(
            NUDGE.key(guild.id, interaction.user.id, int(due.timestamp())),
            NUDGE,
            due,
            guild_id=guild.id,
            user_id=interaction.user.id,
            payload={"text": text, "user_id": interaction.user.id},
        )
        self.notes.setdefault((guild.id, interaction.user.id), []).append(text)
        await interaction.response.send_message(
            f"I'll DM you {discord_timestamp(due, 'R')}.", ephemeral=True
        )

    async def status(self, guild_id: int) -> FeatureStatus:
        count = sum(len(v) for (g, _), v in self.notes.items() if g == guild_id)
        return FeatureStatus(self.title, True, f"{count} nudge(s) asked for.")

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        return {"notes": list(self.notes.get((guild_id, user_id), []))}

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        # Its pending nudges name the member in the ledger, which the core forgets itself.
        return Forgotten(len(self.notes.pop((guild_id, user_id), [])))

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return {user for (g, user) in self.notes if g == guild_id}
