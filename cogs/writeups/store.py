"""Every SQL statement of write-ups (settings, write-ups, members' nudge choice), returning
dataclasses."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import from_row, get_guild_settings, optional_time, to_row, upsert
from cogs.writeups.logic import DEFAULT_NUDGE_WEEKS


# --- settings -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WriteupSettings:
    guild_id: int
    channel_id: int | None = None
    nudge_weeks: int = DEFAULT_NUDGE_WEEKS

    def with_changes(self, **changes: Any) -> WriteupSettings:
        return replace(self, **changes)


def _settings(row: sqlite3.Row) -> WriteupSettings:
    return from_row(WriteupSettings, row)


async def get_settings(db: Database, guild_id: int) -> WriteupSettings:
    return await get_guild_settings(db, "writeup_settings", guild_id, _settings, WriteupSettings)


async def upsert_settings(tx: Transaction, s: WriteupSettings, now: datetime) -> None:
    await upsert(tx, "writeup_settings", {**to_row(s), "updated_at": to_unix(now)})


async def delete_settings(tx: Transaction, guild_id: int) -> None:
    await tx.execute("DELETE FROM writeup_settings WHERE guild_id = ?", (guild_id,))


# --- write-ups ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Writeup:
    id: int
    guild_id: int
    author_id: int
    title: str
    link: str | None
    stage: str
    private: bool
    stage_since: datetime
    feedback_draft: int | None
    published_at: datetime | None
    created_at: datetime


def _writeup(row: sqlite3.Row) -> Writeup:
    return from_row(
        Writeup,
        row,
        private=bool,
        stage_since=from_unix,
        published_at=optional_time,
        created_at=from_unix,
    )


async def insert_writeup(
    tx: Transaction,
    *,
    guild_id: int,
    author_id: int,
    title: str,
    link: str | None,
    stage: str,
    private: bool,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO writeups (guild_id, author_id, title, link, stage, private, stage_since,"
        " published_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            author_id,
            title,
            link,
            stage,
            int(private),
            to_unix(now),
            to_unix(now) if stage == "published" else None,
            to_unix(now),
            to_unix(now),
        ),
    )


async def get_writeup(db: Database | Transaction, writeup_id: int) -> Writeup | None:
    row = await db.fetchone("SELECT * FROM writeups WHERE id = ?", (writeup_id,))
    return None if row is None else _writeup(row)


async def get_writeup_by_draft(db: Database, draft_id: int) -> Writeup | None:
    row = await db.fetchone(
        "SELECT * FROM writeups WHERE feedback_draft = ? ORDER BY id LIMIT 1", (draft_id,)
    )
    return None if row is None else _writeup(row)


async def list_member_writeups(
    db: Database, guild_id: int, author_id: int, *, include_private: bool
) -> list[Writeup]:
    rows = await db.fetchall(
        "SELECT * FROM writeups WHERE guild_id = ? AND author_id = ? AND (? OR private = 0)"
        " ORDER BY stage_since DESC, id DESC",
        (guild_id, author_id, int(include_private)),
    )
    return [_writeup(r) for r in rows]


async def list_guild_ids(db: Database) -> list[int]:
    rows = await db.fetchall(
        "SELECT DISTINCT guild_id FROM writeups WHERE stage != 'published' ORDER BY guild_id"
    )
    return [r["guild_id"] for r in rows]


async def list_open_writeups(db: Database, guild_id: int) -> list[Writeup]:
    """Every write-up of the server not yet published (their nudges are planned)."""
    rows = await db.fetchall(
        "SELECT * FROM writeups WHERE guild_id = ? AND stage != 'published' ORDER BY id",
        (guild_id,),
    )
    return [_writeup(r) for r in rows]


async def list_public_published(
    db: Database, guild_id: int, since: datetime, until: datetime
) -> list[Writeup]:
    rows = await db.fetchall(
        "SELECT * FROM writeups WHERE guild_id = ? AND private = 0 AND stage = 'published'"
        " AND published_at BETWEEN ? AND ? ORDER BY published_at, id",
        (guild_id, to_unix(since), to_unix(until)),
    )
    return [_writeup(r) for r in rows]


async def list_stages(db: Database, guild_id: int) -> list[tuple[str, bool]]:
    """(stage, private) of every write-up in the server: numbers only, never titles."""
    rows = await db.fetchall("SELECT stage, private FROM writeups WHERE guild_id = ?", (guild_id,))
    return [(r["stage"], bool(r["private"])) for r in rows]


async def list_published_times(db: Database, guild_id: int, since: datetime) -> list[datetime]:
    rows = await db.fetchall(
        "SELECT published_at FROM writeups WHERE guild_id = ? AND stage = 'published'"
        " AND published_at >= ? ORDER BY published_at",
        (guild_id, to_unix(since)),
    )
    return [from_unix(r["published_at"]) for r in rows]


async def update_writeup(
    tx: Transaction,
    w: Writeup,
    *,
    title: str,
    link: str | None,
    stage: str,
    private: bool,
    now: datetime,
) -> Writeup:
    """Write the new fields; a new stage starts its own clock (and its own nudge)."""
    moved = stage != w.stage
    since = now if moved else w.stage_since
    published_at = (
        (now if moved or w.published_at is None else w.published_at)
        if stage == "published"
        else None
    )
    await tx.execute(
        "UPDATE writeups SET title = ?, link = ?, stage = ?, private = ?, stage_since = ?,"
        " published_at = ?, updated_at = ? WHERE id = ?",
        (
            title,
            link,
            stage,
            int(private),
            to_unix(since),
            None if published_at is None else to_unix(published_at),
            to_unix(now),
            w.id,
        ),
    )
    return replace(
        w,
        title=title,
        link=link,
        stage=stage,
        private=private,
        stage_since=since,
        published_at=published_at,
    )


async def set_feedback_draft(
    tx: Transaction, writeup_id: int, draft_id: int, now: datetime
) -> None:
    await tx.execute(
        "UPDATE writeups SET feedback_draft = ?, updated_at = ? WHERE id = ?",
        (draft_id, to_unix(now), writeup_id),
    )


async def delete_writeup(tx: Transaction, writeup_id: int) -> int:
    return await tx.execute("DELETE FROM writeups WHERE id = ?", (writeup_id,))


# --- members --------------------------------------------------------------------------------
async def get_nudges_on(db: Database, guild_id: int, user_id: int) -> bool:
    row = await db.fetchone(
        "SELECT nudges FROM writeup_members WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return row is None or bool(row["nudges"])


async def set_nudges_on(
    tx: Transaction, guild_id: int, user_id: int, on: bool, now: datetime
) -> None:
    await upsert(
        tx,
        "writeup_members",
        {"guild_id": guild_id, "user_id": user_id, "nudges": int(on), "updated_at": to_unix(now)},
        key=("guild_id", "user_id"),
    )


async def export_member(db: Database, guild_id: int, user_id: int) -> dict[str, Any]:
    writeups = await list_member_writeups(db, guild_id, user_id, include_private=True)
    return {
        "writeups": [
            {
                "title": w.title,
                "link": w.link,
                "stage": w.stage,
                "private": w.private,
                "stage_since": w.stage_since.isoformat(),
                "published_at": w.published_at.isoformat() if w.published_at else None,
                "created_at": w.created_at.isoformat(),
            }
            for w in writeups
        ],
        "nudges": await get_nudges_on(db, guild_id, user_id),
    }


async def forget_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    rows = await tx.execute(
        "DELETE FROM writeups WHERE guild_id = ? AND author_id = ?", (guild_id, user_id)
    )
    rows += await tx.execute(
        "DELETE FROM writeup_members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return rows


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT author_id AS id FROM writeups WHERE guild_id = ?"
        " UNION SELECT user_id FROM writeup_members WHERE guild_id = ?",
        (guild_id, guild_id),
    )
    return {r["id"] for r in rows}
