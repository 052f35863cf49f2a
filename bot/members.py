"""Members' own switches and what the bot holds about them (all SQL of the core's member data)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from bot import ledger
from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction

NotifyChannel = Literal["dm", "mention"]


@dataclass(frozen=True)
class MemberState:
    paused_until: datetime | None
    left_at: datetime | None


async def get_member_state(db: Database, guild_id: int, user_id: int) -> MemberState:
    row = await db.fetchone(
        "SELECT paused_until, left_at FROM member_settings WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    if row is None:
        return MemberState(None, None)
    return MemberState(
        from_unix(row["paused_until"]) if row["paused_until"] is not None else None,
        from_unix(row["left_at"]) if row["left_at"] is not None else None,
    )


async def is_paused(db: Database, guild_id: int, user_id: int, now: datetime) -> bool:
    """Paused by /me pause, or gone from the server: no reminders, matching or nudges."""
    state = await get_member_state(db, guild_id, user_id)
    if state.left_at is not None:
        return True
    return state.paused_until is not None and state.paused_until > now


async def list_paused_ids(db: Database, guild_id: int, now: datetime) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM member_settings WHERE guild_id = ?"
        " AND (left_at IS NOT NULL OR paused_until > ?)",
        (guild_id, to_unix(now)),
    )
    return {row["user_id"] for row in rows}


async def _upsert(
    db: Database, guild_id: int, user_id: int, column: str, value: Any, now: datetime
) -> None:
    if column not in {"paused_until", "left_at"}:
        raise ValueError(column)
    await db.execute(
        f"INSERT INTO member_settings (guild_id, user_id, {column}, updated_at) VALUES (?, ?, ?, ?)"  # noqa: S608 - closed set
        f" ON CONFLICT (guild_id, user_id) DO UPDATE SET {column} = excluded.{column},"
        " updated_at = excluded.updated_at",
        (guild_id, user_id, value, to_unix(now)),
    )


async def set_paused_until(
    db: Database, guild_id: int, user_id: int, until: datetime | None, now: datetime
) -> None:
    await _upsert(db, guild_id, user_id, "paused_until", to_unix(until) if until else None, now)


async def mark_left(db: Database, guild_id: int, user_id: int, now: datetime) -> None:
    await _upsert(db, guild_id, user_id, "left_at", to_unix(now), now)


async def mark_rejoined(db: Database, guild_id: int, user_id: int, now: datetime) -> None:
    await _upsert(db, guild_id, user_id, "left_at", None, now)


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    """Members the core holds anything about in the server (settings, prefs, sends)."""
    rows = await db.fetchall(
        "SELECT user_id FROM member_settings WHERE guild_id = ?"
        " UNION SELECT user_id FROM notification_prefs WHERE guild_id = ?",
        (guild_id, guild_id),
    )
    return {row["user_id"] for row in rows} | await ledger.list_member_ids(db, guild_id)


async def list_left_ids(db: Database, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM member_settings WHERE guild_id = ? AND left_at IS NOT NULL",
        (guild_id,),
    )
    return {row["user_id"] for row in rows}


async def apply_membership(
    tx: Transaction, guild_id: int, gone: set[int], back: set[int], now: datetime
) -> None:
    """Mark `gone` as left now (keeping an earlier departure) and clear `back`, in one go."""
    stamp = to_unix(now)
    await tx.executemany(
        "INSERT INTO member_settings (guild_id, user_id, left_at, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " left_at = COALESCE(member_settings.left_at, excluded.left_at),"
        " updated_at = excluded.updated_at",
        [(guild_id, user_id, stamp, stamp) for user_id in sorted(gone)],
    )
    await tx.executemany(
        "UPDATE member_settings SET left_at = NULL, updated_at = ?"
        " WHERE guild_id = ? AND user_id = ?",
        [(stamp, guild_id, user_id) for user_id in sorted(back)],
    )


async def list_due_for_purge(db: Database, now: datetime) -> list[tuple[int, int]]:
    """(guild, member) pairs who left longer ago than their server's retention period."""
    rows = await db.fetchall(
        "SELECT m.guild_id, m.user_id, m.left_at, COALESCE(g.retention_days, 90) AS days"
        " FROM member_settings AS m LEFT JOIN guild_settings AS g USING (guild_id)"
        " WHERE m.left_at IS NOT NULL"
    )
    return [
        (row["guild_id"], row["user_id"])
        for row in rows
        if from_unix(row["left_at"]) + timedelta(days=row["days"]) <= now
    ]


async def get_notify_channel(
    db: Database, guild_id: int, user_id: int, feature: str
) -> NotifyChannel:
    row = await db.fetchone(
        "SELECT channel FROM notification_prefs WHERE guild_id = ? AND user_id = ? AND feature = ?",
        (guild_id, user_id, feature),
    )
    return "mention" if row is not None and row["channel"] == "mention" else "dm"


async def set_notify_channel(
    db: Database, guild_id: int, user_id: int, feature: str, channel: NotifyChannel
) -> None:
    await db.execute(
        "INSERT INTO notification_prefs (guild_id, user_id, feature, channel) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id, feature) DO UPDATE SET channel = excluded.channel",
        (guild_id, user_id, feature, channel),
    )


async def export_core(db: Database, guild_id: int, user_id: int) -> dict[str, Any]:
    settings = await db.fetchone(
        "SELECT timezone, dm_closed_at, paused_until, left_at FROM member_settings"
        " WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    prefs = await db.fetchall(
        "SELECT feature, channel FROM notification_prefs WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    scheduled = await ledger.list_for_member(db, guild_id, user_id)
    return {
        "settings": _row_dict(settings) if settings is not None else {},
        "notifications": {row["feature"]: row["channel"] for row in prefs},
        "scheduled_messages": [
            {**_row_dict(row), "due_at": from_unix(row["due_at"]).isoformat()} for row in scheduled
        ],
    }


async def forget_core(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Delete the core's rows about a member; audit rows keep the change but not who made it."""
    deleted = 0
    for table in ("member_settings", "notification_prefs"):
        deleted += await tx.execute(
            f"DELETE FROM {table} WHERE guild_id = ? AND user_id = ?",  # noqa: S608 - fixed names
            (guild_id, user_id),
        )
    deleted += await ledger.delete_for_member(tx, guild_id, user_id)
    await tx.execute(
        "UPDATE config_audit SET actor_id = 0 WHERE guild_id = ? AND actor_id = ?",
        (guild_id, user_id),
    )
    return deleted


def _row_dict(row: sqlite3.Row) -> dict[str, Any]:
    result = {}
    for key in row.keys():  # noqa: SIM118 - iterating a sqlite3.Row yields values, not keys
        value = row[key]
        if key.endswith("_at") or key.endswith("_until"):
            value = from_unix(value).isoformat() if value is not None else None
        result[key] = value
    return result
