"""SQL of the admin feature's own tables (the weekly digest's schedule)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, time

from bot import guilds
from bot.clock import to_unix
from bot.db import Database, Transaction
from bot.rows import changed_one, upsert


@dataclass(frozen=True)
class DigestSettings:
    guild_id: int
    channel_id: int
    weekday: int
    local_time: time
    enabled: bool


def _digest(row: sqlite3.Row) -> DigestSettings:
    return DigestSettings(
        row["guild_id"],
        row["channel_id"],
        row["weekday"],
        time.fromisoformat(row["local_time"]),
        bool(row["enabled"]),
    )


async def get_digest_settings(db: Database, guild_id: int) -> DigestSettings | None:
    row = await db.fetchone("SELECT * FROM digest_settings WHERE guild_id = ?", (guild_id,))
    return None if row is None else _digest(row)


async def list_enabled_digests(db: Database) -> list[DigestSettings]:
    rows = await db.fetchall("SELECT * FROM digest_settings WHERE enabled = 1 ORDER BY guild_id")
    return [_digest(row) for row in rows]


async def upsert_digest_settings(
    tx: Transaction, guild_id: int, channel_id: int, weekday: int, local_time: time
) -> None:
    values = {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "weekday": weekday,
        "local_time": local_time.strftime("%H:%M"),
        "enabled": 1,
    }
    await upsert(tx, "digest_settings", values)


async def write_digest_settings(
    tx: Transaction, settings: DigestSettings | None, now: datetime
) -> None:
    if settings is None:
        return
    if settings.enabled:
        await upsert_digest_settings(
            tx, settings.guild_id, settings.channel_id, settings.weekday, settings.local_time
        )
    else:
        await disable_digest(tx, settings.guild_id)


async def disable_digest(tx: Transaction, guild_id: int) -> bool:
    return await changed_one(
        tx, "UPDATE digest_settings SET enabled = 0 WHERE guild_id = ? AND enabled = 1", (guild_id,)
    )


async def update_retention_days(tx: Transaction, guild_id: int, days: int, now_unix: int) -> None:
    tx.forget_after_commit(guilds.settings_memo_key(guild_id))  # the row may be new
    await tx.execute(
        "INSERT INTO guild_settings (guild_id, created_at, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, now_unix, now_unix),
    )
    await tx.execute(
        "UPDATE guild_settings SET retention_days = ?, updated_at = ? WHERE guild_id = ?",
        (days, now_unix, guild_id),
    )


@dataclass(frozen=True)
class Retention:
    """How long a departed member's data (and a removed server's) is kept."""

    guild_id: int
    days: int = 90


async def get_retention(db: Database, guild_id: int) -> Retention:
    return Retention(guild_id, await get_retention_days(db, guild_id))


async def write_retention(tx: Transaction, retention: Retention, now: datetime) -> None:
    await update_retention_days(tx, retention.guild_id, retention.days, to_unix(now))


async def get_retention_days(db: Database, guild_id: int) -> int:
    row = await db.fetchone(
        "SELECT retention_days FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    return 90 if row is None else int(row["retention_days"])


async def export_guild_core(db: Database, guild_id: int) -> dict[str, object]:
    settings = await db.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
    digest = await get_digest_settings(db, guild_id)
    audit = await db.fetchall(
        "SELECT actor_id, setting, old_value, new_value, at FROM config_audit"
        " WHERE guild_id = ? ORDER BY at, id",
        (guild_id,),
    )
    members = await db.fetchall(
        "SELECT user_id, timezone, paused_until, left_at FROM member_settings WHERE guild_id = ?",
        (guild_id,),
    )
    return {
        "settings": {k: settings[k] for k in settings.keys()} if settings else {},  # noqa: SIM118 - sqlite3.Row
        "digest": None
        if digest is None
        else {
            "channel_id": digest.channel_id,
            "weekday": digest.weekday,
            "time": digest.local_time.strftime("%H:%M"),
            "enabled": digest.enabled,
        },
        "audit": [dict(zip(row.keys(), tuple(row), strict=True)) for row in audit],
        "members": [dict(zip(row.keys(), tuple(row), strict=True)) for row in members],
    }
