"""Fixtures for the write-up end-to-end tests: the feedback-swap cohort, with write-ups."""

from __future__ import annotations

import pytest_asyncio

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, grant_bot
from tests.e2e.feedback_swaps.helpers import CHANNEL_PERMISSIONS, FRIDAY_NOON
from tests.fake_discord import FakeDiscord


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner) -> HammingBot:
    """The bot on Friday 20 Nov 2026, 12:00 UTC, in a Europe/Berlin server, allowed to post
    in the cohort channel."""
    grant_bot(fake_discord, cohort.guild, CHANNEL_PERMISSIONS)
    runner.clock.set(FRIDAY_NOON)
    started = await runner.start()
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"}
    )
    return started
