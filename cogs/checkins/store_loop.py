"""SQL of the Hamming loop's shared side: the blockers members chose to share, the messages
that gathered them, the offers of help, and the aggregate counts the digest reports.

Times are unix seconds in UTC. The reflections themselves (plan marks, the share toggle) are
written by the check-in UI; `set_share_blocker` is the one writer here, for the toggle.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import from_row
from cogs.checkins.blockers import BLOCKER_INDEX


@dataclass(frozen=True)
class SharedBlocker:
    """One member's blocker, shared with the cohort, in one round."""

    user_id: int
    text: str


@dataclass(frozen=True)
class HelpOffer:
    round_id: int
    asker_id: int
    helper_id: int
    thread_id: int | None
    created_at: datetime


# --- reflections ----------------------------------------------------------------------------


async def _upsert_reflection(
    tx: Transaction, round_id: int, user_id: int, column: str, value: object, now: datetime
) -> None:
    # `column` is one of the two names below, never a member's input.
    await tx.execute(
        f"INSERT INTO checkin_reflections (round_id, user_id, {column}, updated_at)"  # noqa: S608
        f" VALUES (?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO UPDATE SET"
        f" {column} = excluded.{column}, updated_at = excluded.updated_at",
        (round_id, user_id, value, to_unix(now)),
    )


async def set_share_blocker(
    tx: Transaction, round_id: int, user_id: int, share: bool, now: datetime
) -> None:
    """Whether the member shares this round's blocker with the cohort (their reflection row)."""
    await _upsert_reflection(tx, round_id, user_id, "share_blocker", int(share), now)


async def set_plan_mark(
    tx: Transaction, round_id: int, user_id: int, mark: str, now: datetime
) -> None:
    """How the member's plan went, marked in `round_id` (done, partly, not_done, changed)."""
    await _upsert_reflection(tx, round_id, user_id, "plan_mark", mark, now)


async def list_shared_blockers(db: Database, round_id: int) -> list[SharedBlocker]:
    """The non-empty blockers of the round's members who chose to share, by check-in order."""
    rows = await db.fetchall(
        "SELECT a.user_id, trim(json_extract(a.answers, ?)) AS blocker"
        " FROM checkin_answers a JOIN checkin_reflections f"
        " ON f.round_id = a.round_id AND f.user_id = a.user_id"
        " WHERE a.round_id = ? AND f.share_blocker = 1"
        " ORDER BY a.submitted_at, a.user_id",
        (f"$[{BLOCKER_INDEX}]", round_id),
    )
    return [SharedBlocker(row["user_id"], row["blocker"]) for row in rows if row["blocker"]]


async def get_shared_blocker(db: Database, round_id: int, user_id: int) -> SharedBlocker | None:
    found = [b for b in await list_shared_blockers(db, round_id) if b.user_id == user_id]
    return found[0] if found else None


async def count_plan_marks(db: Database, round_id: int) -> dict[str, int]:
    """How many members marked their plan done, partly, not done or changed in the round."""
    rows = await db.fetchall(
        "SELECT plan_mark, COUNT(*) AS n FROM checkin_reflections"
        " WHERE round_id = ? AND plan_mark IS NOT NULL GROUP BY plan_mark",
        (round_id,),
    )
    return {row["plan_mark"]: row["n"] for row in rows}


# --- the gathered messages ------------------------------------------------------------------


async def list_blocker_messages(db: Database, round_id: int) -> dict[int, int]:
    """{part: message id} of the round's blocker messages already sent."""
    rows = await db.fetchall(
        "SELECT part, message_id FROM checkin_blocker_messages WHERE round_id = ?", (round_id,)
    )
    return {row["part"]: row["message_id"] for row in rows}


async def insert_blocker_message(
    tx: Transaction, round_id: int, part: int, channel_id: int, message_id: int, now: datetime
) -> None:
    """Keep a sent part; the first part is also the round's gathering (checkin_blocker_posts)."""
    await tx.execute(
        "INSERT INTO checkin_blocker_messages (round_id, part, message_id) VALUES (?, ?, ?)",
        (round_id, part, message_id),
    )
    if part == 0:
        await tx.execute(
            "INSERT INTO checkin_blocker_posts (round_id, channel_id, message_id, posted_at)"
            " VALUES (?, ?, ?, ?)",
            (round_id, channel_id, message_id, to_unix(now)),
        )


async def list_gatherings_with(db: Database, guild_id: int, user_id: int) -> list[int]:
    """The rounds whose gathered blockers include the member's (shared, and posted)."""
    rows = await db.fetchall(
        "SELECT p.round_id FROM checkin_blocker_posts p"
        " JOIN checkin_rounds r ON r.id = p.round_id"
        " JOIN checkin_reflections f ON f.round_id = p.round_id"
        " WHERE r.guild_id = ? AND f.user_id = ? AND f.share_blocker = 1 ORDER BY p.round_id",
        (guild_id, user_id),
    )
    return [row["round_id"] for row in rows]


# --- offers of help -------------------------------------------------------------------------


def _offer(row: sqlite3.Row) -> HelpOffer:
    return from_row(HelpOffer, row, created_at=from_unix)


async def get_help_offer(
    db: Database, round_id: int, asker_id: int, helper_id: int
) -> HelpOffer | None:
    row = await db.fetchone(
        "SELECT * FROM checkin_help_offers WHERE round_id = ? AND asker_id = ? AND helper_id = ?",
        (round_id, asker_id, helper_id),
    )
    return None if row is None else _offer(row)


async def insert_help_offer(
    tx: Transaction,
    round_id: int,
    asker_id: int,
    helper_id: int,
    thread_id: int | None,
    now: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO checkin_help_offers (round_id, asker_id, helper_id, thread_id, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (round_id, asker_id, helper_id, thread_id, to_unix(now)),
    )


async def count_help_offers(db: Database, round_id: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM checkin_help_offers WHERE round_id = ?", (round_id,)
    )
    return int(row["n"]) if row else 0


async def list_member_help_offers(db: Database, guild_id: int, user_id: int) -> list[HelpOffer]:
    """The offers of help the member made or received in the server (for /me export)."""
    rows = await db.fetchall(
        "SELECT o.* FROM checkin_help_offers o JOIN checkin_rounds r ON r.id = o.round_id"
        " WHERE r.guild_id = ? AND (o.asker_id = ? OR o.helper_id = ?) ORDER BY o.created_at",
        (guild_id, user_id, user_id),
    )
    return [_offer(row) for row in rows]
