"""Every SQL statement on `checkin_reflections` (migration 0013): one row per member per round
with the mark of their earlier plan, their on-path answer and their blocker-sharing choice."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_unix
from bot.db import Database, Transaction
from bot.rows import from_row

# The columns a click may set; the SQL names come only from this table, never from input.
_COLUMNS = frozenset({"plan_mark", "plan_note", "on_path", "share_blocker"})


@dataclass(frozen=True)
class Reflection:
    round_id: int
    user_id: int
    planned_in: int | None = None
    plan_mark: str | None = None
    plan_note: str | None = None
    on_path: str | None = None
    share_blocker: bool = False


def _reflection(row: sqlite3.Row) -> Reflection:
    return from_row(Reflection, row, share_blocker=bool)


async def get_reflection(db: Database, round_id: int, user_id: int) -> Reflection | None:
    row = await db.fetchone(
        "SELECT * FROM checkin_reflections WHERE round_id = ? AND user_id = ?",
        (round_id, user_id),
    )
    return None if row is None else _reflection(row)


async def set_reflection(
    tx: Transaction,
    round_id: int,
    user_id: int,
    planned_in: int | None,
    column: str,
    value: object,
    now: datetime,
) -> None:
    """Set one column of the member's reflection on the round, creating the row if need be."""
    if column not in _COLUMNS:
        raise ValueError(f"not a reflection column: {column}")
    # `column` is one of _COLUMNS (checked above), never member input.
    sql = (
        f"INSERT INTO checkin_reflections (round_id, user_id, planned_in, {column}, updated_at)"  # noqa: S608
        f" VALUES (?, ?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO UPDATE SET"
        f" {column} = excluded.{column}, planned_in = excluded.planned_in,"
        " updated_at = excluded.updated_at"
    )
    await tx.execute(sql, (round_id, user_id, planned_in, value, to_unix(now)))


async def list_member_loop(
    db: Database, guild_id: int, user_id: int, *, through_week: str = "~"
) -> list[tuple[str, str | None, str | None]]:
    """The member's (round week, plan mark, on-path answer) in the server, oldest first."""
    rows = await db.fetchall(
        "SELECT r.week, f.plan_mark, f.on_path FROM checkin_reflections f"
        " JOIN checkin_rounds r ON r.id = f.round_id"
        " WHERE r.guild_id = ? AND f.user_id = ? AND r.week <= ? ORDER BY r.week",
        (guild_id, user_id, through_week),
    )
    return [(row["week"], row["plan_mark"], row["on_path"]) for row in rows]


async def list_round_reflectors(db: Database, round_id: int) -> list[int]:
    """Members who reflected on the round (a mark or an on-path answer)."""
    rows = await db.fetchall(
        "SELECT user_id FROM checkin_reflections WHERE round_id = ?"
        " AND (plan_mark IS NOT NULL OR on_path IS NOT NULL) ORDER BY user_id",
        (round_id,),
    )
    return [row["user_id"] for row in rows]


async def list_round_marks(db: Database, round_id: int) -> list[str | None]:
    """Every plan mark given in the round (for the cohort's aggregate rate; no member ids)."""
    rows = await db.fetchall(
        "SELECT plan_mark FROM checkin_reflections WHERE round_id = ?", (round_id,)
    )
    return [row["plan_mark"] for row in rows]


async def list_marks_by_week(db: Database, guild_id: int, since_week: str) -> dict[str, list[str]]:
    """Each round's plan marks from `since_week` on (for the stats chart; no member ids)."""
    rows = await db.fetchall(
        "SELECT r.week, f.plan_mark FROM checkin_reflections f"
        " JOIN checkin_rounds r ON r.id = f.round_id"
        " WHERE r.guild_id = ? AND r.week >= ? AND f.plan_mark IS NOT NULL",
        (guild_id, since_week),
    )
    marks: dict[str, list[str]] = {}
    for row in rows:
        marks.setdefault(row["week"], []).append(row["plan_mark"])
    return marks


async def list_member_reflections(
    db: Database, guild_id: int, user_id: int
) -> list[tuple[str, str, Reflection]]:
    """(round week, round visibility, reflection) of the member in the server, oldest first."""
    rows = await db.fetchall(
        "SELECT r.week, r.visibility, f.* FROM checkin_reflections f"
        " JOIN checkin_rounds r ON r.id = f.round_id"
        " WHERE r.guild_id = ? AND f.user_id = ? ORDER BY r.week",
        (guild_id, user_id),
    )
    return [(row["week"], row["visibility"], _reflection(row)) for row in rows]
