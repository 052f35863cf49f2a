"""SQL for what follows a reading: comment answers after sessions, the personal reading log
and whether a member shares it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Transaction
from bot.rows import RowReader
from cogs.reading.store import Db

# --- comments after a session --------------------------------------------------------------


@dataclass(frozen=True)
class CommentAnswer:
    session_id: int
    guild_id: int
    user_id: int
    answer: str  # 'commented' or 'skipped'
    link: str | None
    answered_at: datetime


comment_rows = RowReader(CommentAnswer, answered_at=from_unix)


async def upsert_comment(
    tx: Transaction,
    session_id: int,
    guild_id: int,
    user_id: int,
    answer: str,
    link: str | None,
    now: datetime,
) -> None:
    """The member's answer; a later press replaces it (they commented after all)."""
    await tx.execute(
        "INSERT INTO reading_comments (session_id, guild_id, user_id, answer, link, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, user_id) DO UPDATE SET"
        " answer = excluded.answer, link = excluded.link, answered_at = excluded.answered_at",
        (session_id, guild_id, user_id, answer, link, to_unix(now)),
    )


async def count_comments_between(db: Db, guild_id: int, since: datetime, until: datetime) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) FROM reading_comments WHERE guild_id = ? AND answer = 'commented'"
        " AND answered_at > ? AND answered_at <= ?",
        (guild_id, to_unix(since), to_unix(until)),
    )
    return int(row[0]) if row else 0


async def list_member_comments(db: Db, guild_id: int, user_id: int) -> list[CommentAnswer]:
    return await comment_rows.all(
        db,
        "SELECT * FROM reading_comments WHERE guild_id = ? AND user_id = ? ORDER BY answered_at",
        (guild_id, user_id),
    )


# --- the personal reading log --------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    id: int
    guild_id: int
    user_id: int
    item_id: int | None
    title: str
    status: str
    note: str | None
    logged_at: datetime


log_rows = RowReader(LogEntry, logged_at=from_unix)


async def insert_log_entry(
    tx: Transaction,
    guild_id: int,
    user_id: int,
    item_id: int,
    title: str,
    status: str,
    note: str | None,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO reading_log (guild_id, user_id, item_id, title, status, note, logged_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, item_id, title, status, note, to_unix(now)),
    )


async def list_log(db: Db, guild_id: int, user_id: int, limit: int = -1) -> list[LogEntry]:
    """Newest first."""
    return await log_rows.all(
        db,
        "SELECT * FROM reading_log WHERE guild_id = ? AND user_id = ?"
        " ORDER BY logged_at DESC, id DESC LIMIT ?",
        (guild_id, user_id, limit),
    )


async def get_sharing(db: Db, guild_id: int, user_id: int) -> bool:
    row = await db.fetchone(
        "SELECT shared FROM reading_log_sharing WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return bool(row and row[0])


async def upsert_sharing(tx: Transaction, guild_id: int, user_id: int, shared: bool) -> None:
    await tx.execute(
        "INSERT INTO reading_log_sharing (guild_id, user_id, shared) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET shared = excluded.shared",
        (guild_id, user_id, int(shared)),
    )


# --- one member's data (export, forget) ----------------------------------------------------


async def delete_member_log_data(tx: Transaction, guild_id: int, user_id: int) -> int:
    changed = 0
    for table in ("reading_comments", "reading_log", "reading_log_sharing"):
        changed += await tx.execute(
            f"DELETE FROM {table} WHERE guild_id = ? AND user_id = ?",  # noqa: S608 - fixed names
            (guild_id, user_id),
        )
    return changed


async def list_log_member_ids(db: Db, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM reading_comments WHERE guild_id = ?"
        " UNION SELECT user_id FROM reading_log WHERE guild_id = ?"
        " UNION SELECT user_id FROM reading_log_sharing WHERE guild_id = ?",
        (guild_id, guild_id, guild_id),
    )
    return {row[0] for row in rows}
