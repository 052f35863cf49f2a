"""Fault injection and rate limiting: forced 5xx, forced or real 429s, latency, closed DMs."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Match:
    method: str | None
    pattern: re.Pattern[str]

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))


@dataclass
class ForcedFailure(_Match):
    status: int = 500
    remaining: int = 1


@dataclass
class ForcedRateLimit(_Match):
    retry_after: float = 0.25
    is_global: bool = False
    remaining: int = 1


@dataclass
class RouteBucket(_Match):
    """A fixed-window bucket reported through X-RateLimit-* headers, like Discord's per-route."""

    limit: int = 5
    per: float = 1.0
    name: str = "bucket"
    window_start: float = 0.0
    used: int = 0


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    last: float


@dataclass
class RateLimitAnswer:
    retry_after: float
    is_global: bool
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
            "code": 0,
        }


class Faults:
    def __init__(self) -> None:
        self.latency = 0.0
        self.closed_dms: set[int] = set()
        self.failures: list[ForcedFailure] = []
        self.forced_429s: list[ForcedRateLimit] = []
        self.buckets: list[RouteBucket] = []
        self.global_budget: TokenBucket | None = None
        self.served_429s = 0

    # ---- configuration ------------------------------------------------------------------
    def fail_next(self, method: str | None, path_regex: str, status: int, count: int) -> None:
        self.failures.append(ForcedFailure(method, re.compile(path_regex), status, count))

    def rate_limit(
        self,
        method: str | None,
        path_regex: str,
        *,
        count: int,
        retry_after: float,
        is_global: bool,
    ) -> None:
        self.forced_429s.append(
            ForcedRateLimit(method, re.compile(path_regex), retry_after, is_global, count)
        )

    def route_bucket(self, method: str | None, path_regex: str, limit: int, per: float) -> None:
        name = f"fake{len(self.buckets)}"
        self.buckets.append(RouteBucket(method, re.compile(path_regex), limit, per, name))

    def set_global_budget(self, per_second: float | None, burst: float | None, now: float) -> None:
        if per_second is None:
            self.global_budget = None
            return
        capacity = burst if burst is not None else per_second
        self.global_budget = TokenBucket(per_second, capacity, capacity, now)

    # ---- decisions ----------------------------------------------------------------------
    def take_failure(self, method: str, path: str) -> int | None:
        for failure in self.failures:
            if failure.remaining > 0 and failure.matches(method, path):
                failure.remaining -= 1
                return failure.status
        return None

    def check_rate_limit(
        self, method: str, path: str, now: float
    ) -> tuple[RateLimitAnswer | None, dict[str, str]]:
        """(a 429 to serve or None, X-RateLimit headers for a normal answer)."""
        for forced in self.forced_429s:
            if forced.remaining > 0 and forced.matches(method, path):
                forced.remaining -= 1
                return self._served(forced.retry_after, forced.is_global), {}
        if self.global_budget is not None:
            wait = self._spend_global(now)
            if wait > 0:
                return self._served(wait, True), {}
        for bucket in self.buckets:
            if bucket.matches(method, path):
                return self._bucket(bucket, now)
        return None, {}

    def _spend_global(self, now: float) -> float:
        budget = self.global_budget
        assert budget is not None
        budget.tokens = min(budget.capacity, budget.tokens + (now - budget.last) * budget.rate)
        budget.last = now
        if budget.tokens >= 1:
            budget.tokens -= 1
            return 0.0
        return (1 - budget.tokens) / budget.rate

    def _bucket(
        self, bucket: RouteBucket, now: float
    ) -> tuple[RateLimitAnswer | None, dict[str, str]]:
        if now - bucket.window_start >= bucket.per:
            bucket.window_start, bucket.used = now, 0
        reset_after = bucket.per - (now - bucket.window_start)
        if bucket.used >= bucket.limit:
            answer = self._served(reset_after, False)
            answer.headers.update(self._bucket_headers(bucket, 0, reset_after))
            answer.headers["X-RateLimit-Scope"] = "user"
            return answer, {}
        bucket.used += 1
        return None, self._bucket_headers(bucket, bucket.limit - bucket.used, reset_after)

    @staticmethod
    def _bucket_headers(bucket: RouteBucket, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket.name,
        }

    def _served(self, retry_after: float, is_global: bool) -> RateLimitAnswer:
        self.served_429s += 1
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            # discord.py treats a 429 without `Via` as a Cloudflare ban and raises instead.
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
            headers["X-RateLimit-Scope"] = "global"
        return RateLimitAnswer(round(retry_after, 3), is_global, headers)
