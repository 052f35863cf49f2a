"""The reading group's scheduling polls, their options and votes: every SQL statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Transaction
from bot.rows import RowReader, changed_one
from cogs.reading.logic import PollTally
from cogs.reading.store import Db

# --- polls ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Poll:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    item_id: int | None
    minutes: int
    voice_channel_id: int | None
    lead_id: int | None
    closes_at: datetime
    status: str  # 'open' | 'closed'
    winner: int | None
    created_by: int


poll_rows = RowReader(Poll, closes_at=from_unix)


async def insert_poll(
    tx: Transaction,
    guild_id: int,
    *,
    channel_id: int,
    item_id: int | None,
    minutes: int,
    voice_channel_id: int | None,
    lead_id: int | None,
    closes_at: datetime,
    options: Sequence[datetime],
    created_by: int,
    now: datetime,
) -> int:
    poll_id = await tx.insert(
        "INSERT INTO reading_polls (guild_id, channel_id, item_id, minutes, voice_channel_id,"
        " lead_id, closes_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            channel_id,
            item_id,
            minutes,
            voice_channel_id,
            lead_id,
            to_unix(closes_at),
            created_by,
            to_unix(now),
        ),
    )
    await tx.executemany(
        "INSERT INTO reading_poll_options (poll_id, position, starts_at) VALUES (?, ?, ?)",
        [(poll_id, position, to_unix(when)) for position, when in enumerate(options, 1)],
    )
    return poll_id


async def get_poll(db: Db, poll_id: int) -> Poll | None:
    return await poll_rows.one(db, "SELECT * FROM reading_polls WHERE id = ?", (poll_id,))


async def list_poll_tallies(db: Db, poll_id: int) -> list[PollTally]:
    options = await db.fetchall(
        "SELECT position, starts_at FROM reading_poll_options WHERE poll_id = ? ORDER BY position",
        (poll_id,),
    )
    votes = await db.fetchall(
        "SELECT position, user_id FROM reading_poll_votes WHERE poll_id = ?", (poll_id,)
    )
    voters: dict[int, set[int]] = {}
    for vote in votes:
        voters.setdefault(vote["position"], set()).add(vote["user_id"])
    return [
        PollTally(
            row["position"],
            from_unix(row["starts_at"]),
            frozenset(voters.get(row["position"], ())),
        )
        for row in options
    ]


async def toggle_poll_vote(tx: Transaction, poll_id: int, position: int, user_id: int) -> bool:
    """Adds the vote, or takes it back if it was there; True when the member now can attend."""
    removed = await tx.execute(
        "DELETE FROM reading_poll_votes WHERE poll_id = ? AND position = ? AND user_id = ?",
        (poll_id, position, user_id),
    )
    if removed:
        return False
    await tx.execute(
        "INSERT INTO reading_poll_votes (poll_id, position, user_id) VALUES (?, ?, ?)",
        (poll_id, position, user_id),
    )
    return True


async def update_poll_message(tx: Db, poll_id: int, message_id: int) -> None:
    await tx.execute("UPDATE reading_polls SET message_id = ? WHERE id = ?", (message_id, poll_id))


async def update_poll_closed(tx: Transaction, poll_id: int, winner: int | None) -> bool:
    return await changed_one(
        tx,
        "UPDATE reading_polls SET status = 'closed', winner = ? WHERE id = ? AND status = 'open'",
        (winner, poll_id),
    )


async def list_open_polls(db: Db, guild_id: int) -> list[Poll]:
    return await poll_rows.all(
        db,
        "SELECT * FROM reading_polls WHERE guild_id = ? AND status = 'open' ORDER BY closes_at, id",
        (guild_id,),
    )


async def list_polls(db: Db, guild_id: int) -> list[Poll]:
    return await poll_rows.all(
        db, "SELECT * FROM reading_polls WHERE guild_id = ? ORDER BY id", (guild_id,)
    )
