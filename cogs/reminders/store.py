"""SQL for personal reminders (table personal_reminders, migration 0019)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import from_row, optional_time


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    guild_id: int
    user_id: int
    channel_id: int | None
    text: str
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    cancelled_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.sent_at is None and self.cancelled_at is None


def _reminder(row: object) -> Reminder:
    return from_row(
        Reminder,
        row,
        due_at=from_unix,
        created_at=from_unix,
        sent_at=optional_time,
        cancelled_at=optional_time,
    )


async def add(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    channel_id: int | None,
    text: str,
    due_at: datetime,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO personal_reminders (guild_id, user_id, channel_id, text, due_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, channel_id, text, to_unix(due_at), to_unix(now)),
    )


async def get(db: Database | Transaction, reminder_id: int) -> Reminder | None:
    row = await db.fetchone("SELECT * FROM personal_reminders WHERE id = ?", (reminder_id,))
    return None if row is None else _reminder(row)


async def list_pending(db: Database | Transaction, guild_id: int, user_id: int) -> list[Reminder]:
    """The member's reminders still to send, soonest first."""
    rows = await db.fetchall(
        "SELECT * FROM personal_reminders WHERE guild_id = ? AND user_id = ?"
        " AND sent_at IS NULL AND cancelled_at IS NULL ORDER BY due_at, id",
        (guild_id, user_id),
    )
    return [_reminder(row) for row in rows]


async def list_member(db: Database, guild_id: int, user_id: int) -> list[Reminder]:
    rows = await db.fetchall(
        "SELECT * FROM personal_reminders WHERE guild_id = ? AND user_id = ? ORDER BY due_at, id",
        (guild_id, user_id),
    )
    return [_reminder(row) for row in rows]


async def count_pending(db: Database | Transaction, guild_id: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM personal_reminders"
        " WHERE guild_id = ? AND sent_at IS NULL AND cancelled_at IS NULL",
        (guild_id,),
    )
    return int(row["n"]) if row else 0


async def mark_sent(db: Database | Transaction, reminder_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE personal_reminders SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
        (to_unix(now), reminder_id),
    )


async def cancel(tx: Transaction, reminder_id: int, user_id: int, now: datetime) -> bool:
    """Cancel the member's own pending reminder; False if it is not theirs or not pending."""
    changed = await tx.execute(
        "UPDATE personal_reminders SET cancelled_at = ? WHERE id = ? AND user_id = ?"
        " AND sent_at IS NULL AND cancelled_at IS NULL",
        (to_unix(now), reminder_id, user_id),
    )
    return changed > 0


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM personal_reminders WHERE guild_id = ?", (guild_id,)
    )
    return {row["user_id"] for row in rows}


async def delete_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    return await tx.execute(
        "DELETE FROM personal_reminders WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
