"""SQL of members' grant applications, their private opportunities and grants' decision days."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import from_row, optional_time, to_row
from cogs.grants.applications import Application, Personal
from cogs.grants.logic import format_offsets, read_offsets


def _unix(instant: datetime | None) -> int | None:
    return None if instant is None else to_unix(instant)


# --- a grant's usual decision time --------------------------------------------------------------


async def get_decision_days(db: Database, grant_id: int) -> int | None:
    row = await db.fetchone("SELECT decision_days FROM grants WHERE id = ?", (grant_id,))
    return None if row is None else row["decision_days"]


async def update_decision_days(tx: Transaction, grant_id: int, days: int | None) -> None:
    await tx.execute("UPDATE grants SET decision_days = ? WHERE id = ?", (days, grant_id))


# --- applications -------------------------------------------------------------------------------


def _application(row: sqlite3.Row) -> Application:
    return from_row(
        Application,
        row,
        submitted_at=optional_time,
        decision_at=optional_time,
        next_ask_at=optional_time,
        decided_at=optional_time,
        created_at=from_unix,
        share=bool,
    )


# What a command or a button changes (the rest is fixed when the application is recorded).
_CHANGING = (
    "status",
    "submitted_at",
    "decision_at",
    "amount",
    "share",
    "ask_rev",
    "next_ask_at",
    "decided_at",
)


def _changing(app: Application) -> list[object]:
    row = to_row(
        app, submitted_at=_unix, decision_at=_unix, next_ask_at=_unix, decided_at=_unix, share=int
    )
    return [row[column] for column in _CHANGING]


async def insert_application(tx: Transaction, app: Application, now: datetime) -> Application:
    at = to_unix(now)  # created_at and updated_at
    app_id = await tx.insert(
        "INSERT INTO grant_applications (guild_id, user_id, grant_id, grant_name, status,"
        " submitted_at, decision_at, amount, share, ask_rev, next_ask_at, decided_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (app.guild_id, app.user_id, app.grant_id, app.grant_name, *_changing(app), *[at] * 2),
    )
    row = await tx.fetchone("SELECT * FROM grant_applications WHERE id = ?", (app_id,))
    assert row is not None
    return _application(row)


async def update_application(
    tx: Transaction, app: Application, now: datetime, *, expected: Application | None = None
) -> bool:
    """Store what can change of `app` (by id); with `expected`, only if the row still has its
    status and question number (two presses at once: one wins, the other changes nothing)."""
    guard = (app.status, app.ask_rev) if expected is None else (expected.status, expected.ask_rev)
    changed = await tx.execute(
        "UPDATE grant_applications SET status = ?, submitted_at = ?, decision_at = ?,"
        " amount = ?, share = ?, ask_rev = ?, next_ask_at = ?, decided_at = ?, updated_at = ?"
        " WHERE id = ? AND (? OR (status = ? AND ask_rev = ?))",
        (*_changing(app), to_unix(now), app.id, int(expected is None), *guard),
    )
    return changed == 1


async def get_application(db: Database, app_id: int) -> Application | None:
    row = await db.fetchone("SELECT * FROM grant_applications WHERE id = ?", (app_id,))
    return None if row is None else _application(row)


async def get_latest_application(
    db: Database, guild_id: int, user_id: int, grant_id: int
) -> Application | None:
    """The member's latest application to the grant, if any."""
    row = await db.fetchone(
        "SELECT * FROM grant_applications WHERE guild_id = ? AND user_id = ? AND grant_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (guild_id, user_id, grant_id),
    )
    return None if row is None else _application(row)


async def list_member_applications(db: Database, guild_id: int, user_id: int) -> list[Application]:
    rows = await db.fetchall(
        "SELECT * FROM grant_applications WHERE guild_id = ? AND user_id = ? ORDER BY id DESC",
        (guild_id, user_id),
    )
    return [_application(row) for row in rows]


async def list_applications_since(
    db: Database, guild_id: int, since: datetime
) -> list[Application]:
    """Applications submitted or decided since `since` (for the digest's counts)."""
    rows = await db.fetchall(
        "SELECT * FROM grant_applications WHERE guild_id = ?"
        " AND (submitted_at >= ? OR decided_at >= ?) ORDER BY id",
        (guild_id, to_unix(since), to_unix(since)),
    )
    return [_application(row) for row in rows]


async def list_asking_applications(db: Database) -> list[Application]:
    """Submitted applications with a decision question planned (for the start-up planner)."""
    rows = await db.fetchall(
        "SELECT * FROM grant_applications WHERE status = 'submitted'"
        " AND next_ask_at IS NOT NULL ORDER BY id"
    )
    return [_application(row) for row in rows]


# --- private opportunities ----------------------------------------------------------------------


def _personal(row: sqlite3.Row) -> Personal:
    return from_row(
        Personal, row, {"deadline": "deadline_at"}, deadline=from_unix, offsets=read_offsets
    )


async def insert_personal(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    name: str,
    deadline: datetime,
    zone: str,
    url: str | None,
    offsets: tuple[timedelta, ...],
    now: datetime,
) -> Personal:
    entry_id = await tx.insert(
        "INSERT INTO grant_personal (guild_id, user_id, name, deadline_at, deadline_zone, url,"
        " offsets, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            user_id,
            name,
            to_unix(deadline),
            zone,
            url,
            format_offsets(offsets),
            to_unix(now),
        ),
    )
    row = await tx.fetchone("SELECT * FROM grant_personal WHERE id = ?", (entry_id,))
    assert row is not None
    return _personal(row)


async def get_personal(db: Database, entry_id: int) -> Personal | None:
    row = await db.fetchone("SELECT * FROM grant_personal WHERE id = ?", (entry_id,))
    return None if row is None else _personal(row)


async def list_member_personal(db: Database, guild_id: int, user_id: int) -> list[Personal]:
    rows = await db.fetchall(
        "SELECT * FROM grant_personal WHERE guild_id = ? AND user_id = ? ORDER BY deadline_at",
        (guild_id, user_id),
    )
    return [_personal(row) for row in rows]


async def list_upcoming_personal(db: Database, now: datetime) -> list[Personal]:
    rows = await db.fetchall(
        "SELECT * FROM grant_personal WHERE deadline_at > ? ORDER BY id", (to_unix(now),)
    )
    return [_personal(row) for row in rows]


async def delete_personal(tx: Transaction, guild_id: int, user_id: int, entry_id: int) -> bool:
    changed = await tx.execute(
        "DELETE FROM grant_personal WHERE guild_id = ? AND user_id = ? AND id = ?",
        (guild_id, user_id, entry_id),
    )
    return changed == 1


# --- the member's data --------------------------------------------------------------------------


async def delete_member_data(tx: Transaction, guild_id: int, user_id: int) -> int:
    """/me forget: every application and private opportunity of the member."""
    removed = await tx.execute(
        "DELETE FROM grant_applications WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    removed += await tx.execute(
        "DELETE FROM grant_personal WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return removed


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM grant_applications WHERE guild_id = ?"
        " UNION SELECT user_id FROM grant_personal WHERE guild_id = ?",
        (guild_id, guild_id),
    )
    return {row[0] for row in rows}
