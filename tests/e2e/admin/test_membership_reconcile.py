"""Members who come and go while the bot is down: reconciled when the server is available,
and re-checked before the retention purge forgets anyone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

import pytest

from bot import members
from bot.client import HammingBot
from cogs.admin.logic import membership_changes
from cogs.admin.membership import MembershipCog
from tests.conftest import BotRunner, Cohort, rows_mentioning, wait_for
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def _cog(bot: HammingBot) -> MembershipCog:
    cog = bot.get_cog("MembershipCog")
    # Each bot start loads the extension afresh: compare by name, not class identity.
    assert type(cog).__name__ == "MembershipCog"
    return cast(MembershipCog, cog)


async def _left_at_set(bot: HammingBot, guild: int, user: int) -> bool:
    return (await members.get_member_state(bot.db, guild, user)).left_at is not None


async def test_a_member_who_left_while_the_bot_was_down_is_marked_and_later_purged(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    """Bob's only data is feature data (the reviewer pool); he leaves while the bot is down."""
    await fake_discord.invoke(cohort.guild, cohort.owner, "config retention", {"days": 30})
    await fake_discord.invoke(cohort.guild, cohort.bob, "feedback join", {"per_round": 1})
    await fake_discord.invoke(cohort.guild, cohort.alice, "me timezone", {"zone": "Asia/Tokyo"})
    assert rows_mentioning(runner.database_path, cohort.bob)
    await runner.stop()
    fake_discord.remove_member(cohort.guild, cohort.bob)
    bot = await runner.start()
    await wait_for(lambda: rows_mentioning(runner.database_path, cohort.bob).get("member_settings"))
    assert await members.is_paused(bot.db, cohort.guild, cohort.bob, bot.clock.now())
    assert not await _left_at_set(bot, cohort.guild, cohort.alice)  # still here: untouched
    runner.clock.advance(timedelta(days=31))
    assert await _cog(bot).purge_departed() == 1
    assert rows_mentioning(runner.database_path, cohort.bob) == {}
    assert rows_mentioning(runner.database_path, cohort.alice)


async def test_a_member_who_left_and_came_back_while_the_bot_was_down_is_not_left(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.bob, "me timezone", {"zone": "Europe/Paris"})
    fake_discord.remove_member(cohort.guild, cohort.bob)
    await wait_for(lambda: rows_mentioning(runner.database_path, cohort.bob).get("member_settings"))
    for _ in range(50):
        if await _left_at_set(hamming, cohort.guild, cohort.bob):
            break
        await runner_sleep()
    assert await _left_at_set(hamming, cohort.guild, cohort.bob)
    await runner.stop()
    fake_discord.add_member(cohort.guild, "bob", roles=[cohort.cohort_role], user_id=cohort.bob)
    bot = await runner.start()
    for _ in range(100):
        if not await _left_at_set(bot, cohort.guild, cohort.bob):
            break
        await runner_sleep()
    assert not await members.is_paused(bot.db, cohort.guild, cohort.bob, bot.clock.now())
    runner.clock.advance(timedelta(days=400))
    assert await _cog(bot).purge_departed() == 0
    assert rows_mentioning(runner.database_path, cohort.bob)


async def test_the_purge_keeps_a_member_who_is_in_the_server(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    """A stale departure mark (a missed join) never deletes a present member's data."""
    await fake_discord.invoke(cohort.guild, cohort.bob, "me timezone", {"zone": "Europe/Paris"})
    await members.mark_left(hamming.db, cohort.guild, cohort.bob, hamming.clock.now())
    runner.clock.advance(timedelta(days=91))
    assert await _cog(hamming).purge_departed() == 0
    assert not await _left_at_set(hamming, cohort.guild, cohort.bob)
    assert rows_mentioning(runner.database_path, cohort.bob).get("member_settings") == 1


async def test_reconciling_twice_changes_nothing_more(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.bob, "me timezone", {"zone": "Europe/Paris"})
    guild = hamming.get_guild(cohort.guild)
    assert guild is not None and guild.chunked
    first = await _cog(hamming).reconcile(guild)
    second = await _cog(hamming).reconcile(guild)
    assert first.gone == second.gone == frozenset() and second.back == frozenset()


def test_an_incomplete_member_list_marks_nobody_as_gone() -> None:
    known, left, present = {1, 2, 3, 4}, {3, 4}, {1, 4}
    partial = membership_changes(known, left, present, complete=False)
    assert partial.gone == frozenset() and partial.back == {4}
    full = membership_changes(known, left, present, complete=True)
    assert full.gone == {2} and full.back == {4}


async def runner_sleep() -> None:
    await asyncio.sleep(0.02)
