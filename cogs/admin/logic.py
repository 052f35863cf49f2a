"""Pure pieces of the core commands: how settings and status read to a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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


# -- confirmations --------------------------------------------------------------------------

CONFIRM_SECONDS = 300  # a confirmation button works for five minutes, then says it expired


def confirmation_state(
    owner_id: int, clicker_id: int, expires_unix: int, now_unix: int
) -> Literal["ok", "not-yours", "expired"]:
    if clicker_id != owner_id:
        return "not-yours"
    if now_unix > expires_unix:
        return "expired"
    return "ok"


# -- /help ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandHelp:
    name: str  # qualified, e.g. "config checkins schedule"
    options: tuple[tuple[str, bool], ...]  # (name, required)
    description: str


def usage(command: CommandHelp) -> str:
    """`/reading schedule when: [item:]`: required options first, optional in brackets."""
    parts = [f"/{command.name}"]
    parts += [f"{name}:" for name, required in command.options if required]
    parts += [f"[{name}:]" for name, required in command.options if not required]
    return " ".join(parts)


def help_lines(commands: Sequence[CommandHelp], budget: int) -> list[str]:
    """One line per command; descriptions dropped, then options, then lines cut, to fit
    `budget` characters (`/help feature:` shows one feature in full)."""
    full = [f"`{usage(c)}`: {c.description}" for c in commands]
    if sum(len(line) + 1 for line in full) <= budget:
        return full
    with_options = [f"`{usage(c)}`" for c in commands]
    if sum(len(line) + 1 for line in with_options) <= budget:
        return with_options
    short = [f"`/{c.name}`" for c in commands]
    kept: list[str] = []
    used = 0
    for line in short:
        if used + len(line) + 1 > budget - 20:
            kept.append(f"…and {len(short) - len(kept)} more")
            break
        kept.append(line)
        used += len(line) + 1
    return kept


def owner_of(name: str, prefixes: dict[str, tuple[str, ...]]) -> str:
    """Which feature a command belongs to (longest matching prefix), else "core"."""
    best, best_len = "core", 0
    for feature, feature_prefixes in prefixes.items():
        for prefix in feature_prefixes:
            matches = name == prefix or name.startswith(prefix + " ")
            if matches and len(prefix) > best_len:
                best, best_len = feature, len(prefix)
    return best


# -- weekly digest ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestPart:
    title: str
    lines: tuple[str, ...]


def digest_description(parts: Sequence[DigestPart], limit: int = 4000) -> str:
    """The digest's text: one block per feature, quiet features left out, within embed limits."""
    blocks = [f"**{part.title}**\n" + "\n".join(part.lines) for part in parts if part.lines]
    text = "\n\n".join(blocks) or "A quiet week: nothing to report yet."
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class MembershipChanges:
    gone: frozenset[int]  # hold data, not in the server, not yet marked as left
    back: frozenset[int]  # marked as left, but in the server again


def membership_changes(
    known: set[int], left: set[int], present: set[int], *, complete: bool
) -> MembershipChanges:
    """What the gateway missed while the bot was down, from the server's member list.

    `complete` says the list holds every member (the server was chunked). A partial list
    proves who is present, never who is gone: nobody is marked as gone from it, since being
    marked leads to a purge.
    """
    back = frozenset(left & present)
    gone = frozenset(known - left - present) if complete else frozenset()
    return MembershipChanges(gone, back)
