"""The pacer's budget: fast, pure checks of `pace_for` (no timing in unit tests)."""

from __future__ import annotations

import asyncio

import discord
import pytest
import yarl
from hypothesis import given
from hypothesis import strategies as st

from bot.pacing import amortise_bucket_cleanup, counts_against_global_limit, pace_for


@pytest.mark.parametrize(
    ("limit", "rate", "burst"),
    [(50.0, 47.5, 2.0), (100.0, 95.0, 4.0), (500.0, 475.0, 20.0), (10.0, 9.5, 1.0)],
)
def test_pace_for_known_limits(limit: float, rate: float, burst: float) -> None:
    assert pace_for(limit) == pytest.approx((rate, burst))


@given(st.floats(min_value=25.0, max_value=100_000.0))
def test_no_one_second_window_can_exceed_the_limit(limit: float) -> None:
    """A full bucket plus a second of refill is the most a one-second window can hold."""
    rate, burst = pace_for(limit)
    assert burst >= 1.0  # a request can always go eventually
    assert burst + rate <= limit
    assert rate >= 0.9 * limit  # and the budget is used, not wasted


async def test_bucket_cleanup_scans_only_when_the_count_doubles() -> None:
    """A fan-out meets thousands of new buckets; discord.py's own cleanup scanned them all
    for each one. Amortised, 5,000 new buckets cost a handful of scans."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    scans = 0
    original = http._try_clear_expired_ratelimits

    def counted() -> None:
        nonlocal scans
        scans += 1
        original()

    http._try_clear_expired_ratelimits = counted  # type: ignore[method-assign]
    amortise_bucket_cleanup(http)
    for channel in range(5_000):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel}")
    assert len(http._buckets) == 5_000  # all fresh: nothing is idle for 5 minutes yet
    assert 1 <= scans <= 6  # 256, 512, 1024, 2048, 4096
    # What it clears is unchanged: an idle bucket goes at the next scan.
    for bucket in http._buckets.values():
        bucket._last_request -= 301
    for channel in range(5_000, 10_300):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel}")
    assert len(http._buckets) < 10_300


@pytest.mark.parametrize(
    ("url", "counts"),
    [
        ("https://discord.com/api/v10/channels/1/messages", True),
        ("https://discord.com/api/v10/users/@me/channels", True),
        ("https://discord.com/api/v10/interactions/1/tok/callback", False),
        ("https://discord.com/api/v10/webhooks/2/tok", False),
        ("https://discord.com/api/v10/webhooks/2/tok/messages/@original", False),
        ("wss://gateway.discord.gg/?v=10&encoding=json", False),
    ],
)
def test_what_counts_against_the_global_limit(url: str, counts: bool) -> None:
    assert counts_against_global_limit(yarl.URL(url)) is counts
