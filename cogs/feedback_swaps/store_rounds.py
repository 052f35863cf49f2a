"""Every SQL statement about feedback rounds: the rounds, their assignments and who went
without, and the give-to-get ledger built from them (store.py has the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import RowReader, changed_one, marks, optional_time
from cogs.feedback_swaps.logic import Ledger


# --- rounds ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    guild_id: int
    slot: str
    started_at: datetime
    reviewers_per_draft: int
    triggered_by: int | None


_round = RowReader(RoundRow, started_at=from_unix)


async def get_round_by_slot(db: Database, guild_id: int, slot: str) -> RoundRow | None:
    return await _round.one(
        db, "SELECT * FROM feedback_rounds WHERE guild_id = ? AND slot = ?", (guild_id, slot)
    )


async def get_round(db: Database, round_id: int) -> RoundRow | None:
    return await _round.one(db, "SELECT * FROM feedback_rounds WHERE id = ?", (round_id,))


async def list_rounds(db: Database, guild_id: int, limit: int) -> list[RoundRow]:
    """The server's latest rounds, newest first."""
    return await _round.all(
        db,
        "SELECT * FROM feedback_rounds WHERE guild_id = ? ORDER BY started_at DESC, id DESC"
        " LIMIT ?",
        (guild_id, limit),
    )


async def insert_round(
    tx: Transaction,
    *,
    guild_id: int,
    slot: str,
    now: datetime,
    reviewers_per_draft: int,
    triggered_by: int | None,
) -> int:
    return await tx.insert(
        "INSERT INTO feedback_rounds (guild_id, slot, started_at, reviewers_per_draft,"
        " triggered_by) VALUES (?, ?, ?, ?, ?)",
        (guild_id, slot, to_unix(now), reviewers_per_draft, triggered_by),
    )


async def list_round_pairs(
    db: Database, round_ids: Sequence[int]
) -> dict[int, list[tuple[int, int]]]:
    """(reviewer, author) pairs that met in each round (declined assignments did not meet)."""
    found: dict[int, list[tuple[int, int]]] = {rid: [] for rid in round_ids}
    if not round_ids:
        return found
    rows = await db.fetchall(
        "SELECT round_id, reviewer_id, author_id FROM feedback_assignments"  # noqa: S608 - placeholders only
        f" WHERE round_id IN ({marks(round_ids)}) AND status != 'cancelled'",
        tuple(round_ids),
    )
    for row in rows:
        found[row["round_id"]].append((row["reviewer_id"], row["author_id"]))
    return found


@dataclass(frozen=True, slots=True)
class UnmatchedRow:
    round_id: int
    draft_id: int
    assigned: int
    missing: int
    reason: str


@dataclass(frozen=True, slots=True)
class IdleRow:
    round_id: int
    user_id: int
    reason: str


async def insert_unmatched(tx: Transaction, row: UnmatchedRow) -> None:
    await tx.execute(
        "INSERT INTO feedback_unmatched (round_id, draft_id, assigned, missing, reason)"
        " VALUES (?, ?, ?, ?, ?)",
        (row.round_id, row.draft_id, row.assigned, row.missing, row.reason),
    )


async def insert_idle(tx: Transaction, row: IdleRow) -> None:
    await tx.execute(
        "INSERT INTO feedback_idle (round_id, user_id, reason) VALUES (?, ?, ?)",
        (row.round_id, row.user_id, row.reason),
    )


_unmatched = RowReader(UnmatchedRow)
_idle = RowReader(IdleRow)


async def list_unmatched(db: Database, round_id: int) -> list[UnmatchedRow]:
    sql = "SELECT * FROM feedback_unmatched WHERE round_id = ? ORDER BY draft_id"
    return await _unmatched.all(db, sql, (round_id,))


async def get_unmatched(db: Database, round_id: int, draft_id: int) -> UnmatchedRow | None:
    sql = "SELECT * FROM feedback_unmatched WHERE round_id = ? AND draft_id = ?"
    return await _unmatched.one(db, sql, (round_id, draft_id))


async def list_idle(db: Database, round_id: int) -> list[IdleRow]:
    sql = "SELECT * FROM feedback_idle WHERE round_id = ? ORDER BY user_id"
    return await _idle.all(db, sql, (round_id,))


async def get_idle(db: Database, round_id: int, user_id: int) -> IdleRow | None:
    sql = "SELECT * FROM feedback_idle WHERE round_id = ? AND user_id = ?"
    return await _idle.one(db, sql, (round_id, user_id))


# --- assignments ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AssignmentRow:
    id: int
    round_id: int
    guild_id: int
    draft_id: int
    reviewer_id: int
    author_id: int
    reason: str
    repeat_rounds_ago: int | None
    due_at: datetime
    status: str
    extensions: int
    sent_at: datetime | None
    received_at: datetime | None
    rating: int | None
    created_at: datetime


_assignment = RowReader(
    AssignmentRow,
    due_at=from_unix,
    sent_at=optional_time,
    received_at=optional_time,
    created_at=from_unix,
)


async def insert_assignment(
    tx: Transaction,
    *,
    round_id: int,
    guild_id: int,
    draft_id: int,
    reviewer_id: int,
    author_id: int,
    reason: str,
    repeat_rounds_ago: int | None,
    due_at: datetime,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO feedback_assignments (round_id, guild_id, draft_id, reviewer_id, author_id,"
        " reason, repeat_rounds_ago, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            round_id,
            guild_id,
            draft_id,
            reviewer_id,
            author_id,
            reason,
            repeat_rounds_ago,
            to_unix(due_at),
            to_unix(now),
        ),
    )


async def get_assignment(db: Database, assignment_id: int) -> AssignmentRow | None:
    return await _assignment.one(
        db, "SELECT * FROM feedback_assignments WHERE id = ?", (assignment_id,)
    )


async def list_round_assignments(db: Database, round_id: int) -> list[AssignmentRow]:
    rows = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE round_id = ? ORDER BY draft_id, reviewer_id",
        (round_id,),
    )
    return [_assignment(r) for r in rows]


async def list_draft_assignments(db: Database, draft_id: int) -> list[AssignmentRow]:
    return await _assignment.all(
        db, "SELECT * FROM feedback_assignments WHERE draft_id = ? ORDER BY id", (draft_id,)
    )


async def list_member_reviews(
    db: Database, guild_id: int, reviewer_id: int, statuses: Sequence[str] = ("active",)
) -> list[AssignmentRow]:
    return await _assignment.all(
        db,
        "SELECT * FROM feedback_assignments WHERE guild_id = ? AND reviewer_id = ?"  # noqa: S608 - placeholders only
        f" AND status IN ({marks(statuses)}) ORDER BY due_at, id",
        (guild_id, reviewer_id, *statuses),
    )


async def list_member_received(db: Database, guild_id: int, author_id: int) -> list[AssignmentRow]:
    """Every review of the member's drafts, in any state."""
    return await _assignment.all(
        db,
        "SELECT * FROM feedback_assignments WHERE guild_id = ? AND author_id = ? ORDER BY id",
        (guild_id, author_id),
    )


async def update_assignment_status(
    tx: Transaction,
    assignment_id: int,
    status: str,
    now: datetime,
    *,
    only_from: Sequence[str] = ("active",),
) -> bool:
    return await changed_one(
        tx,
        "UPDATE feedback_assignments SET status = ?, closed_at = ?"  # noqa: S608 - placeholders only
        f" WHERE id = ? AND status IN ({marks(only_from)})",
        (status, to_unix(now), assignment_id, *only_from),
    )


async def update_assignment_sent(tx: Transaction, assignment_id: int, now: datetime) -> bool:
    """The reviewer says they sent it: done (also after a lapse: late feedback still counts)."""
    return await changed_one(
        tx,
        "UPDATE feedback_assignments SET status = 'done', sent_at = ?, closed_at = ?"
        " WHERE id = ? AND status IN ('active', 'lapsed') AND sent_at IS NULL",
        (to_unix(now), to_unix(now), assignment_id),
    )


async def update_assignment_received(
    tx: Transaction, assignment_id: int, rating: int, now: datetime
) -> bool:
    """The author got the feedback and rated it (a second rating replaces the first)."""
    return await changed_one(
        tx,
        "UPDATE feedback_assignments SET rating = ?, received_at = COALESCE(received_at, ?),"
        " status = CASE WHEN status IN ('active', 'lapsed') THEN 'done' ELSE status END,"
        " closed_at = COALESCE(closed_at, ?)"
        " WHERE id = ? AND status IN ('active', 'lapsed', 'done')",
        (rating, to_unix(now), to_unix(now), assignment_id),
    )


async def update_assignment_extend(
    tx: Transaction, assignment_id: int, due_at: datetime, extensions: int
) -> bool:
    return await changed_one(
        tx,
        "UPDATE feedback_assignments SET due_at = ?, extensions = ?"
        " WHERE id = ? AND status = 'active' AND extensions = ?",
        (to_unix(due_at), extensions, assignment_id, extensions - 1),
    )


async def list_guild_assignment_statuses(
    db: Database, guild_id: int, round_ids: Sequence[int]
) -> list[str]:
    if not round_ids:
        return []
    rows = await db.fetchall(
        "SELECT status FROM feedback_assignments"  # noqa: S608 - placeholders only
        f" WHERE guild_id = ? AND round_id IN ({marks(round_ids)})",
        (guild_id, *round_ids),
    )
    return [row["status"] for row in rows]


# --- the give-to-get ledger -----------------------------------------------------------------
async def get_ledger(db: Database, guild_id: int, user_id: int) -> Ledger:
    # One statement, not three: `/feedback status` runs it with the whole cohort at once.
    row = await db.fetchone(
        "SELECT"
        " (SELECT COUNT(*) FROM feedback_assignments"
        "   WHERE guild_id = :g AND reviewer_id = :u AND status = 'done') AS given,"
        " (SELECT COUNT(*) FROM feedback_assignments"
        "   WHERE guild_id = :g AND author_id = :u AND status = 'done') AS received,"
        " (SELECT group_concat(rating) FROM (SELECT rating FROM feedback_assignments"
        "   WHERE guild_id = :g AND reviewer_id = :u AND rating IS NOT NULL ORDER BY id))"
        "   AS ratings",
        {"g": guild_id, "u": user_id},
    )
    ratings = "" if row is None or row["ratings"] is None else str(row["ratings"])
    return Ledger(
        given=0 if row is None else int(row["given"]),
        received=0 if row is None else int(row["received"]),
        ratings=tuple(int(r) for r in ratings.split(",") if r),
    )


async def list_balances(db: Database, guild_id: int) -> dict[int, int]:
    """Member -> reviews received minus given, over the server's history."""
    rows = await db.fetchall(
        "SELECT member, SUM(delta) AS balance FROM ("
        " SELECT author_id AS member, 1 AS delta FROM feedback_assignments"
        "  WHERE guild_id = ? AND status = 'done'"
        " UNION ALL"
        " SELECT reviewer_id AS member, -1 AS delta FROM feedback_assignments"
        "  WHERE guild_id = ? AND status = 'done'"
        ") GROUP BY member",
        (guild_id, guild_id),
    )
    return {row["member"]: int(row["balance"]) for row in rows}


async def count_round_statuses(db: Database, round_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    if not round_ids:
        return found
    rows = await db.fetchall(
        "SELECT round_id, status, COUNT(*) AS n FROM feedback_assignments"  # noqa: S608 - placeholders only
        f" WHERE round_id IN ({marks(round_ids)}) GROUP BY round_id, status",
        tuple(round_ids),
    )
    for row in rows:
        found.setdefault(row["round_id"], {})[row["status"]] = int(row["n"])
    return found


async def list_active_on_member(db: Database, guild_id: int, user_id: int) -> list[AssignmentRow]:
    """Active reviews the member gives or receives (forgetting them ends these)."""
    rows = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE guild_id = ? AND status = 'active'"
        " AND (reviewer_id = ? OR author_id = ?) ORDER BY id",
        (guild_id, user_id, user_id),
    )
    return [_assignment(r) for r in rows]
