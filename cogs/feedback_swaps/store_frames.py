"""Every SQL statement about frames and the review checklist: the server's field list and
checklist, members' fields, drafts' frame requests and reviewers' ticks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.clock import to_unix
from bot.db import Database, Transaction
from bot.rows import from_row, get_guild_settings, marks, to_row, upsert
from cogs.feedback_swaps.frames import DEFAULT_CHECKLIST, DEFAULT_FIELDS, FrameSettings


def _json(items: Sequence[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


# --- settings -------------------------------------------------------------------------------
def _settings(row: sqlite3.Row) -> FrameSettings:
    return from_row(
        FrameSettings,
        row,
        fields=lambda text: _list(text) if text is not None else DEFAULT_FIELDS,
        checklist=lambda text: _list(text) if text is not None else DEFAULT_CHECKLIST,
    )


async def get_frame_settings(db: Database | Transaction, guild_id: int) -> FrameSettings:
    return await get_guild_settings(
        db, "feedback_frame_settings", guild_id, _settings, FrameSettings
    )


async def upsert_frame_settings(tx: Transaction, s: FrameSettings, now: datetime) -> None:
    row = to_row(s, fields=_json, checklist=_json)
    await upsert(tx, "feedback_frame_settings", {**row, "updated_at": to_unix(now)})


async def delete_frame_settings(tx: Transaction, guild_id: int) -> None:
    await tx.execute("DELETE FROM feedback_frame_settings WHERE guild_id = ?", (guild_id,))


# --- members' fields ------------------------------------------------------------------------
async def get_member_fields(db: Database, guild_id: int, user_id: int) -> tuple[str, ...]:
    row = await db.fetchone(
        "SELECT fields FROM feedback_member_fields WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return _list(row["fields"]) if row else ()


async def list_member_fields(db: Database, guild_id: int) -> dict[int, tuple[str, ...]]:
    rows = await db.fetchall(
        "SELECT user_id, fields FROM feedback_member_fields WHERE guild_id = ?", (guild_id,)
    )
    return {r["user_id"]: _list(r["fields"]) for r in rows}


async def upsert_member_fields(
    tx: Transaction, guild_id: int, user_id: int, fields: Sequence[str], now: datetime
) -> None:
    await upsert(
        tx,
        "feedback_member_fields",
        {
            "guild_id": guild_id,
            "user_id": user_id,
            "fields": _json(fields),
            "updated_at": to_unix(now),
        },
        key=("guild_id", "user_id"),
    )


# --- drafts' frame requests -----------------------------------------------------------------
async def insert_draft_frame(tx: Transaction, draft_id: int, frame: str) -> None:
    if frame != "any":  # no row means any
        await tx.execute(
            "INSERT INTO feedback_draft_frames (draft_id, frame) VALUES (?, ?)", (draft_id, frame)
        )


async def list_draft_frames(db: Database, draft_ids: Sequence[int]) -> dict[int, str]:
    if not draft_ids:
        return {}
    rows = await db.fetchall(
        f"SELECT draft_id, frame FROM feedback_draft_frames WHERE draft_id IN ({marks(draft_ids)})",  # noqa: S608 - marks only
        tuple(draft_ids),
    )
    return {r["draft_id"]: r["frame"] for r in rows}


# --- checklist ticks ------------------------------------------------------------------------
async def insert_ticks(
    tx: Transaction,
    *,
    assignment_id: int,
    guild_id: int,
    reviewer_id: int,
    points: Sequence[str],
    now: datetime,
) -> bool:
    """Record the ticks once; False when this review's ticks were already recorded."""
    if await list_ticks(tx, assignment_id):
        return False
    for point in points:
        await tx.execute(
            "INSERT INTO feedback_checklist_ticks"
            " (assignment_id, guild_id, reviewer_id, point, created_at) VALUES (?, ?, ?, ?, ?)",
            (assignment_id, guild_id, reviewer_id, point, to_unix(now)),
        )
    return True


async def list_ticks(db: Database | Transaction, assignment_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT point FROM feedback_checklist_ticks WHERE assignment_id = ? ORDER BY rowid",
        (assignment_id,),
    )
    return [r["point"] for r in rows]


async def list_sent_review_ticks(
    db: Database, guild_id: int, since: datetime, until: datetime
) -> dict[int, list[str]]:
    """Reviews the reviewer said they sent in [since, until] -> the points they ticked."""
    rows = await db.fetchall(
        "SELECT a.id, t.point FROM feedback_assignments a"
        " LEFT JOIN feedback_checklist_ticks t ON t.assignment_id = a.id"
        " WHERE a.guild_id = ? AND a.sent_at BETWEEN ? AND ? ORDER BY a.id, t.rowid",
        (guild_id, to_unix(since), to_unix(until)),
    )
    found: dict[int, list[str]] = {}
    for r in rows:
        found.setdefault(r["id"], [])
        if r["point"] is not None:
            found[r["id"]].append(r["point"])
    return found


# --- one member -----------------------------------------------------------------------------
async def export_member(db: Database, guild_id: int, user_id: int) -> dict[str, Any]:
    ticks = await db.fetchall(
        "SELECT assignment_id, point FROM feedback_checklist_ticks"
        " WHERE guild_id = ? AND reviewer_id = ? ORDER BY assignment_id, rowid",
        (guild_id, user_id),
    )
    by_review: dict[int, list[str]] = {}
    for r in ticks:
        by_review.setdefault(r["assignment_id"], []).append(r["point"])
    return {
        "fields": list(await get_member_fields(db, guild_id, user_id)),
        "checklist_ticks": [
            {"assignment_id": a, "points": points} for a, points in by_review.items()
        ],
    }


async def forget_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    changed = await tx.execute(
        "DELETE FROM feedback_member_fields WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    changed += await tx.execute(
        "DELETE FROM feedback_checklist_ticks WHERE guild_id = ? AND reviewer_id = ?",
        (guild_id, user_id),
    )
    return changed


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM feedback_member_fields WHERE guild_id = ?"
        " UNION SELECT reviewer_id FROM feedback_checklist_ticks WHERE guild_id = ?",
        (guild_id, guild_id),
    )
    return {row[0] for row in rows}
