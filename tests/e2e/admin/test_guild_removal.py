"""A server removes the bot: its schedules and calendar feed stop at once, its data goes
after the retention period, and adding the bot back before then resumes everything once."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import aiohttp
import pytest

from bot import calendar
from bot.client import HammingBot
from cogs.admin.membership import MembershipCog
from tests.conftest import BotRunner, Cohort, grant_bot, rows_mentioning, wait_for
from tests.e2e.checkins.helpers import (
    CHANNEL_PERMISSIONS,
    FIRST_PROMPT,
    FRIDAY_NOON,
    configure,
    move_to,
    prompts,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def _start(fake: FakeDiscord, cohort: Cohort, runner: BotRunner) -> HammingBot:
    """Check-ins every Monday 09:00 Berlin; the first prompt is FIRST_PROMPT."""
    grant_bot(fake, cohort.guild, CHANNEL_PERMISSIONS)
    runner.clock.set(FRIDAY_NOON)
    bot = await runner.start()
    await fake.invoke(cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"})
    await fake.invoke(cohort.guild, cohort.owner, "config retention", {"days": 30})
    configured = await configure(fake, cohort)
    assert configured.ephemeral, configured
    return bot


async def _calendar_status(bot: HammingBot, secret: str) -> int:
    assert bot.web is not None
    url = f"http://127.0.0.1:{bot.web.port}/calendar/{secret}.ics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status


def _purger(bot: HammingBot) -> MembershipCog:
    cog = bot.get_cog("MembershipCog")
    assert type(cog).__name__ == "MembershipCog"
    return cast(MembershipCog, cog)


async def _remove(fake: FakeDiscord, bot: HammingBot, guild: int) -> None:
    fake.remove_bot(guild)
    await wait_for(lambda: bot.get_guild(guild) is None)
    await wait_for(lambda: guild in bot.scheduler.removed_guilds)


async def test_a_removed_server_gets_no_messages_no_feed_and_is_purged_after_retention(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await _start(fake_discord, cohort, runner)
    secret = await calendar.get_or_create_secret(bot.db, cohort.guild, runner.clock.now())
    assert await _calendar_status(bot, secret) == 200
    await fake_discord.invoke(cohort.guild, cohort.alice, "me timezone", {"zone": "Asia/Tokyo"})

    await _remove(fake_discord, bot, cohort.guild)
    assert await _calendar_status(bot, secret) == 404
    await move_to(runner, bot, FIRST_PROMPT + timedelta(minutes=1))
    assert prompts(fake_discord, cohort.channel) == []

    # A restart while removed plans nothing for it, and the feed stays closed.
    bot = await runner.restart()
    assert await _calendar_status(bot, secret) == 404
    await move_to(runner, bot, FIRST_PROMPT + timedelta(days=7, minutes=1))
    assert prompts(fake_discord, cohort.channel) == []

    # Retention (30 days) has not passed: nothing is purged yet.
    assert await _purger(bot).purge_removed_guilds() == 0
    assert rows_mentioning(runner.database_path, cohort.guild)
    runner.clock.set(FRIDAY_NOON + timedelta(days=31))
    assert await _purger(bot).purge_removed_guilds() == 1
    assert rows_mentioning(runner.database_path, cohort.guild) == {}
    assert rows_mentioning(runner.database_path, cohort.alice) == {}
    assert await _calendar_status(bot, secret) == 404


async def test_adding_the_bot_back_before_retention_resumes_the_schedule_once(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await _start(fake_discord, cohort, runner)
    secret = await calendar.get_or_create_secret(bot.db, cohort.guild, runner.clock.now())
    await _remove(fake_discord, bot, cohort.guild)
    runner.clock.advance(timedelta(days=1))
    fake_discord.add_bot(cohort.guild)
    await wait_for(lambda: cohort.guild not in bot.scheduler.removed_guilds)
    await wait_for(lambda: bot.get_guild(cohort.guild) is not None)
    assert await _calendar_status(bot, secret) == 200

    await move_to(runner, bot, FIRST_PROMPT + timedelta(minutes=1))
    await move_to(runner, bot, FIRST_PROMPT + timedelta(minutes=2))
    assert len(prompts(fake_discord, cohort.channel)) == 1
    runner.clock.set(FRIDAY_NOON + timedelta(days=400))
    assert await _purger(bot).purge_removed_guilds() == 0
    assert rows_mentioning(runner.database_path, cohort.guild)


async def test_a_server_re_added_while_the_bot_was_down_is_planned_again(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await _start(fake_discord, cohort, runner)
    await _remove(fake_discord, bot, cohort.guild)
    await runner.stop()
    fake_discord.add_bot(cohort.guild)
    bot = await runner.start()
    await wait_for(lambda: cohort.guild not in bot.scheduler.removed_guilds)
    await move_to(runner, bot, FIRST_PROMPT + timedelta(minutes=1))
    await wait_for(lambda: len(prompts(fake_discord, cohort.channel)) == 1)
