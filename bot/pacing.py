"""Client-side pacing of REST requests under Discord's global rate limit.

discord.py honours per-route buckets before it sends, but learns about the global limit
(50 requests/s per bot) only from a 429, and then only the request that got it waits: with
40 reminders in flight, a fan-out keeps hitting the limit and some sends give up after five
429s. Spacing requests with a token bucket just under the limit (`pace_for`) uses the budget
fully without being refused. Interaction responses and follow-ups do not count against the
global limit and are not paced.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import aiohttp
import discord
import yarl

BUCKET_SCAN_FLOOR = 256  # discord.py's own threshold for its bucket cleanup
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


def pace_requests(trace: aiohttp.TraceConfig, pacer: RequestPacer) -> None:
    """Make every REST request attempt wait for the pacer first, discord.py's retries too.

    Pacing each attempt (an aiohttp trace hook runs before every request is sent), not each
    call, matters after a 429: discord.py retries inside one call, and unpaced retries all
    went out together when the cool-down ended and drew the next 429s.
    """

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if counts_against_global_limit(params.url):
            await pacer.wait()

    trace.on_request_start.append(on_request_start)


def counts_against_global_limit(url: yarl.URL) -> bool:
    """REST requests count; the gateway and interaction responses and follow-ups don't."""
    if url.scheme not in ("http", "https"):
        return False
    path = url.path
    return "/interactions/" not in path and "/webhooks/" not in path


def amortise_bucket_cleanup(http: discord.http.HTTPClient) -> None:
    """Make discord.py's cleanup of idle rate-limit buckets amortised O(1), not O(n).

    discord.py keeps one bucket per route and channel for at least five minutes, and once it
    holds 256 it scans all of them each time it meets a new one. A fan-out to 2,000 members
    opens 2,000 DM channels: millions of checks, 6 of the run's 34 s of CPU at 500 requests/s
    (bench/fanout.py). Scanning only when the count has doubled since the last scan clears the
    same buckets, keeps memory within twice the live ones, and costs O(1) per new bucket.
    """
    scan = http._try_clear_expired_ratelimits
    next_scan_at = BUCKET_SCAN_FLOOR

    def scan_when_doubled() -> None:
        nonlocal next_scan_at
        if len(http._buckets) < next_scan_at:
            return
        scan()
        next_scan_at = max(BUCKET_SCAN_FLOOR, 2 * len(http._buckets))

    http._try_clear_expired_ratelimits = scan_when_doubled  # type: ignore[method-assign]
