"""Fixtures for the check-in end-to-end tests: a cohort whose bot may post, at a fixed time."""

from __future__ import annotations

import pytest_asyncio

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, grant_bot
from tests.e2e.checkins.helpers import CHANNEL_PERMISSIONS, FRIDAY_NOON
from tests.fake_discord import FakeDiscord


@pytest_asyncio.fixture
async def checkins(fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner) -> HammingBot:
    """The bot on Friday 20 Nov 2026, 12:00 UTC, in a Europe/Berlin server with a cohort role.

    The invite gave the bot what a check-in channel needs (the fake server's @everyone lacks
    Embed Links and the thread permissions, as a locked-down server would).
    """
    grant_bot(fake_discord, cohort.guild, CHANNEL_PERMISSIONS)
    runner.clock.set(FRIDAY_NOON)
    bot = await runner.start()
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"}
    )
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config cohort-role", {"role": cohort.cohort_role}
    )
    return bot
