"""Connect, ready, members chunked, commands synced and valid."""

from __future__ import annotations

from tests.fake_discord import FakeDiscord
from tests.fake_discord_tests.conftest import World
from tests.fake_discord_tests.minibot import MiniBot


async def test_bot_connects_and_sees_guild_members(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """READY, GUILD_CREATE and the op 8 member chunk give the bot the whole guild."""
    guild = bot.get_guild(world.guild)
    assert guild is not None
    assert {m.id for m in guild.members} >= {world.alice, world.bob, fake_discord.bot_user_id}
    assert guild.get_channel(world.channel) is not None
    assert bot.ready_count == 1


async def test_ephemeral_slash_reply(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """/ping answers ephemerally within the deadline."""
    r = await fake_discord.invoke(world.guild, world.alice, "ping", channel_id=world.channel)
    assert r.type == 4
    assert r.content == "pong"
    assert r.ephemeral
    assert r.elapsed is not None and r.elapsed < 3


async def test_command_sync_is_stored_with_ids(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """The global sync was validated against the spec and stored with ids."""
    synced = {c["name"]: c for c in fake_discord.synced_commands()}
    assert {"ping", "slow", "panel", "feedback", "poke", "chart", "config"} <= set(synced)
    assert all(c["id"].isdigit() for c in synced.values())
    assert synced["config"]["options"][0]["name"] == "timezone"
    assert fake_discord.requests_matching("PUT", r"/commands$")[0].status == 200


async def test_threads_and_scheduled_events(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """Private threads, member adds and scheduled events round-trip through discord.py."""
    import datetime as dt

    import discord

    channel = bot.get_channel(world.channel)
    guild = bot.get_guild(world.guild)
    assert isinstance(channel, discord.TextChannel) and guild is not None
    thread = await channel.create_thread(name="pairing", type=discord.ChannelType.private_thread)
    await thread.add_user(discord.Object(world.alice))
    [stored] = fake_discord.threads(world.channel)
    assert stored.type == 12 and world.alice in stored.thread_members

    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    event = await guild.create_scheduled_event(
        name="Reading group",
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Online",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert [e["name"] for e in fake_discord.scheduled_events(world.guild)] == ["Reading group"]
    await event.delete()
    assert fake_discord.scheduled_events(world.guild) == []
