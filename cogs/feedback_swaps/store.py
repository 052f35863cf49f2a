"""Every SQL statement of feedback swaps about settings, drafts, the reviewer pool, avoid
lists and private threads, returning dataclasses.

The rounds and their assignments are in store_rounds.py; one member's export and forgetting
in store_members.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import (
    RowReader,
    changed_one,
    from_row,
    get_guild_settings,
    marks,
    optional_time,
    to_row,
    upsert,
)
from cogs.feedback_swaps.logic import (
    DEFAULT_DRAFT_LIMIT,
    DEFAULT_REVIEWERS_PER_DRAFT,
    DEFAULT_TOPICS,
)
from cogs.feedback_swaps.matching import DEFAULT_REPEAT_WINDOW

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


def _settings(row: sqlite3.Row) -> FeedbackSettings:
    return from_row(
        FeedbackSettings,
        row,
        enabled=bool,
        topics=lambda text: tuple(json.loads(text)) if text else DEFAULT_TOPICS,
    )


async def get_settings(db: Database, guild_id: int) -> FeedbackSettings:
    return await get_guild_settings(db, "feedback_settings", guild_id, _settings, FeedbackSettings)


async def upsert_settings(tx: Transaction, s: FeedbackSettings, now: datetime) -> None:
    row = to_row(s, enabled=int, topics=_topics_json)
    await upsert(tx, "feedback_settings", {**row, "updated_at": to_unix(now)})


def _topics_json(topics: Sequence[str]) -> str:
    return json.dumps(list(topics), ensure_ascii=False)


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


def _topics(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


_draft = RowReader(DraftRow, topics=_topics, due_at=from_unix, created_at=from_unix)


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
            _topics_json(topics),
            to_unix(due_at),
            to_unix(now),
            to_unix(now),
        ),
    )


async def get_draft(db: Database, draft_id: int) -> DraftRow | None:
    return await _draft.one(db, "SELECT * FROM feedback_drafts WHERE id = ?", (draft_id,))


async def list_member_drafts(
    db: Database, guild_id: int, author_id: int, statuses: Sequence[str] = OPEN_STATES
) -> list[DraftRow]:
    rows = await db.fetchall(
        f"SELECT * FROM feedback_drafts WHERE guild_id = ? AND author_id = ?"  # noqa: S608 - placeholders only
        f" AND status IN ({marks(statuses)}) ORDER BY id",
        (guild_id, author_id, *statuses),
    )
    return [_draft(r) for r in rows]


async def list_drafts(
    db: Database, guild_id: int, statuses: Sequence[str] = ("open",)
) -> list[DraftRow]:
    return await _draft.all(
        db,
        f"SELECT * FROM feedback_drafts WHERE guild_id = ? AND status IN ({marks(statuses)})"  # noqa: S608 - placeholders only
        " ORDER BY id",
        (guild_id, *statuses),
    )


async def list_drafts_by_id(db: Database, draft_ids: Sequence[int]) -> dict[int, DraftRow]:
    if not draft_ids:
        return {}
    rows = await db.fetchall(
        f"SELECT * FROM feedback_drafts WHERE id IN ({marks(draft_ids)})",  # noqa: S608 - placeholders only
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
    return await changed_one(
        tx,
        "UPDATE feedback_drafts SET status = ?, updated_at = ?,"  # noqa: S608 - placeholders only
        " carried_rounds = COALESCE(?, carried_rounds)"
        f" WHERE id = ? AND status IN ({marks(only_from)})",
        (status, to_unix(now), carried_rounds, draft_id, *only_from),
    )


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


_reviewer = RowReader(ReviewerRow, topics=_topics, active=bool, paused_until=optional_time)


async def get_reviewer(db: Database, guild_id: int, user_id: int) -> ReviewerRow | None:
    return await _reviewer.one(
        db,
        "SELECT * FROM feedback_reviewers WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )


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
            _topics_json(topics),
            per_round,
            to_unix(now),
            to_unix(now),
        ),
    )


async def update_reviewer_leave(
    tx: Transaction, guild_id: int, user_id: int, now: datetime
) -> bool:
    return await changed_one(
        tx,
        "UPDATE feedback_reviewers SET active = 0, paused_until = NULL, paused_reason = NULL,"
        " updated_at = ? WHERE guild_id = ? AND user_id = ? AND active = 1",
        (to_unix(now), guild_id, user_id),
    )


async def update_reviewer_pause(
    tx: Transaction,
    guild_id: int,
    user_id: int,
    *,
    until: datetime | None,
    reason: str | None,
    now: datetime,
) -> bool:
    return await changed_one(
        tx,
        "UPDATE feedback_reviewers SET paused_until = ?, paused_reason = ?, updated_at = ?"
        " WHERE guild_id = ? AND user_id = ? AND active = 1",
        (None if until is None else to_unix(until), reason, to_unix(now), guild_id, user_id),
    )


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
    return await changed_one(
        tx,
        "INSERT INTO feedback_avoid (guild_id, user_id, avoided_id, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (guild_id, user_id, avoided_id, to_unix(now)),
    )


async def delete_avoid(tx: Transaction, guild_id: int, user_id: int, avoided_id: int) -> bool:
    return await changed_one(
        tx,
        "DELETE FROM feedback_avoid WHERE guild_id = ? AND user_id = ? AND avoided_id = ?",
        (guild_id, user_id, avoided_id),
    )


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


# --- /config reset ---------------------------------------------------------------------------
async def delete_settings(tx: Transaction, guild_id: int) -> None:
    await tx.execute("DELETE FROM feedback_settings WHERE guild_id = ?", (guild_id,))
