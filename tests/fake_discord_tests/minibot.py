"""A minimal plain discord.py bot used only to exercise the fake server (not Hamming)."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo"]


def tiny_png() -> bytes:
    """A valid 1x1 PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class CheckInView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Check in", custom_id="checkin:go", style=discord.ButtonStyle.green)
    async def check_in(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        await interaction.response.edit_message(content=f"checked in: {interaction.user.name}")

    @discord.ui.select(
        custom_id="checkin:mood",
        options=[discord.SelectOption(label=x, value=x) for x in ("good", "meh", "bad")],
    )
    async def mood(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:  # type: ignore[type-arg]
        await interaction.response.send_message(f"mood: {select.values[0]}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    summary: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Summary", max_length=100
    )
    details: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Details", style=discord.TextStyle.paragraph, required=False, default="none"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"got {self.summary.value} / {self.details.value}", ephemeral=True
        )


config = app_commands.Group(name="config", description="Settings")


@config.command(name="timezone", description="Set your timezone")
async def timezone(interaction: discord.Interaction, zone: str) -> None:
    await interaction.response.send_message(f"zone set to {zone}", ephemeral=True)


@timezone.autocomplete("zone")
async def zone_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=z, value=z) for z in ZONES if z.startswith(current)]


@app_commands.command(description="Ephemeral pong")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong", ephemeral=True)


@app_commands.command(description="Deferred answer")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await asyncio.sleep(0.1)
    await interaction.followup.send("done thinking")


@app_commands.command(description="Answers too late")
async def sleepy(interaction: discord.Interaction) -> None:
    await asyncio.sleep(3.5)
    try:
        await interaction.response.send_message("too late")
    except discord.NotFound as exc:
        interaction.client.errors.append(exc.code)  # type: ignore[attr-defined]


@app_commands.command(description="Post the check-in panel")
async def panel(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("check-ins open", view=CheckInView())


@app_commands.command(description="Open the feedback modal")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(FeedbackModal())


@app_commands.command(description="DM a member")
async def poke(interaction: discord.Interaction, member: discord.Member) -> None:
    try:
        await member.send(f"poke from {interaction.user.name}")
    except discord.Forbidden as exc:
        await interaction.response.send_message(f"cannot DM: {exc.code}", ephemeral=True)
    else:
        await interaction.response.send_message("poked", ephemeral=True)


@app_commands.command(description="Post a chart")
async def chart(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True)
    file = discord.File(io.BytesIO(tiny_png()), filename="chart.png")
    assert isinstance(interaction.channel, discord.TextChannel)
    await interaction.channel.send("chart", file=file)
    await interaction.edit_original_response(content="posted")


class MiniBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.errors: list[int] = []
        self.ready_count = 0

    async def setup_hook(self) -> None:
        commands_: list[app_commands.Command[Any, Any, Any] | app_commands.Group] = [
            ping,
            slow,
            sleepy,
            panel,
            feedback,
            poke,
            chart,
            config,
        ]
        for command in commands_:
            self.tree.add_command(command)
        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready_count += 1
