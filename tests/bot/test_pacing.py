"""The pacer's budget: fast, pure checks of `pace_for` (no timing in unit tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pacing import pace_for


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
