"""Client-side pacing of REST requests under Discord's global rate limit.

discord.py honours per-route buckets before it sends, but learns about the global limit
(50 requests/s per bot) only from a 429, and then only the request that got it waits: with
40 reminders in flight, a fan-out keeps hitting the limit and some sends give up after five
429s. Spacing requests with a token bucket just under the limit (`pace_for`) uses the budget
fully without being refused. Interaction responses and follow-ups do not count against the
global limit and go through discord.py's webhook adapter, which this does not touch.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import discord

PACE_SHARE = 0.95  # of the limit: what timing jitter between us and Discord needs, no more
BURST_SHARE = 0.04  # of the limit: a full bucket after a quiet spell must not overshoot


def pace_for(limit: float) -> tuple[float, float]:
    """(requests per second, burst) for a global limit of `limit` requests per second.

    Any one-second window then holds at most burst + rate requests, under the limit: a big
    burst (the old 45 at 45/s) sent 90 requests in the first second after a quiet spell.
    """
    return limit * PACE_SHARE, max(1.0, limit * BURST_SHARE)


class RequestPacer:
    """A token bucket: at most `burst` requests at once, `per_second` on average."""

    def __init__(self, per_second: float, burst: float) -> None:
        self.per_second = per_second
        self.burst = burst
        self._tokens = burst
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:  # FIFO: requests leave in the order they asked
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.per_second)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.per_second)


def pace_requests(http: discord.http.HTTPClient, pacer: RequestPacer) -> None:
    """Make every REST request of `http` wait for the pacer first."""
    original = http.request

    async def request(route: discord.http.Route, **kwargs: Any) -> Any:
        await pacer.wait()
        return await original(route, **kwargs)

    http.request = request  # type: ignore[method-assign]
