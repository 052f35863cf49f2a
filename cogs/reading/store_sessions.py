"""The reading group's sessions and their RSVPs: every SQL statement on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from bot.clock import from_unix, to_unix
from bot.db import Transaction
from bot.rows import RowReader, changed_one, upsert
from cogs.reading.logic import Choice, PastSession
from cogs.reading.store import Db

# --- sessions ------------------------------------------------------------------------------

SessionStatus = str  # 'scheduled' | 'cancelled' | 'done'


@dataclass(frozen=True)
class ReadingSession:
    id: int
    guild_id: int
    item_id: int | None
    title: str
    url: str | None
    starts_at: datetime
    ends_at: datetime
    channel_id: int
    voice_channel_id: int | None
    lead_id: int | None
    status: SessionStatus
    event_id: int | None
    message_id: int | None
    thread_id: int | None
    revision: int
    origin: str | None
    created_by: int | None
    kind: str = "reading"  # kinds.KIND_LABELS
    goal_prompt: bool = False
    series_id: int | None = None

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def discussion_channel_id(self) -> int:
        """The announcement's thread, or the channel itself when no thread could be opened."""
        return self.thread_id or self.channel_id


session_rows = RowReader(ReadingSession, starts_at=from_unix, ends_at=from_unix, goal_prompt=bool)


async def insert_session(
    tx: Transaction,
    guild_id: int,
    *,
    item_id: int | None,
    title: str,
    url: str | None,
    starts_at: datetime,
    ends_at: datetime,
    channel_id: int,
    voice_channel_id: int | None,
    lead_id: int | None,
    origin: str | None,
    created_by: int | None,
    now: datetime,
    kind: str = "reading",
    goal_prompt: bool = False,
    series_id: int | None = None,
) -> int:
    return await tx.insert(
        "INSERT INTO reading_sessions (guild_id, item_id, title, url, starts_at, ends_at,"
        " channel_id, voice_channel_id, lead_id, origin, created_by, created_at, kind,"
        " goal_prompt, series_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            item_id,
            title,
            url,
            to_unix(starts_at),
            to_unix(ends_at),
            channel_id,
            voice_channel_id,
            lead_id,
            origin,
            created_by,
            to_unix(now),
            kind,
            int(goal_prompt),
            series_id,
        ),
    )


async def get_session(db: Db, session_id: int) -> ReadingSession | None:
    return await session_rows.one(db, "SELECT * FROM reading_sessions WHERE id = ?", (session_id,))


async def get_last_series_start(db: Db, guild_id: int) -> datetime | None:
    """When the weekly series' latest session (any status) starts, or None."""
    row = await db.fetchone(
        "SELECT MAX(starts_at) AS latest FROM reading_sessions"
        " WHERE guild_id = ? AND origin LIKE 'series:%'",
        (guild_id,),
    )
    return None if row is None or row["latest"] is None else from_unix(row["latest"])


async def get_session_by_origin(db: Db, origin: str) -> ReadingSession | None:
    return await session_rows.one(db, "SELECT * FROM reading_sessions WHERE origin = ?", (origin,))


async def list_upcoming_sessions(
    db: Db, guild_id: int, now: datetime, limit: int = 25
) -> list[ReadingSession]:
    """Scheduled sessions that have not ended yet, soonest first."""
    return await session_rows.all(
        db,
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND status = 'scheduled'"
        " AND ends_at > ? ORDER BY starts_at, id LIMIT ?",
        (guild_id, to_unix(now), limit),
    )


async def list_calendar_sessions(
    db: Db, guild_id: int, since: datetime, limit: int = 500
) -> list[ReadingSession]:
    return await session_rows.all(
        db,
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND status IN ('scheduled', 'done')"
        " AND starts_at >= ? ORDER BY starts_at, id LIMIT ?",
        (guild_id, to_unix(since), limit),
    )


async def count_upcoming_sessions_for_item(
    db: Db, item_id: int, now: datetime, *, excluding: int | None = None
) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM reading_sessions WHERE item_id = ? AND status = 'scheduled'"
        " AND ends_at > ? AND id != ?",
        (item_id, to_unix(now), excluding or 0),
    )
    return int(row["n"]) if row else 0


async def list_past_sessions(db: Db, guild_id: int, limit: int = 20) -> list[PastSession]:
    """Done sessions, newest first, with who said Going (attendance as far as we can know)."""
    sessions = await db.fetchall(
        "SELECT id, starts_at, lead_id FROM reading_sessions WHERE guild_id = ?"
        " AND status = 'done' AND kind = 'reading' ORDER BY starts_at DESC, id DESC LIMIT ?",
        (guild_id, limit),
    )
    result = []
    for row in sessions:
        going = await db.fetchall(
            "SELECT user_id FROM reading_rsvps WHERE session_id = ? AND choice = 'going'",
            (row["id"],),
        )
        result.append(
            PastSession(
                from_unix(row["starts_at"]),
                row["lead_id"],
                frozenset(r["user_id"] for r in going),
            )
        )
    return result


async def update_session_event(tx: Db, session_id: int, event_id: int | None) -> None:
    await tx.execute(
        "UPDATE reading_sessions SET event_id = ? WHERE id = ?", (event_id, session_id)
    )


async def update_session_message(
    tx: Db, session_id: int, message_id: int, thread_id: int | None
) -> None:
    await tx.execute(
        "UPDATE reading_sessions SET message_id = ?, thread_id = ? WHERE id = ?",
        (message_id, thread_id, session_id),
    )


async def update_session_thread(tx: Db, session_id: int, thread_id: int) -> None:
    await tx.execute(
        "UPDATE reading_sessions SET thread_id = ? WHERE id = ?", (thread_id, session_id)
    )


async def update_session_status(tx: Transaction, session_id: int, status: str) -> bool:
    """Moves a scheduled session to `status`; False if it was no longer scheduled."""
    return await changed_one(
        tx,
        "UPDATE reading_sessions SET status = ? WHERE id = ? AND status = 'scheduled'",
        (status, session_id),
    )


async def update_session_times(
    tx: Transaction, session_id: int, starts_at: datetime, ends_at: datetime
) -> int:
    """New start and end; returns the new revision."""
    await tx.execute(
        "UPDATE reading_sessions SET starts_at = ?, ends_at = ?, revision = revision + 1"
        " WHERE id = ?",
        (to_unix(starts_at), to_unix(ends_at), session_id),
    )
    row = await tx.fetchone("SELECT revision FROM reading_sessions WHERE id = ?", (session_id,))
    return int(row["revision"]) if row else 0


# --- RSVPs ---------------------------------------------------------------------------------


async def list_rsvps(db: Db, session_id: int) -> dict[int, Choice]:
    rows = await db.fetchall(
        "SELECT user_id, choice FROM reading_rsvps WHERE session_id = ? ORDER BY updated_at,"
        " user_id",
        (session_id,),
    )
    return {row["user_id"]: cast(Choice, row["choice"]) for row in rows}


async def get_rsvp(db: Db, session_id: int, user_id: int) -> Choice | None:
    row = await db.fetchone(
        "SELECT choice FROM reading_rsvps WHERE session_id = ? AND user_id = ?",
        (session_id, user_id),
    )
    return None if row is None else cast(Choice, row["choice"])


async def upsert_rsvp(
    tx: Transaction, session_id: int, user_id: int, choice: Choice | None, now: datetime
) -> None:
    if choice is None:
        await tx.execute(
            "DELETE FROM reading_rsvps WHERE session_id = ? AND user_id = ?",
            (session_id, user_id),
        )
        return
    values = {
        "session_id": session_id,
        "user_id": user_id,
        "choice": choice,
        "updated_at": to_unix(now),
    }
    await upsert(tx, "reading_rsvps", values, key=("session_id", "user_id"))


# --- the server's sessions (export, digest) ------------------------------------------


async def list_sessions(db: Db, guild_id: int) -> list[ReadingSession]:
    return await session_rows.all(
        db, "SELECT * FROM reading_sessions WHERE guild_id = ? ORDER BY starts_at, id", (guild_id,)
    )


async def list_sessions_between(
    db: Db, guild_id: int, start: datetime, end: datetime
) -> list[ReadingSession]:
    """Sessions held (done) that started in [start, end), oldest first."""
    return await session_rows.all(
        db,
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND status = 'done'"
        " AND starts_at >= ? AND starts_at < ? ORDER BY starts_at, id",
        (guild_id, to_unix(start), to_unix(end)),
    )


async def count_rsvps(db: Db, session_id: int) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT choice, COUNT(*) AS n FROM reading_rsvps WHERE session_id = ? GROUP BY choice",
        (session_id,),
    )
    return {row["choice"]: row["n"] for row in rows}
