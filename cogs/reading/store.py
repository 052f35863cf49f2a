"""Every SQL statement of the reading group's settings and reading list, returning
dataclasses. Sessions and RSVPs are in store_sessions, polls in store_polls, one member's
data (export, forget) in store_members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import RowReader, changed_one, get_guild_settings, upsert
from cogs.reading.logic import (
    DEFAULT_DAYS_AHEAD,
    DEFAULT_OFFSETS,
    Series,
    Status,
    decode_offsets,
    encode_offsets,
)

Db = Database | Transaction


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingSettings:
    guild_id: int
    channel_id: int | None = None
    offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS
    days_ahead: int = DEFAULT_DAYS_AHEAD
    recurring_weekday: int | None = None
    recurring_time: str | None = None
    recurring_minutes: int | None = None
    generation: int = 0

    @property
    def series(self) -> Series | None:
        if self.recurring_weekday is None or not self.recurring_time:
            return None
        hour, minute = (int(part) for part in self.recurring_time.split(":"))
        return Series(
            self.recurring_weekday,
            time(hour, minute),
            timedelta(minutes=self.recurring_minutes or 60),
            self.days_ahead,
        )


_settings = RowReader(
    ReadingSettings,
    {"offsets": "reminder_offsets", "generation": "recurring_generation"},
    offsets=decode_offsets,
)


async def get_settings(db: Db, guild_id: int) -> ReadingSettings:
    return await get_guild_settings(db, "reading_settings", guild_id, _settings, ReadingSettings)


async def list_series_settings(db: Db) -> list[ReadingSettings]:
    return await _settings.all(
        db,
        "SELECT * FROM reading_settings WHERE recurring_weekday IS NOT NULL"
        " AND channel_id IS NOT NULL ORDER BY guild_id",
    )


async def upsert_settings(
    tx: Transaction,
    guild_id: int,
    *,
    channel_id: int,
    offsets: Sequence[timedelta],
    days_ahead: int,
    now: datetime,
) -> None:
    values = {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "reminder_offsets": encode_offsets(offsets),
        "days_ahead": days_ahead,
        "updated_at": to_unix(now),
    }
    await upsert(tx, "reading_settings", values)


async def upsert_channel_settings(
    tx: Transaction, settings: ReadingSettings, now: datetime
) -> None:
    """What `/config reading setup` saves (the series is saved by `update_series`)."""
    assert settings.channel_id is not None, "the reading group's settings name a channel"
    await upsert_settings(
        tx,
        settings.guild_id,
        channel_id=settings.channel_id,
        offsets=settings.offsets,
        days_ahead=settings.days_ahead,
        now=now,
    )


async def update_series(
    tx: Transaction,
    guild_id: int,
    *,
    weekday: int | None,
    at: str | None,
    minutes: int | None,
    now: datetime,
) -> int:
    """Set (or clear, with None) the weekly series; returns its new generation."""
    await tx.execute(
        "INSERT INTO reading_settings (guild_id, recurring_weekday, recurring_time,"
        " recurring_minutes, recurring_generation, updated_at) VALUES (?, ?, ?, ?, 1, ?)"
        " ON CONFLICT (guild_id) DO UPDATE"
        " SET recurring_weekday = excluded.recurring_weekday,"
        " recurring_time = excluded.recurring_time,"
        " recurring_minutes = excluded.recurring_minutes,"
        " recurring_generation = recurring_generation + 1, updated_at = excluded.updated_at",
        (guild_id, weekday, at, minutes, to_unix(now)),
    )
    return await get_series_generation(tx, guild_id)


async def update_series_generation(tx: Transaction, guild_id: int) -> int:
    """A new generation for an unchanged series (e.g. days ahead changed); returns it."""
    await tx.execute(
        "UPDATE reading_settings SET recurring_generation = recurring_generation + 1"
        " WHERE guild_id = ?",
        (guild_id,),
    )
    return await get_series_generation(tx, guild_id)


async def get_series_generation(db: Db, guild_id: int) -> int:
    row = await db.fetchone(
        "SELECT recurring_generation FROM reading_settings WHERE guild_id = ?", (guild_id,)
    )
    return int(row["recurring_generation"]) if row else 0


# --- the reading list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingItem:
    id: int
    guild_id: int
    position: int
    title: str
    url: str | None
    minutes: int | None
    notes: str | None
    status: Status
    added_by: int
    added_at: datetime


item_rows = RowReader(ReadingItem, added_at=from_unix)


async def list_items(db: Db, guild_id: int) -> list[ReadingItem]:
    return await item_rows.all(
        db, "SELECT * FROM reading_items WHERE guild_id = ? ORDER BY position, id", (guild_id,)
    )


async def get_item(db: Db, guild_id: int, item_id: int) -> ReadingItem | None:
    row = await db.fetchone(
        "SELECT * FROM reading_items WHERE guild_id = ? AND id = ?", (guild_id, item_id)
    )
    return None if row is None else item_rows(row)


async def get_item_at(db: Db, guild_id: int, position: int) -> ReadingItem | None:
    return await item_rows.one(
        db, "SELECT * FROM reading_items WHERE guild_id = ? AND position = ?", (guild_id, position)
    )


async def list_items_titled(db: Db, guild_id: int, title: str) -> list[ReadingItem]:
    return await item_rows.all(
        db,
        "SELECT * FROM reading_items WHERE guild_id = ? AND title = ? COLLATE NOCASE"
        " ORDER BY position",
        (guild_id, title),
    )


async def get_next_queued_item(db: Db, guild_id: int) -> ReadingItem | None:
    return await item_rows.one(
        db,
        "SELECT * FROM reading_items WHERE guild_id = ? AND status = 'queued'"
        " ORDER BY position, id LIMIT 1",
        (guild_id,),
    )


async def count_items(db: Db, guild_id: int) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT status, COUNT(*) AS n FROM reading_items WHERE guild_id = ? GROUP BY status",
        (guild_id,),
    )
    return {row["status"]: row["n"] for row in rows}


async def insert_item(
    tx: Transaction,
    guild_id: int,
    *,
    title: str,
    url: str | None,
    minutes: int | None,
    notes: str | None,
    added_by: int,
    now: datetime,
) -> int:
    row = await tx.fetchone(
        "SELECT COALESCE(MAX(position), 0) AS last FROM reading_items WHERE guild_id = ?",
        (guild_id,),
    )
    position = (row["last"] if row else 0) + 1
    return await tx.insert(
        "INSERT INTO reading_items (guild_id, position, title, url, minutes, notes, added_by,"
        " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, position, title, url, minutes, notes, added_by, to_unix(now)),
    )


async def delete_item(tx: Transaction, guild_id: int, item_id: int) -> None:
    await tx.execute("DELETE FROM reading_items WHERE guild_id = ? AND id = ?", (guild_id, item_id))
    rows = await tx.fetchall(
        "SELECT id FROM reading_items WHERE guild_id = ? ORDER BY position, id", (guild_id,)
    )
    await update_positions(tx, guild_id, [row["id"] for row in rows])


async def update_positions(tx: Transaction, guild_id: int, ordered_ids: Sequence[int]) -> None:
    await tx.executemany(
        "UPDATE reading_items SET position = ? WHERE guild_id = ? AND id = ?",
        [(position, guild_id, item_id) for position, item_id in enumerate(ordered_ids, 1)],
    )


async def update_item_status(tx: Transaction, item_id: int, status: Status, now: datetime) -> None:
    await tx.execute(
        "UPDATE reading_items SET status = ?,"
        " discussed_at = CASE WHEN ? = 'discussed' THEN ? ELSE discussed_at END WHERE id = ?",
        (status, status, to_unix(now), item_id),
    )


# --- the server's data (export, reset, digest) ---------------------------------------------


async def update_settings_to_defaults(tx: Transaction, guild_id: int, now: datetime) -> bool:
    """Channel, reminders, lead time and series back to how a new server starts.

    The row stays, with a new series generation: a later series must not reuse the keys of
    the occurrences this cancels (keys are unique for ever in the ledger).
    """
    return await changed_one(
        tx,
        "UPDATE reading_settings SET channel_id = NULL, reminder_offsets = ?, days_ahead = ?,"
        " recurring_weekday = NULL, recurring_time = NULL, recurring_minutes = NULL,"
        " recurring_generation = recurring_generation + 1, updated_at = ? WHERE guild_id = ?",
        (encode_offsets(DEFAULT_OFFSETS), DEFAULT_DAYS_AHEAD, to_unix(now), guild_id),
    )
