"""Gateway drops, 429s, 5xx retries, spec violations, limits."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from tests.fake_discord import FakeDiscord
from tests.fake_discord_tests.conftest import World
from tests.fake_discord_tests.minibot import MiniBot


async def test_dropped_gateway_resumes(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """After an abrupt drop the bot RESUMEs, gets missed events replayed, and keeps answering."""
    await fake_discord.drop_gateway()
    carol = fake_discord.add_member(world.guild, "carol")  # dispatched while disconnected
    for _ in range(200):
        if fake_discord.gateway.resumes:
            break
        await asyncio.sleep(0.02)
    assert fake_discord.gateway.resumes == 1
    r = await fake_discord.invoke(world.guild, world.alice, "ping", channel_id=world.channel)
    assert r.content == "pong"
    guild = bot.get_guild(world.guild)
    assert guild is not None and guild.get_member(carol) is not None


async def test_reconnect_opcode(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """Op 7 makes discord.py reconnect and resume."""
    await fake_discord.reconnect_gateway()
    r = await fake_discord.invoke(world.guild, world.alice, "ping", channel_id=world.channel)
    assert r.content == "pong"
    assert fake_discord.gateway.resumes == 1


async def test_429_is_retried_transparently(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """A per-route 429 with Retry-After is retried by discord.py; the send still succeeds."""
    fake_discord.rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.2)
    channel = bot.get_channel(world.channel)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("after a 429")
    assert message.content == "after a 429"
    assert fake_discord.served_429s == 1
    statuses = [r.status for r in fake_discord.requests_matching("POST", r"/messages$")]
    assert statuses == [429, 200]


async def test_global_budget_counts_429s(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """A global token bucket throttles a burst; every send eventually lands."""
    fake_discord.set_global_budget(20, burst=2)
    channel = bot.get_channel(world.channel)
    assert isinstance(channel, discord.TextChannel)
    await asyncio.gather(*(channel.send(f"fan-out {i}") for i in range(5)))
    assert len(fake_discord.messages(world.channel)) == 5
    assert fake_discord.served_429s >= 1


async def test_5xx_is_retried(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """A 500 is retried by discord.py after its back-off."""
    fake_discord.fail_next("POST", r"^/channels/\d+/messages$", status=500)
    channel = bot.get_channel(world.channel)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("eventually")
    statuses = [r.status for r in fake_discord.requests_matching("POST", r"/messages$")]
    assert statuses == [500, 200]


async def test_invalid_body_is_a_violation(fake_discord: FakeDiscord, world: World) -> None:
    """A body that breaks the schema is refused with 50035 and recorded."""
    url = f"{fake_discord.api_base}/channels/{world.channel}/messages"
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    body = {"content": 42, "tts": "yes"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as resp,
    ):
        assert resp.status == 400
        assert (await resp.json())["code"] == 50035
    taken = fake_discord.pop_violations("request-schema")
    assert any("content" in str(v) for v in taken)


async def test_limits_are_enforced(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """2001 characters is refused like Discord does, and recorded."""
    channel = bot.get_channel(world.channel)
    assert isinstance(channel, discord.TextChannel)
    try:
        await channel.send("x" * 2001)
    except discord.HTTPException as exc:
        assert exc.code == 50035
    else:
        raise AssertionError("an over-long message was accepted")
    assert fake_discord.pop_violations("limit")


async def test_unknown_route_and_bad_token(fake_discord: FakeDiscord, world: World) -> None:
    """Unknown routes are 404 + violation; a wrong token is 401."""
    async with aiohttp.ClientSession() as session:
        wrong = {"Authorization": "Bot nope"}
        async with session.get(f"{fake_discord.api_base}/users/@me", headers=wrong) as resp:
            assert resp.status == 401
        async with session.get(f"{fake_discord.api_base}/no/such/thing") as resp:
            assert resp.status == 404
    assert fake_discord.pop_violations("unknown-route")
