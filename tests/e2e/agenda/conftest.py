"""Fixtures for the agenda end-to-end tests: the check-ins' server, bot and clock."""

from __future__ import annotations

import pytest_asyncio

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, grant_bot
from tests.e2e.checkins.helpers import CHANNEL_PERMISSIONS, FRIDAY_NOON
from tests.fake_discord import FakeDiscord


@pytest_asyncio.fixture
async def agenda_bot(fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner) -> HammingBot:
    """The bot on Friday 20 Nov 2026, 12:00 UTC, in a Europe/Berlin server with a cohort role
    that alice and bob have (the owner, a moderator, is not in it)."""
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
