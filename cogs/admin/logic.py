"""Pure pieces of the core commands: how settings and status read to a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.time import discord_timestamp


@dataclass(frozen=True)
class UpcomingItem:
    kind: str
    due_at: datetime


def format_uptime(seconds: float) -> str:
    """`3d 4h 5m` style, down to minutes (seconds for a fresh start)."""
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if total < 60:
        return f"{secs}s"
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m"]
    return " ".join(p for p in parts if p)


def format_latency(latency_seconds: float) -> str:
    if latency_seconds != latency_seconds or latency_seconds == float(
        "inf"
    ):  # NaN: no heartbeat yet
        return "not measured yet"
    return f"{latency_seconds * 1000:.0f} ms"


def role_text(role_id: int | None, unset: str) -> str:
    return f"<@&{role_id}>" if role_id is not None else unset


def upcoming_lines(items: Sequence[UpcomingItem]) -> list[str]:
    """One line per scheduled item, in the reader's local time."""
    return [
        f"{discord_timestamp(item.due_at, 'F')} ({discord_timestamp(item.due_at, 'R')}):"
        f" {describe_kind(item.kind)}"
        for item in items
    ]


def describe_kind(kind: str) -> str:
    """`checkin-prompt` -> `checkin prompt`: kinds are named so they read as words."""
    return kind.replace("-", " ").replace("_", " ")
