"""Counters and gauges rendered in Prometheus text format for GET /metrics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp

LabelKey = tuple[tuple[str, str], ...]


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[str, dict[LabelKey, float]] = defaultdict(dict)
        self._help: dict[str, str] = {}
        self._gauges: dict[str, Callable[[], float]] = {}

    def describe(self, name: str, help_text: str) -> None:
        self._help[name] = help_text

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        series = self._counters[name]
        series[key] = series.get(key, 0.0) + amount

    def value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self._help[name] = help_text
        self._gauges[name] = read

    def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self._counters):
            lines.append(f"# HELP {name} {self._help.get(name, name)}")
            lines.append(f"# TYPE {name} counter")
            for labels, value in sorted(self._counters[name].items()):
                lines.append(f"{name}{_labels(labels)} {value:g}")
        for name in sorted(self._gauges):
            lines.append(f"# HELP {name} {self._help[name]}")
            lines.append(f"# TYPE {name} gauge")
            try:
                value = float(self._gauges[name]())
            except Exception:  # a broken gauge must not break the whole endpoint
                value = float("nan")
            lines.append(f"{name} {value:g}")
        return "\n".join(lines) + "\n"


DISCORD_HTTP_ERRORS = "hamming_discord_http_errors_total"


def discord_http_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    """Counts Discord's error answers (429, 5xx, 4xx) that discord.py retries or raises.

    discord.py waits out 429s and retries some 5xx by itself, so without this a rate-limit
    storm or a flaky Discord would be invisible in /metrics.
    """
    metrics.describe(DISCORD_HTTP_ERRORS, "Error answers from Discord's HTTP API, by status")

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        if status >= 400:
            metrics.inc(DISCORD_HTTP_ERRORS, method=params.method, status=str(status))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def _labels(labels: LabelKey) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
