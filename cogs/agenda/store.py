"""Every SQL statement of the research agenda, returning dataclasses. Times are unix seconds."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import from_row, upsert
from cogs.agenda.logic import Agenda


@dataclass(frozen=True)
class Version:
    """One saved version of a member's agenda in one server."""

    guild_id: int
    user_id: int
    version: int
    problems: str
    approach: str
    change_mind: str
    success: str
    blank_slate: bool
    saved_at: datetime

    @property
    def agenda(self) -> Agenda:
        return Agenda(self.problems, self.approach, self.change_mind, self.success)


def _version(row: sqlite3.Row) -> Version:
    return from_row(Version, row, blank_slate=bool, saved_at=from_unix)


async def get_current(db: Database | Transaction, guild_id: int, user_id: int) -> Version | None:
    row = await db.fetchone(
        "SELECT * FROM agenda_versions WHERE guild_id = ? AND user_id = ?"
        " ORDER BY version DESC LIMIT 1",
        (guild_id, user_id),
    )
    return None if row is None else _version(row)


async def list_versions(db: Database, guild_id: int, user_id: int) -> list[Version]:
    """Every version, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM agenda_versions WHERE guild_id = ? AND user_id = ? ORDER BY version",
        (guild_id, user_id),
    )
    return [_version(row) for row in rows]


async def insert_version(
    tx: Transaction,
    guild_id: int,
    user_id: int,
    agenda: Agenda,
    *,
    blank_slate: bool,
    now: datetime,
) -> int:
    """Save `agenda` as the member's next version; returns its number."""
    row = await tx.fetchone(
        "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM agenda_versions"
        " WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    assert row is not None
    version = int(row["next"])
    await tx.execute(
        "INSERT INTO agenda_versions (guild_id, user_id, version, problems, approach,"
        " change_mind, success, blank_slate, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, version, *agenda.texts(), int(blank_slate), to_unix(now)),
    )
    return version


async def get_private(db: Database, guild_id: int, user_id: int) -> bool:
    """Whether the member keeps their agenda private (default: shared with the cohort)."""
    row = await db.fetchone(
        "SELECT private FROM agenda_privacy WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return bool(row["private"]) if row is not None else False


async def upsert_privacy(
    tx: Transaction, guild_id: int, user_id: int, *, private: bool, now: datetime
) -> None:
    await upsert(
        tx,
        "agenda_privacy",
        {
            "guild_id": guild_id,
            "user_id": user_id,
            "private": int(private),
            "updated_at": to_unix(now),
        },
        key=("guild_id", "user_id"),
    )


async def delete_member_data(tx: Transaction, guild_id: int, user_id: int) -> int:
    removed = await tx.execute(
        "DELETE FROM agenda_versions WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return removed + await tx.execute(
        "DELETE FROM agenda_privacy WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM agenda_versions WHERE guild_id = ?"
        " UNION SELECT user_id FROM agenda_privacy WHERE guild_id = ?",
        (guild_id, guild_id),
    )
    return {row["user_id"] for row in rows}


async def count_members_with_agenda(db: Database, guild_id: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(DISTINCT user_id) AS n FROM agenda_versions WHERE guild_id = ?",
        (guild_id,),
    )
    return int(row["n"]) if row is not None else 0
