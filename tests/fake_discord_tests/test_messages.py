"""DMs, closed DMs, nonce de-duplication and multipart attachments."""

from __future__ import annotations

import discord

from tests.fake_discord import FakeDiscord
from tests.fake_discord_tests.conftest import World
from tests.fake_discord_tests.minibot import MiniBot, tiny_png


async def test_dm_and_closed_dm(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """A DM lands in the user's DM channel; a closed DM answers 403 / 50007."""
    r = await fake_discord.invoke(world.guild, world.alice, "poke", {"member": world.bob})
    assert r.content == "poked"
    assert [m.content for m in fake_discord.dm_messages(world.bob)] == ["poke from alice"]

    fake_discord.close_dms(world.bob)
    r = await fake_discord.invoke(world.guild, world.alice, "poke", {"member": world.bob})
    assert r.content == "cannot DM: 50007"
    assert len(fake_discord.dm_messages(world.bob)) == 1


async def test_nonce_returns_first_message(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """The same nonce within the window yields the first message, not a second one."""
    channel = bot.get_channel(world.channel)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("reminder", nonce="delivery-42")
    again = await channel.send("reminder", nonce="delivery-42")
    assert again.id == first.id
    assert [m.content for m in fake_discord.messages(world.channel)] == ["reminder"]
    assert fake_discord.deduplicated_sends == [first.id]

    fake_discord.advance_time(301)
    later = await channel.send("reminder", nonce="delivery-42")
    assert later.id != first.id


async def test_multipart_png_attachment(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """A file sent with payload_json + files[0] is kept byte for byte."""
    r = await fake_discord.invoke(world.guild, world.alice, "chart", channel_id=world.channel)
    await r.final(timeout=3)
    assert r.content == "posted"
    posted = [m for m in fake_discord.messages(world.channel) if m.attachments]
    assert len(posted) == 1
    attachment = posted[0].attachments[0]
    assert attachment.filename == "chart.png"
    assert attachment.data == tiny_png()
    assert attachment.data.startswith(b"\x89PNG\r\n\x1a\n")
