"""Fixtures for the feedback-swap end-to-end tests: a cohort whose bot may open private threads."""

from __future__ import annotations

import pytest_asyncio

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, grant_bot
from tests.e2e.feedback_swaps.helpers import CHANNEL_PERMISSIONS, FRIDAY_NOON
from tests.fake_discord import FakeDiscord


@pytest_asyncio.fixture
async def swaps(fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner) -> HammingBot:
    """The bot on Friday 20 Nov 2026, 12:00 UTC, in a Europe/Berlin server.

    The bot's role has what the feedback channel needs (private threads for closed DMs).
    """
    grant_bot(fake_discord, cohort.guild, CHANNEL_PERMISSIONS)
    runner.clock.set(FRIDAY_NOON)
    bot = await runner.start()
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"}
    )
    return bot
