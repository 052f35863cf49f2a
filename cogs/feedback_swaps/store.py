"""Every SQL statement of feedback swaps, returning dataclasses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from cogs.feedback_swaps.logic import DEFAULT_REPEAT_WINDOW
from cogs.feedback_swaps.rules import (
    DEFAULT_DRAFT_LIMIT,
    DEFAULT_REVIEWERS_PER_DRAFT,
    DEFAULT_TOPICS,
    Ledger,
)

OPEN_STATES = ("open", "in_review")


# --- settings -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FeedbackSettings:
    guild_id: int
    enabled: bool = False
    channel_id: int | None = None
    cadence: str = "weekly"
    weekday: int = 0
    round_time: str = "10:00"
    anchor_date: str | None = None
    reviewers_per_draft: int = DEFAULT_REVIEWERS_PER_DRAFT
    repeat_window: int = DEFAULT_REPEAT_WINDOW
    draft_limit: int = DEFAULT_DRAFT_LIMIT
    topics: tuple[str, ...] = DEFAULT_TOPICS

    def with_changes(self, **changes: Any) -> FeedbackSettings:
        return replace(self, **changes)


async def get_settings(db: Database, guild_id: int) -> FeedbackSettings:
    row = await db.fetchone("SELECT * FROM feedback_settings WHERE guild_id = ?", (guild_id,))
    if row is None:
        return FeedbackSettings(guild_id)
    return FeedbackSettings(
        guild_id=row["guild_id"],
        enabled=bool(row["enabled"]),
        channel_id=row["channel_id"],
        cadence=row["cadence"],
        weekday=row["weekday"],
        round_time=row["round_time"],
        anchor_date=row["anchor_date"],
        reviewers_per_draft=row["reviewers_per_draft"],
        repeat_window=row["repeat_window"],
        draft_limit=row["draft_limit"],
        topics=tuple(json.loads(row["topics"])) if row["topics"] else DEFAULT_TOPICS,
    )


async def upsert_settings(tx: Transaction, s: FeedbackSettings, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO feedback_settings (guild_id, enabled, channel_id, cadence, weekday,"
        " round_time, anchor_date, reviewers_per_draft, repeat_window, draft_limit, topics,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled,"
        " channel_id = excluded.channel_id, cadence = excluded.cadence,"
        " weekday = excluded.weekday, round_time = excluded.round_time,"
        " anchor_date = excluded.anchor_date,"
        " reviewers_per_draft = excluded.reviewers_per_draft,"
        " repeat_window = excluded.repeat_window, draft_limit = excluded.draft_limit,"
        " topics = excluded.topics, updated_at = excluded.updated_at",
        (
            s.guild_id,
            int(s.enabled),
            s.channel_id,
            s.cadence,
            s.weekday,
            s.round_time,
            s.anchor_date,
            s.reviewers_per_draft,
            s.repeat_window,
            s.draft_limit,
            json.dumps(list(s.topics), ensure_ascii=False),
            to_unix(now),
        ),
    )


async def list_enabled_guild_ids(db: Database) -> list[int]:
    rows = await db.fetchall(
        "SELECT guild_id FROM feedback_settings WHERE enabled = 1 ORDER BY guild_id"
    )
    return [row["guild_id"] for row in rows]


# --- drafts ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DraftRow:
    id: int
    guild_id: int
    author_id: int
    title: str
    link: str
    wanted: str
    length: str
    topics: tuple[str, ...]
    due_at: datetime
    status: str
    carried_rounds: int
    created_at: datetime


def _draft(row: sqlite3.Row) -> DraftRow:
    return DraftRow(
        id=row["id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        title=row["title"],
        link=row["link"],
        wanted=row["wanted"],
        length=row["length"],
        topics=tuple(json.loads(row["topics"])),
        due_at=from_unix(row["due_at"]),
        status=row["status"],
        carried_rounds=row["carried_rounds"],
        created_at=from_unix(row["created_at"]),
    )


async def insert_draft(
    tx: Transaction,
    *,
    guild_id: int,
    author_id: int,
    title: str,
    link: str,
    wanted: str,
    length: str,
    topics: Sequence[str],
    due_at: datetime,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO feedback_drafts (guild_id, author_id, title, link, wanted, length, topics,"
        " due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            author_id,
            title,
            link,
            wanted,
            length,
            json.dumps(list(topics), ensure_ascii=False),
            to_unix(due_at),
            to_unix(now),
            to_unix(now),
        ),
    )


async def get_draft(db: Database, draft_id: int) -> DraftRow | None:
    row = await db.fetchone("SELECT * FROM feedback_drafts WHERE id = ?", (draft_id,))
    return None if row is None else _draft(row)


async def list_member_drafts(
    db: Database, guild_id: int, author_id: int, statuses: Sequence[str] = OPEN_STATES
) -> list[DraftRow]:
    marks = ",".join("?" * len(statuses))
    rows = await db.fetchall(
        f"SELECT * FROM feedback_drafts WHERE guild_id = ? AND author_id = ?"  # noqa: S608 - placeholders only
        f" AND status IN ({marks}) ORDER BY id",
        (guild_id, author_id, *statuses),
    )
    return [_draft(r) for r in rows]


async def list_drafts(
    db: Database, guild_id: int, statuses: Sequence[str] = ("open",)
) -> list[DraftRow]:
    marks = ",".join("?" * len(statuses))
    rows = await db.fetchall(
        f"SELECT * FROM feedback_drafts WHERE guild_id = ? AND status IN ({marks})"  # noqa: S608 - placeholders only
        " ORDER BY id",
        (guild_id, *statuses),
    )
    return [_draft(r) for r in rows]


async def list_drafts_by_id(db: Database, draft_ids: Sequence[int]) -> dict[int, DraftRow]:
    if not draft_ids:
        return {}
    marks = ",".join("?" * len(draft_ids))
    rows = await db.fetchall(
        f"SELECT * FROM feedback_drafts WHERE id IN ({marks})",  # noqa: S608 - placeholders only
        tuple(draft_ids),
    )
    return {row["id"]: _draft(row) for row in rows}


async def update_draft_status(
    tx: Transaction,
    draft_id: int,
    status: str,
    now: datetime,
    *,
    only_from: Sequence[str] = OPEN_STATES,
    carried_rounds: int | None = None,
) -> bool:
    """Move a draft to `status` if it is in one of `only_from`; True if it moved."""
    marks = ",".join("?" * len(only_from))
    changed = await tx.execute(
        "UPDATE feedback_drafts SET status = ?, updated_at = ?,"  # noqa: S608 - placeholders only
        " carried_rounds = COALESCE(?, carried_rounds)"
        f" WHERE id = ? AND status IN ({marks})",
        (status, to_unix(now), carried_rounds, draft_id, *only_from),
    )
    return changed == 1


# --- reviewers ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReviewerRow:
    guild_id: int
    user_id: int
    topics: tuple[str, ...]
    per_round: int
    active: bool
    paused_until: datetime | None
    paused_reason: str | None
    lapses: int

    def available(self, now: datetime) -> bool:
        """In the pool and not paused (a pause for lapses lasts until they rejoin)."""
        if not self.active or self.paused_reason == "lapses":
            return False
        return self.paused_until is None or self.paused_until <= now


def _reviewer(row: sqlite3.Row) -> ReviewerRow:
    return ReviewerRow(
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        topics=tuple(json.loads(row["topics"])),
        per_round=row["per_round"],
        active=bool(row["active"]),
        paused_until=None if row["paused_until"] is None else from_unix(row["paused_until"]),
        paused_reason=row["paused_reason"],
        lapses=row["lapses"],
    )


async def get_reviewer(db: Database, guild_id: int, user_id: int) -> ReviewerRow | None:
    row = await db.fetchone(
        "SELECT * FROM feedback_reviewers WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return None if row is None else _reviewer(row)


async def upsert_reviewer_join(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    topics: Sequence[str],
    per_round: int,
    now: datetime,
) -> None:
    """Join (or rejoin) the pool: active, not paused, lapse count reset."""
    await tx.execute(
        "INSERT INTO feedback_reviewers (guild_id, user_id, topics, per_round, active,"
        " joined_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET topics = excluded.topics,"
        " per_round = excluded.per_round, active = 1, paused_until = NULL,"
        " paused_reason = NULL, lapses = 0, updated_at = excluded.updated_at",
        (
            guild_id,
            user_id,
            json.dumps(list(topics), ensure_ascii=False),
            per_round,
            to_unix(now),
            to_unix(now),
        ),
    )


async def update_reviewer_leave(
    tx: Transaction, guild_id: int, user_id: int, now: datetime
) -> bool:
    changed = await tx.execute(
        "UPDATE feedback_reviewers SET active = 0, paused_until = NULL, paused_reason = NULL,"
        " updated_at = ? WHERE guild_id = ? AND user_id = ? AND active = 1",
        (to_unix(now), guild_id, user_id),
    )
    return changed == 1


async def update_reviewer_pause(
    tx: Transaction,
    guild_id: int,
    user_id: int,
    *,
    until: datetime | None,
    reason: str | None,
    now: datetime,
) -> bool:
    changed = await tx.execute(
        "UPDATE feedback_reviewers SET paused_until = ?, paused_reason = ?, updated_at = ?"
        " WHERE guild_id = ? AND user_id = ? AND active = 1",
        (None if until is None else to_unix(until), reason, to_unix(now), guild_id, user_id),
    )
    return changed == 1


async def update_reviewer_lapse(
    tx: Transaction, guild_id: int, user_id: int, now: datetime
) -> int | None:
    """Count one lapse; returns the new count (None when they are not in the pool)."""
    changed = await tx.execute(
        "UPDATE feedback_reviewers SET lapses = lapses + 1, updated_at = ?"
        " WHERE guild_id = ? AND user_id = ?",
        (to_unix(now), guild_id, user_id),
    )
    if changed != 1:
        return None
    row = await tx.fetchone(
        "SELECT lapses FROM feedback_reviewers WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None else int(row["lapses"])


async def list_reviewers(db: Database, guild_id: int) -> list[ReviewerRow]:
    rows = await db.fetchall(
        "SELECT * FROM feedback_reviewers WHERE guild_id = ? AND active = 1 ORDER BY user_id",
        (guild_id,),
    )
    return [_reviewer(r) for r in rows]


# --- avoid lists ----------------------------------------------------------------------------
async def insert_avoid(
    tx: Transaction, guild_id: int, user_id: int, avoided_id: int, now: datetime
) -> bool:
    changed = await tx.execute(
        "INSERT INTO feedback_avoid (guild_id, user_id, avoided_id, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (guild_id, user_id, avoided_id, to_unix(now)),
    )
    return changed == 1


async def delete_avoid(tx: Transaction, guild_id: int, user_id: int, avoided_id: int) -> bool:
    changed = await tx.execute(
        "DELETE FROM feedback_avoid WHERE guild_id = ? AND user_id = ? AND avoided_id = ?",
        (guild_id, user_id, avoided_id),
    )
    return changed == 1


async def list_avoid_pairs(db: Database, guild_id: int) -> list[tuple[int, int]]:
    rows = await db.fetchall(
        "SELECT user_id, avoided_id FROM feedback_avoid WHERE guild_id = ?", (guild_id,)
    )
    return [(row["user_id"], row["avoided_id"]) for row in rows]


async def count_member_avoids(db: Database, guild_id: int, user_id: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM feedback_avoid WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return 0 if row is None else int(row["n"])


# --- rounds ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    guild_id: int
    slot: str
    started_at: datetime
    reviewers_per_draft: int
    triggered_by: int | None


def _round(row: sqlite3.Row) -> RoundRow:
    return RoundRow(
        id=row["id"],
        guild_id=row["guild_id"],
        slot=row["slot"],
        started_at=from_unix(row["started_at"]),
        reviewers_per_draft=row["reviewers_per_draft"],
        triggered_by=row["triggered_by"],
    )


async def get_round_by_slot(db: Database, guild_id: int, slot: str) -> RoundRow | None:
    row = await db.fetchone(
        "SELECT * FROM feedback_rounds WHERE guild_id = ? AND slot = ?", (guild_id, slot)
    )
    return None if row is None else _round(row)


async def get_round(db: Database, round_id: int) -> RoundRow | None:
    row = await db.fetchone("SELECT * FROM feedback_rounds WHERE id = ?", (round_id,))
    return None if row is None else _round(row)


async def list_rounds(db: Database, guild_id: int, limit: int) -> list[RoundRow]:
    """The server's latest rounds, newest first."""
    rows = await db.fetchall(
        "SELECT * FROM feedback_rounds WHERE guild_id = ? ORDER BY started_at DESC, id DESC"
        " LIMIT ?",
        (guild_id, limit),
    )
    return [_round(r) for r in rows]


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
    marks = ",".join("?" * len(round_ids))
    rows = await db.fetchall(
        "SELECT round_id, reviewer_id, author_id FROM feedback_assignments"  # noqa: S608 - placeholders only
        f" WHERE round_id IN ({marks}) AND status != 'cancelled'",
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


async def list_unmatched(db: Database, round_id: int) -> list[UnmatchedRow]:
    rows = await db.fetchall(
        "SELECT * FROM feedback_unmatched WHERE round_id = ? ORDER BY draft_id", (round_id,)
    )
    return [
        UnmatchedRow(r["round_id"], r["draft_id"], r["assigned"], r["missing"], r["reason"])
        for r in rows
    ]


async def get_unmatched(db: Database, round_id: int, draft_id: int) -> UnmatchedRow | None:
    r = await db.fetchone(
        "SELECT * FROM feedback_unmatched WHERE round_id = ? AND draft_id = ?",
        (round_id, draft_id),
    )
    if r is None:
        return None
    return UnmatchedRow(r["round_id"], r["draft_id"], r["assigned"], r["missing"], r["reason"])


async def list_idle(db: Database, round_id: int) -> list[IdleRow]:
    rows = await db.fetchall(
        "SELECT * FROM feedback_idle WHERE round_id = ? ORDER BY user_id", (round_id,)
    )
    return [IdleRow(r["round_id"], r["user_id"], r["reason"]) for r in rows]


async def get_idle(db: Database, round_id: int, user_id: int) -> IdleRow | None:
    r = await db.fetchone(
        "SELECT * FROM feedback_idle WHERE round_id = ? AND user_id = ?", (round_id, user_id)
    )
    return None if r is None else IdleRow(r["round_id"], r["user_id"], r["reason"])


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


def _assignment(row: sqlite3.Row) -> AssignmentRow:
    def when(column: str) -> datetime | None:
        value = row[column]
        return None if value is None else from_unix(value)

    return AssignmentRow(
        id=row["id"],
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        draft_id=row["draft_id"],
        reviewer_id=row["reviewer_id"],
        author_id=row["author_id"],
        reason=row["reason"],
        repeat_rounds_ago=row["repeat_rounds_ago"],
        due_at=from_unix(row["due_at"]),
        status=row["status"],
        extensions=row["extensions"],
        sent_at=when("sent_at"),
        received_at=when("received_at"),
        rating=row["rating"],
        created_at=from_unix(row["created_at"]),
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
    row = await db.fetchone("SELECT * FROM feedback_assignments WHERE id = ?", (assignment_id,))
    return None if row is None else _assignment(row)


async def list_round_assignments(db: Database, round_id: int) -> list[AssignmentRow]:
    rows = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE round_id = ? ORDER BY draft_id, reviewer_id",
        (round_id,),
    )
    return [_assignment(r) for r in rows]


async def list_draft_assignments(db: Database, draft_id: int) -> list[AssignmentRow]:
    rows = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE draft_id = ? ORDER BY id", (draft_id,)
    )
    return [_assignment(r) for r in rows]


async def list_member_reviews(
    db: Database, guild_id: int, reviewer_id: int, statuses: Sequence[str] = ("active",)
) -> list[AssignmentRow]:
    marks = ",".join("?" * len(statuses))
    rows = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE guild_id = ? AND reviewer_id = ?"  # noqa: S608 - placeholders only
        f" AND status IN ({marks}) ORDER BY due_at, id",
        (guild_id, reviewer_id, *statuses),
    )
    return [_assignment(r) for r in rows]


async def update_assignment_status(
    tx: Transaction,
    assignment_id: int,
    status: str,
    now: datetime,
    *,
    only_from: Sequence[str] = ("active",),
) -> bool:
    marks = ",".join("?" * len(only_from))
    changed = await tx.execute(
        "UPDATE feedback_assignments SET status = ?, closed_at = ?"  # noqa: S608 - placeholders only
        f" WHERE id = ? AND status IN ({marks})",
        (status, to_unix(now), assignment_id, *only_from),
    )
    return changed == 1


async def update_assignment_sent(tx: Transaction, assignment_id: int, now: datetime) -> bool:
    """The reviewer says they sent it: done (also after a lapse: late feedback still counts)."""
    changed = await tx.execute(
        "UPDATE feedback_assignments SET status = 'done', sent_at = ?, closed_at = ?"
        " WHERE id = ? AND status IN ('active', 'lapsed') AND sent_at IS NULL",
        (to_unix(now), to_unix(now), assignment_id),
    )
    return changed == 1


async def update_assignment_received(
    tx: Transaction, assignment_id: int, rating: int, now: datetime
) -> bool:
    """The author got the feedback and rated it (a second rating replaces the first)."""
    changed = await tx.execute(
        "UPDATE feedback_assignments SET rating = ?, received_at = COALESCE(received_at, ?),"
        " status = CASE WHEN status IN ('active', 'lapsed') THEN 'done' ELSE status END,"
        " closed_at = COALESCE(closed_at, ?)"
        " WHERE id = ? AND status IN ('active', 'lapsed', 'done')",
        (rating, to_unix(now), to_unix(now), assignment_id),
    )
    return changed == 1


async def update_assignment_extend(
    tx: Transaction, assignment_id: int, due_at: datetime, extensions: int
) -> bool:
    changed = await tx.execute(
        "UPDATE feedback_assignments SET due_at = ?, extensions = ?"
        " WHERE id = ? AND status = 'active' AND extensions = ?",
        (to_unix(due_at), extensions, assignment_id, extensions - 1),
    )
    return changed == 1


async def list_guild_assignment_statuses(
    db: Database, guild_id: int, round_ids: Sequence[int]
) -> list[str]:
    if not round_ids:
        return []
    marks = ",".join("?" * len(round_ids))
    rows = await db.fetchall(
        f"SELECT status FROM feedback_assignments WHERE guild_id = ? AND round_id IN ({marks})",  # noqa: S608 - placeholders only
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


# --- private threads for closed DMs ---------------------------------------------------------
async def get_thread_id(db: Database, guild_id: int, user_id: int) -> int | None:
    row = await db.fetchone(
        "SELECT thread_id FROM feedback_threads WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None else int(row["thread_id"])


async def upsert_thread(
    db: Database, guild_id: int, user_id: int, thread_id: int, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO feedback_threads (guild_id, user_id, thread_id, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " thread_id = excluded.thread_id, created_at = excluded.created_at",
        (guild_id, user_id, thread_id, to_unix(now)),
    )


async def delete_thread(db: Database, guild_id: int, user_id: int) -> None:
    await db.execute(
        "DELETE FROM feedback_threads WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )


# --- server-wide tools: export, forget, reset -------------------------------------------------
async def delete_settings(tx: Transaction, guild_id: int) -> None:
    await tx.execute("DELETE FROM feedback_settings WHERE guild_id = ?", (guild_id,))


async def count_round_statuses(db: Database, round_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    if not round_ids:
        return found
    marks = ",".join("?" * len(round_ids))
    rows = await db.fetchall(
        "SELECT round_id, status, COUNT(*) AS n FROM feedback_assignments"  # noqa: S608 - placeholders only
        f" WHERE round_id IN ({marks}) GROUP BY round_id, status",
        tuple(round_ids),
    )
    for row in rows:
        found.setdefault(row["round_id"], {})[row["status"]] = int(row["n"])
    return found


async def export_member(db: Database, guild_id: int, user_id: int) -> dict[str, Any]:
    """Everything feedback swaps hold about a member (their avoid list is theirs to see)."""
    drafts = await list_member_drafts(
        db, guild_id, user_id, ("open", "in_review", "closed", "withdrawn", "expired")
    )
    reviewer = await get_reviewer(db, guild_id, user_id)
    avoided = await db.fetchall(
        "SELECT avoided_id FROM feedback_avoid WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    given = await list_member_reviews(
        db, guild_id, user_id, ("active", "done", "cancelled", "lapsed", "withdrawn")
    )
    received = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE guild_id = ? AND author_id = ? ORDER BY id",
        (guild_id, user_id),
    )
    ledger = await get_ledger(db, guild_id, user_id)

    def review(a: AssignmentRow) -> dict[str, Any]:
        return {
            "draft_id": a.draft_id,
            "reviewer_id": str(a.reviewer_id),
            "author_id": str(a.author_id),
            "status": a.status,
            "due_at": a.due_at.isoformat(),
            "reason": a.reason,
            "rating": a.rating,
        }

    return {
        "drafts": [
            {
                "id": d.id,
                "title": d.title,
                "link": d.link,
                "wanted": d.wanted,
                "length": d.length,
                "topics": list(d.topics),
                "due_at": d.due_at.isoformat(),
                "status": d.status,
            }
            for d in drafts
        ],
        "reviewer": None
        if reviewer is None
        else {
            "in_pool": reviewer.active,
            "topics": list(reviewer.topics),
            "per_round": reviewer.per_round,
            "paused_until": reviewer.paused_until.isoformat() if reviewer.paused_until else None,
            "paused_reason": reviewer.paused_reason,
            "lapses": reviewer.lapses,
        },
        "avoid_list": [str(r["avoided_id"]) for r in avoided],
        "reviews_given": [review(a) for a in given],
        "reviews_received": [review(_assignment(r)) for r in received],
        "ledger": {
            "given": ledger.given,
            "received": ledger.received,
            "average_rating": ledger.average_rating,
        },
    }


FORGOTTEN_TITLE = "(a deleted draft)"


async def list_active_on_member(db: Database, guild_id: int, user_id: int) -> list[AssignmentRow]:
    """Active reviews the member gives or receives (forgetting them ends these)."""
    rows = await db.fetchall(
        "SELECT * FROM feedback_assignments WHERE guild_id = ? AND status = 'active'"
        " AND (reviewer_id = ? OR author_id = ?) ORDER BY id",
        (guild_id, user_id, user_id),
    )
    return [_assignment(r) for r in rows]


async def forget_member(
    tx: Transaction, guild_id: int, user_id: int, now: datetime, round_kind: str
) -> int:
    """Delete the member's rows; reviews shared with others stay as counts, with the member's
    id replaced by 0 and their text removed, so other members' ledgers do not change."""
    stamp = to_unix(now)
    changed = 0
    changed += await tx.execute(
        "UPDATE feedback_assignments SET status = 'withdrawn', closed_at = ?"
        " WHERE guild_id = ? AND author_id = ? AND status = 'active'",
        (stamp, guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE feedback_assignments SET status = 'cancelled', closed_at = ?"
        " WHERE guild_id = ? AND reviewer_id = ? AND status = 'active'",
        (stamp, guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE feedback_assignments SET reviewer_id = 0, reason = ''"
        " WHERE guild_id = ? AND reviewer_id = ?",
        (guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE feedback_assignments SET author_id = 0 WHERE guild_id = ? AND author_id = ?",
        (guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE feedback_drafts SET author_id = 0, title = ?, link = '', wanted = '',"
        " length = '', topics = '[]', updated_at = ?,"
        " status = CASE WHEN status IN ('open', 'in_review') THEN 'withdrawn' ELSE status END"
        " WHERE guild_id = ? AND author_id = ?",
        (FORGOTTEN_TITLE, stamp, guild_id, user_id),
    )
    for sql in (
        "DELETE FROM feedback_reviewers WHERE guild_id = ? AND user_id = ?",
        # Only their own list: an entry naming them is the other member's data, and keeps
        # that member from being paired with them if they come back.
        "DELETE FROM feedback_avoid WHERE guild_id = ? AND user_id = ?",
        "DELETE FROM feedback_threads WHERE guild_id = ? AND user_id = ?",
        "DELETE FROM feedback_idle WHERE user_id = ?"
        " AND round_id IN (SELECT id FROM feedback_rounds WHERE guild_id = ?)",
    ):
        params: tuple[int, ...]
        if sql.startswith("DELETE FROM feedback_idle"):
            params = (user_id, guild_id)
        else:
            params = (guild_id, user_id)
        changed += await tx.execute(sql, params)
    # A moderator's match-now: the round and its occurrence stay (others' reviews hang on
    # them), without who ran it.
    changed += await tx.execute(
        "UPDATE feedback_rounds SET triggered_by = NULL WHERE guild_id = ? AND triggered_by = ?",
        (guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE deliveries SET payload = json_remove(payload, '$.by')"
        " WHERE guild_id = ? AND kind = ? AND json_extract(payload, '$.by') = ?",
        (guild_id, round_kind, user_id),
    )
    return changed


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    """Members with data of their own here (departures are reconciled against it)."""
    rows = await db.fetchall(
        "SELECT user_id FROM feedback_reviewers WHERE guild_id = ?"
        " UNION SELECT user_id FROM feedback_avoid WHERE guild_id = ?"
        " UNION SELECT user_id FROM feedback_threads WHERE guild_id = ?"
        " UNION SELECT author_id FROM feedback_drafts WHERE guild_id = ?"
        " UNION SELECT reviewer_id FROM feedback_assignments WHERE guild_id = ?",
        (guild_id,) * 5,
    )
    return {row[0] for row in rows if row[0]}
