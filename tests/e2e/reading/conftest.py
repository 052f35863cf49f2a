"""A server with a reading channel, a voice room and the reading group set up."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest_asyncio

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult

# Thursday 3 Dec 2026, 20:00 UTC (21:00 in Berlin).
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


@dataclass
class Room:
    channel: int  # where sessions and polls are announced
    voice: int


@pytest_asyncio.fixture
async def room(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> Room:
    runner.clock.set(NOW)
    channel = fake_discord.add_text_channel(cohort.guild, "reading-group")
    voice = fake_discord.add_voice_channel(cohort.guild, "Reading room")
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"}
    )
    result = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config reading setup", {"channel": channel}
    )
    assert "announcements in" in (result.content or ""), result
    return Room(channel, voice)


async def answer(result: InteractionResult) -> str:
    """The text the member finally sees (after a deferral, the follow-up)."""
    if result.type == 5:
        await result.final()
        if result.followups:
            return result.followups[-1].content
    return result.content or ""


def execute(runner: BotRunner, sql: str, params: tuple[Any, ...] = ()) -> None:
    with sqlite3.connect(runner.database_path) as conn:
        conn.execute(sql, params)
