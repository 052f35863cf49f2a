"""Fixtures for the fake server's self-tests: the server, a small world, a running mini bot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from tests.fake_discord import FakeDiscord, patch_discord_py
from tests.fake_discord.fixtures import fake_discord  # noqa: F401 - re-exported fixture
from tests.fake_discord_tests.minibot import MiniBot


@dataclass
class World:
    guild: int
    channel: int
    voice: int
    moderators: int
    alice: int
    bob: int


@pytest_asyncio.fixture
async def world(fake_discord: FakeDiscord) -> World:  # noqa: F811
    fake = fake_discord
    guild = fake.add_guild("Cohort")
    channel = fake.add_text_channel(guild, "check-ins")
    voice = fake.add_voice_channel(guild, "Reading room")
    moderators = fake.add_role(guild, "Moderators", permissions=1 << 5)
    alice = fake.add_member(guild, "alice", roles=[moderators])
    bob = fake.add_member(guild, "bob")
    return World(guild, channel, voice, moderators, alice, bob)


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, world: World) -> AsyncIterator[MiniBot]:  # noqa: F811
    with patch_discord_py(fake_discord.api_base, fake_discord.gateway_url):
        client = MiniBot()
        await client.login(fake_discord.token)
        task = asyncio.create_task(client.connect())
        try:
            await fake_discord.wait_until_ready(timeout=10)
            await asyncio.wait_for(client.wait_until_ready(), 5)
            yield client
        finally:
            await client.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
