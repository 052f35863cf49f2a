"""What each feature tells the core, so server-wide tools work across features without
importing them: /setup, /about's checklist, /help, /me export and forget, /config reset and
export, and the weekly digest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.db import Transaction


@dataclass(frozen=True)
class DigestSection:
    """A feature's part of the weekly digest."""

    title: str
    lines: tuple[str, ...]
    chart_png: bytes | None = None  # at most one chart: the check-in participation chart


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a member removed, and Discord clean-up to do once it is committed
    (e.g. delete their answer messages, re-match a review they will not write)."""

    rows: int
    after_commit: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Feature:
    name: str  # "checkins": used by /config reset, /me notifications, /help
    title: str  # "Check-ins"
    # Commands that belong to the feature, by qualified-name prefix, for /help
    # (e.g. ("checkin", "config checkins")).
    command_prefixes: tuple[str, ...] = ()
    setup_hint: str = ""  # what a moderator configures first, for /help
    # Permissions (discord.Permissions attribute names) the bot needs in the feature's channel.
    channel_permissions: tuple[str, ...] = ("view_channel", "send_messages", "embed_links")
    # guild_id -> the feature's channel, or None when not configured (for /setup's checklist)
    get_channel: Callable[[int], Awaitable[int | None]] | None = None
    # (guild_id, channel_id, actor_id): configure the feature's channel from /setup
    set_channel: Callable[[int, int, int], Awaitable[None]] | None = None
    # (guild_id, weekday or None, local time or None, actor_id): /setup's check-in day and time
    set_schedule: Callable[[int, int | None, time | None, int], Awaitable[None]] | None = None
    export_member: Callable[[int, int], Awaitable[dict[str, Any]]] | None = None
    # (tx, guild_id, user_id): delete every row about the member, in the caller's transaction
    forget_member: Callable[[Transaction, int, int], Awaitable[Forgotten]] | None = None
    # guild_id -> every member the feature holds data about, so departures the bot missed
    # while it was down are found (and their data purged after retention)
    list_member_ids: Callable[[int], Awaitable[set[int]]] | None = None
    export_guild: Callable[[int], Awaitable[dict[str, Any]]] | None = None
    # (tx, guild_id): back to defaults (configuration only, never members' data)
    reset_guild: Callable[[Transaction, int], Awaitable[None]] | None = None
    digest: Callable[[int, datetime], Awaitable[DigestSection | None]] | None = None
