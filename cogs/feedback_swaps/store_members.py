"""Every SQL statement about one member across feedback swaps: /me export, /me forget, and
who has data here (store.py and store_rounds.py hold the rest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import to_unix
from bot.db import Database, Transaction
from cogs.feedback_swaps.store import get_reviewer, list_member_drafts
from cogs.feedback_swaps.store_rounds import (
    AssignmentRow,
    get_ledger,
    list_member_received,
    list_member_reviews,
)


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
    received = await list_member_received(db, guild_id, user_id)
    balance = await get_ledger(db, guild_id, user_id)

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
        "reviews_received": [review(a) for a in received],
        "ledger": {
            "given": balance.given,
            "received": balance.received,
            "average_rating": balance.average_rating,
        },
    }


FORGOTTEN_TITLE = "(a deleted draft)"


async def forget_member(tx: Transaction, guild_id: int, user_id: int, now: datetime) -> int:
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
    # A moderator's match-now: the round stays (others' reviews hang on it), without who ran
    # it; so does its occurrence (the feature removes the id from its payload).
    changed += await tx.execute(
        "UPDATE feedback_rounds SET triggered_by = NULL WHERE guild_id = ? AND triggered_by = ?",
        (guild_id, user_id),
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
