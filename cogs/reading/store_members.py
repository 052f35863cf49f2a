"""One member's reading-group data: what /me export shows and /me forget clears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from bot import ledger
from bot.clock import from_unix
from bot.db import Transaction
from cogs.reading.logic import Choice
from cogs.reading.store import Db, ReadingItem, item_rows
from cogs.reading.store_polls import Poll, poll_rows
from cogs.reading.store_sessions import ReadingSession, session_rows

# --- one member's data (export, forget) ----------------------------------------------------


@dataclass(frozen=True)
class MemberRsvp:
    session: ReadingSession
    choice: Choice
    updated_at: datetime


@dataclass(frozen=True)
class MemberVote:
    poll_id: int
    position: int
    starts_at: datetime
    poll_status: str
    closes_at: datetime


async def list_items_added_by(db: Db, guild_id: int, user_id: int) -> list[ReadingItem]:
    return await item_rows.all(
        db,
        "SELECT * FROM reading_items WHERE guild_id = ? AND added_by = ? ORDER BY position, id",
        (guild_id, user_id),
    )


async def list_member_rsvps(db: Db, guild_id: int, user_id: int) -> list[MemberRsvp]:
    rows = await db.fetchall(
        "SELECT s.*, r.choice AS rsvp_choice, r.updated_at AS rsvp_updated_at"
        " FROM reading_rsvps AS r JOIN reading_sessions AS s ON s.id = r.session_id"
        " WHERE s.guild_id = ? AND r.user_id = ? ORDER BY s.starts_at, s.id",
        (guild_id, user_id),
    )
    return [
        MemberRsvp(
            session_rows(row),
            cast(Choice, row["rsvp_choice"]),
            from_unix(row["rsvp_updated_at"]),
        )
        for row in rows
    ]


async def list_member_votes(db: Db, guild_id: int, user_id: int) -> list[MemberVote]:
    rows = await db.fetchall(
        "SELECT v.poll_id, v.position, o.starts_at, p.status, p.closes_at"
        " FROM reading_poll_votes AS v JOIN reading_polls AS p ON p.id = v.poll_id"
        " JOIN reading_poll_options AS o ON o.poll_id = v.poll_id AND o.position = v.position"
        " WHERE p.guild_id = ? AND v.user_id = ? ORDER BY v.poll_id, v.position",
        (guild_id, user_id),
    )
    return [
        MemberVote(
            row["poll_id"],
            row["position"],
            from_unix(row["starts_at"]),
            row["status"],
            from_unix(row["closes_at"]),
        )
        for row in rows
    ]


async def list_sessions_of_member(db: Db, guild_id: int, user_id: int) -> list[ReadingSession]:
    """Sessions the member leads (or led) or created."""
    rows = await db.fetchall(
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND (lead_id = ? OR created_by = ?)"
        " ORDER BY starts_at, id",
        (guild_id, user_id, user_id),
    )
    return [session_rows(row) for row in rows]


async def list_polls_of_member(db: Db, guild_id: int, user_id: int) -> list[Poll]:
    """Polls the member opened or was named lead of."""
    return await poll_rows.all(
        db,
        "SELECT * FROM reading_polls WHERE guild_id = ? AND (created_by = ? OR lead_id = ?)"
        " ORDER BY id",
        (guild_id, user_id, user_id),
    )


async def delete_member_data(
    tx: Transaction, guild_id: int, user_id: int, former_member: int
) -> int:
    """Forget a member: their RSVPs and votes go; what the group shares stays, without them.

    Readings they added and polls they opened keep `former_member` as author; sessions they
    led or created lose the lead / creator. Returns how many rows changed.
    """
    changed = await tx.execute(
        "DELETE FROM reading_rsvps WHERE user_id = ?"
        " AND session_id IN (SELECT id FROM reading_sessions WHERE guild_id = ?)",
        (user_id, guild_id),
    )
    changed += await tx.execute(
        "DELETE FROM reading_poll_votes WHERE user_id = ?"
        " AND poll_id IN (SELECT id FROM reading_polls WHERE guild_id = ?)",
        (user_id, guild_id),
    )
    changed += await tx.execute(
        "UPDATE reading_items SET added_by = ? WHERE guild_id = ? AND added_by = ?",
        (former_member, guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE reading_sessions SET lead_id = CASE WHEN lead_id = ? THEN NULL ELSE lead_id END,"
        " created_by = CASE WHEN created_by = ? THEN NULL ELSE created_by END"
        " WHERE guild_id = ? AND (lead_id = ? OR created_by = ?)",
        (user_id, user_id, guild_id, user_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE reading_polls SET lead_id = CASE WHEN lead_id = ? THEN NULL ELSE lead_id END,"
        " created_by = CASE WHEN created_by = ? THEN ? ELSE created_by END"
        " WHERE guild_id = ? AND (lead_id = ? OR created_by = ?)",
        (user_id, user_id, former_member, guild_id, user_id, user_id),
    )
    return changed


# The names of jobs.REMINDER_MEMBER and jobs.CANCEL_MEMBER (this module sits below jobs.py).
MEMBER_KINDS = ("reading-reminder-member", "reading-cancel-member")


async def delete_member_occurrences(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Per-member sends recorded before the ledger kept their member (no `user_id`), which the
    core's forget cannot find: found by the member named in their payload."""
    return await ledger.delete_by_payload_member(tx, guild_id, MEMBER_KINDS, "user", user_id)


async def list_member_ids(db: Db, guild_id: int) -> set[int]:
    """Members with data of their own here (departures are reconciled against it)."""
    rows = await db.fetchall(
        "SELECT r.user_id FROM reading_rsvps AS r"
        " JOIN reading_sessions AS s ON s.id = r.session_id WHERE s.guild_id = ?"
        " UNION SELECT v.user_id FROM reading_poll_votes AS v"
        " JOIN reading_polls AS p ON p.id = v.poll_id WHERE p.guild_id = ?",
        (guild_id, guild_id),
    )
    return {row[0] for row in rows if row[0]}
