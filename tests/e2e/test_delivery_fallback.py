"""The closed-DM fallback: clipped to Discord's limit, and DMs tried again once reopened."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import guilds
from bot.client import HammingBot
from bot.delivery import DM_RETRY_AFTER, Delivered, send_dm_or_fallback
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def _send(hamming: HammingBot, cohort: Cohort, nonce: str, content: str) -> Delivered:
    return await send_dm_or_fallback(
        hamming,
        guild_id=cohort.guild,
        user_id=cohort.bob,
        nonce=nonce,
        fallback_channel_id=cohort.channel,
        content=content,
        feature="checkins",
    )


async def test_a_full_length_message_falls_back_clipped_to_discords_limit(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    """A 2,000-character DM that must become a mention still fits (the fake enforces 2,000)."""
    fake_discord.close_dms(cohort.bob)
    outcome = await _send(hamming, cohort, "n-long", "x" * 2000)
    assert outcome is Delivered.FALLBACK
    [posted] = fake_discord.messages(cohort.channel)
    assert posted.content is not None
    assert posted.content.startswith(f"<@{cohort.bob}> x")
    assert len(posted.content) == 2000
    [record] = [
        r
        for r in fake_discord.requests_matching("POST", rf"/channels/{cohort.channel}/messages$")
        if r.status == 200
    ]
    assert [str(u) for u in record.json["allowed_mentions"]["users"]] == [str(cohort.bob)]


async def test_closed_dms_are_tried_again_after_a_week_and_a_success_clears_the_mark(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake_discord.close_dms(cohort.bob)
    assert await _send(hamming, cohort, "n-1", "first") is Delivered.FALLBACK
    fake_discord.open_dms(cohort.bob)
    # Within the week the mark holds: no DM attempt, a mention again.
    runner.clock.advance(DM_RETRY_AFTER - timedelta(hours=1))
    assert await _send(hamming, cohort, "n-2", "second") is Delivered.FALLBACK
    assert fake_discord.dm_messages(cohort.bob) == []
    # After a week the DM is tried again; it works, so the mark goes.
    runner.clock.advance(timedelta(hours=2))
    assert await _send(hamming, cohort, "n-3", "third") is Delivered.DM
    assert [m.content for m in fake_discord.dm_messages(cohort.bob)] == ["third"]
    assert not await guilds.is_dm_closed(hamming.db, cohort.guild, cohort.bob, runner.clock.now())
    assert await _send(hamming, cohort, "n-4", "fourth") is Delivered.DM
    assert [m.content for m in fake_discord.messages(cohort.channel)] == [
        f"<@{cohort.bob}> first",
        f"<@{cohort.bob}> second",
    ]


async def test_dms_still_closed_after_a_week_are_marked_again(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake_discord.close_dms(cohort.bob)
    assert await _send(hamming, cohort, "n-1", "first") is Delivered.FALLBACK
    refused = len(fake_discord.requests_matching("POST", r"/channels/\d+/messages$"))
    runner.clock.advance(DM_RETRY_AFTER + timedelta(hours=1))
    assert await _send(hamming, cohort, "n-2", "second") is Delivered.FALLBACK
    # A week on, the DM was tried (refused) before the mention: two sends.
    assert len(fake_discord.requests_matching("POST", r"/channels/\d+/messages$")) == refused + 2
    # The failed retry restarts the week: the next send does not try the DM.
    dm_tries = len(fake_discord.requests_matching("POST", r"/users/@me/channels$"))
    assert await _send(hamming, cohort, "n-3", "third") is Delivered.FALLBACK
    assert len(fake_discord.requests_matching("POST", r"/users/@me/channels$")) == dm_tries
    assert len(fake_discord.messages(cohort.channel)) == 3


async def test_choosing_dms_in_me_notifications_clears_the_closed_mark(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake_discord.close_dms(cohort.bob)
    assert await _send(hamming, cohort, "n-1", "first") is Delivered.FALLBACK
    fake_discord.open_dms(cohort.bob)
    answer = await fake_discord.invoke(
        cohort.guild, cohort.bob, "me notifications", {"feature": "checkins", "channel": "dm"}
    )
    assert answer.ephemeral
    assert not await guilds.is_dm_closed(hamming.db, cohort.guild, cohort.bob, runner.clock.now())
    assert await _send(hamming, cohort, "n-2", "second") is Delivered.DM
    assert [m.content for m in fake_discord.dm_messages(cohort.bob)] == ["second"]
