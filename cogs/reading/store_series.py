"""Sessions of every kind: their repeating series, the goal prompt's answers and a member's
own calendar. Every SQL statement on session_series and session_goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_unix, to_unix
from bot.db import Transaction
from bot.rows import RowReader, changed_one, marks, upsert
from cogs.reading.store import Db
from cogs.reading.store_sessions import ReadingSession, session_rows

# --- series --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSeries:
    id: int
    guild_id: int
    kind: str
    title: str | None
    rule: str
    first_start: datetime
    zone: str
    minutes: int
    channel_id: int
    voice_channel_id: int | None
    lead_id: int | None
    goal_prompt: bool
    status: str
    created_by: int | None


series_rows = RowReader(SessionSeries, first_start=from_unix, goal_prompt=bool)


async def insert_series(tx: Transaction, guild_id: int, now: datetime, **values: Any) -> int:
    values = values | {
        "guild_id": guild_id,
        "first_start": to_unix(values["first_start"]),
        "goal_prompt": int(values["goal_prompt"]),
        "created_at": to_unix(now),
    }
    return await tx.insert(
        f"INSERT INTO session_series ({', '.join(values)}) VALUES ({marks(values)})",  # noqa: S608 - names from code
        tuple(values.values()),
    )


async def get_series(db: Db, series_id: int) -> SessionSeries | None:
    return await series_rows.one(db, "SELECT * FROM session_series WHERE id = ?", (series_id,))


async def list_active_series(db: Db, guild_id: int | None = None) -> list[SessionSeries]:
    """Active series, of one server or (None) of all."""
    if guild_id is None:
        return await series_rows.all(
            db, "SELECT * FROM session_series WHERE status = 'active' ORDER BY id"
        )
    return await series_rows.all(
        db,
        "SELECT * FROM session_series WHERE status = 'active' AND guild_id = ? ORDER BY id",
        (guild_id,),
    )


async def stop_series(tx: Transaction, series_id: int) -> bool:
    return await changed_one(
        tx,
        "UPDATE session_series SET status = 'stopped' WHERE id = ? AND status = 'active'",
        (series_id,),
    )


# --- goals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    session_id: int
    user_id: int
    goal: str | None
    outcome: str | None
    updated_at: datetime


goal_rows = RowReader(Goal, updated_at=from_unix)


async def upsert_goal(
    tx: Transaction, session_id: int, user_id: int, now: datetime, **values: str
) -> None:
    """Record a member's goal or outcome (the other one stays)."""
    row = {"session_id": session_id, "user_id": user_id, "updated_at": to_unix(now)} | values
    await upsert(tx, "session_goals", row, key=("session_id", "user_id"))


async def get_goal(db: Db, session_id: int, user_id: int) -> Goal | None:
    return await goal_rows.one(
        db,
        "SELECT * FROM session_goals WHERE session_id = ? AND user_id = ?",
        (session_id, user_id),
    )


async def list_goal_members(db: Db, session_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM session_goals WHERE session_id = ? AND goal IS NOT NULL"
        " ORDER BY updated_at, user_id",
        (session_id,),
    )
    return [row["user_id"] for row in rows]


# --- a member's own sessions ----------------------------------------------------------------


async def list_member_upcoming(
    db: Db, guild_id: int, user_id: int, now: datetime, limit: int = 25
) -> list[tuple[ReadingSession, str]]:
    """Scheduled sessions not over yet that the member said Going or Maybe to, soonest first."""
    rows = await db.fetchall(
        "SELECT s.*, r.choice AS answer FROM reading_sessions AS s"
        " JOIN reading_rsvps AS r ON r.session_id = s.id"
        " WHERE s.guild_id = ? AND r.user_id = ? AND r.choice IN ('going', 'maybe')"
        " AND s.status = 'scheduled' AND s.ends_at > ? ORDER BY s.starts_at, s.id LIMIT ?",
        (guild_id, user_id, to_unix(now), limit),
    )
    return [(session_rows(row), row["answer"]) for row in rows]


# --- privacy -------------------------------------------------------------------------------


async def list_member_goals(db: Db, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT g.session_id, s.kind, s.title, s.starts_at, g.goal, g.outcome, g.updated_at"
        " FROM session_goals AS g JOIN reading_sessions AS s ON s.id = g.session_id"
        " WHERE s.guild_id = ? AND g.user_id = ? ORDER BY s.starts_at, s.id",
        (guild_id, user_id),
    )
    return [
        {
            "session": row["session_id"],
            "kind": row["kind"],
            "title": row["title"],
            "starts_at": from_unix(row["starts_at"]).isoformat(),
            "goal": row["goal"],
            "outcome": row["outcome"],
            "answered_at": from_unix(row["updated_at"]).isoformat(),
        }
        for row in rows
    ]


async def list_member_series(db: Db, guild_id: int, user_id: int) -> list[SessionSeries]:
    return await series_rows.all(
        db,
        "SELECT * FROM session_series WHERE guild_id = ? AND (lead_id = ? OR created_by = ?)"
        " ORDER BY id",
        (guild_id, user_id, user_id),
    )


async def delete_member_data(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Forget a member: their goals go; series they lead or set up stay, without them."""
    changed = await tx.execute(
        "DELETE FROM session_goals WHERE user_id = ?"
        " AND session_id IN (SELECT id FROM reading_sessions WHERE guild_id = ?)",
        (user_id, guild_id),
    )
    changed += await tx.execute(
        "UPDATE session_series SET lead_id = CASE WHEN lead_id = ? THEN NULL ELSE lead_id END,"
        " created_by = CASE WHEN created_by = ? THEN NULL ELSE created_by END"
        " WHERE guild_id = ? AND (lead_id = ? OR created_by = ?)",
        (user_id, user_id, guild_id, user_id, user_id),
    )
    return changed


async def list_member_ids(db: Db, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT g.user_id FROM session_goals AS g"
        " JOIN reading_sessions AS s ON s.id = g.session_id WHERE s.guild_id = ?",
        (guild_id,),
    )
    return {row[0] for row in rows if row[0]}
