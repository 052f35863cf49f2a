"""Members' own controls and privacy, end to end: pause, export, forget, leaving."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot import members
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows, rows_mentioning, wait_for
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_pause_and_resume(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    paused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "me pause", {"until": "in 14 days"}
    )
    assert paused.ephemeral and "Paused until <t:" in paused.content
    now = hamming.clock.now()
    assert await members.is_paused(hamming.db, cohort.guild, cohort.alice, now)
    assert not await members.is_paused(
        hamming.db, cohort.guild, cohort.alice, now + timedelta(days=15)
    )
    resumed = await fake_discord.invoke(cohort.guild, cohort.alice, "me resume")
    assert "Welcome back" in resumed.content
    assert not await members.is_paused(hamming.db, cohort.guild, cohort.alice, now)
    again = await fake_discord.invoke(cohort.guild, cohort.alice, "me resume")
    assert again.ephemeral and "not paused" in again.content


async def test_bad_pause_time_is_explained_and_changes_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    result = await fake_discord.invoke(
        cohort.guild, cohort.alice, "me pause", {"until": "whenever"}
    )
    assert result.ephemeral and "whenever" in result.content
    assert not await members.is_paused(hamming.db, cohort.guild, cohort.alice, hamming.clock.now())


async def test_export_contains_the_members_settings(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.alice, "me timezone", {"zone": "Asia/Tokyo"})
    result = await fake_discord.invoke(cohort.guild, cohort.alice, "me export")
    final = await result.final()
    files = [a for m in final.followups for a in m.attachments]
    assert len(files) == 1 and files[0].filename.endswith(".json")
    data = json.loads(files[0].data)
    assert data["member_id"] == str(cohort.alice)
    assert data["core"]["settings"]["timezone"] == "Asia/Tokyo"
    assert all(m.ephemeral for m in final.followups)


async def test_forget_needs_the_owners_confirmation_and_removes_every_row(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.alice, "me timezone", {"zone": "Asia/Tokyo"})
    await fake_discord.invoke(cohort.guild, cohort.alice, "me pause", {"until": "in 3 days"})
    await hamming.scheduler.schedule(
        f"test:{cohort.alice}",
        "digest",
        hamming.clock.now() + timedelta(days=1),
        guild_id=cohort.guild,
        user_id=cohort.alice,
    )
    assert rows_mentioning(runner.database_path, cohort.alice)
    asked = await fake_discord.invoke(cohort.guild, cohort.alice, "me forget")
    assert "cannot be undone" in (asked.content or "")
    assert asked.message is not None
    stranger = await fake_discord.click(
        asked.message, cohort.bob, label="Delete everything about me"
    )
    assert stranger.ephemeral and "belongs to" in (stranger.content or "")
    assert rows_mentioning(runner.database_path, cohort.alice)
    await fake_discord.click(asked.message, cohort.alice, label="Delete everything about me")
    message = asked.message
    await wait_for(lambda: (message.content or "").startswith("Done"))
    assert rows_mentioning(runner.database_path, cohort.alice) == {}


async def test_forget_confirmation_expires(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.alice, "me timezone", {"zone": "Asia/Tokyo"})
    asked = await fake_discord.invoke(cohort.guild, cohort.alice, "me forget")
    assert asked.message is not None
    runner.clock.advance(timedelta(minutes=6))
    late = await fake_discord.click(asked.message, cohort.alice, label="Delete everything about me")
    assert "expired" in (late.content or "")
    assert rows_mentioning(runner.database_path, cohort.alice)


async def test_member_who_leaves_is_paused_then_purged_after_retention(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.owner, "config retention", {"days": 30})
    await fake_discord.invoke(cohort.guild, cohort.bob, "me timezone", {"zone": "Europe/Paris"})
    fake_discord.remove_member(cohort.guild, cohort.bob)
    await wait_for(lambda: rows_mentioning(runner.database_path, cohort.bob).get("member_settings"))
    for _ in range(50):
        if await members.is_paused(hamming.db, cohort.guild, cohort.bob, hamming.clock.now()):
            break
        await asyncio.sleep(0.02)
    assert await members.is_paused(hamming.db, cohort.guild, cohort.bob, hamming.clock.now())
    cog = hamming.get_cog("MembershipCog")
    assert cog is not None
    runner.clock.advance(timedelta(days=29))
    assert await cog.purge_departed() == 0  # type: ignore[attr-defined]
    runner.clock.advance(timedelta(days=2))
    assert await cog.purge_departed() == 1  # type: ignore[attr-defined]
    leftovers = rows_mentioning(runner.database_path, cohort.bob)
    assert leftovers == {}


async def test_the_retention_purge_runs_at_start_up_when_due_however_short_the_uptime(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    """A bot redeployed more often than the purge interval still purges departed members."""
    await fake_discord.invoke(cohort.guild, cohort.owner, "config retention", {"days": 30})
    await fake_discord.invoke(cohort.guild, cohort.bob, "me timezone", {"zone": "Europe/Paris"})
    fake_discord.remove_member(cohort.guild, cohort.bob)
    left = "SELECT 1 FROM member_settings WHERE user_id = ? AND left_at IS NOT NULL"
    await wait_for(lambda: rows(runner, left, (cohort.bob,)))
    runner.clock.advance(timedelta(days=31))  # past retention; the process ran only minutes
    await runner.restart()
    await wait_for(
        lambda: rows_mentioning(runner.database_path, cohort.bob) == {},
        lambda: f"not purged: {rows_mentioning(runner.database_path, cohort.bob)}",
    )
    last_run = "SELECT last_run_at FROM periodic_runs WHERE name = 'retention-purge'"
    purged_at = [tuple(r) for r in rows(runner, last_run)]
    assert purged_at == [(int(runner.clock.now().timestamp()),)]
    runner.clock.advance(timedelta(hours=1))  # restarted again soon: ran recently, not again
    await runner.restart()
    assert [tuple(r) for r in rows(runner, last_run)] == purged_at
