"""Every SQL statement of the reading group, returning dataclasses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast

from bot import ledger
from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import from_row, get_guild_settings, upsert
from cogs.reading.logic import (
    DEFAULT_DAYS_AHEAD,
    DEFAULT_OFFSETS,
    Choice,
    PastSession,
    PollTally,
    Series,
    Status,
    decode_offsets,
    encode_offsets,
)

Db = Database | Transaction


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingSettings:
    guild_id: int
    channel_id: int | None = None
    offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS
    days_ahead: int = DEFAULT_DAYS_AHEAD
    recurring_weekday: int | None = None
    recurring_time: str | None = None
    recurring_minutes: int | None = None
    generation: int = 0

    @property
    def series(self) -> Series | None:
        if self.recurring_weekday is None or not self.recurring_time:
            return None
        hour, minute = (int(part) for part in self.recurring_time.split(":"))
        return Series(
            self.recurring_weekday,
            time(hour, minute),
            timedelta(minutes=self.recurring_minutes or 60),
            self.days_ahead,
        )


def _settings(row: Any) -> ReadingSettings:
    return from_row(
        ReadingSettings,
        row,
        {"offsets": "reminder_offsets", "generation": "recurring_generation"},
        offsets=decode_offsets,
    )


async def get_settings(db: Db, guild_id: int) -> ReadingSettings:
    return await get_guild_settings(db, "reading_settings", guild_id, _settings, ReadingSettings)


async def list_series_settings(db: Db) -> list[ReadingSettings]:
    rows = await db.fetchall(
        "SELECT * FROM reading_settings WHERE recurring_weekday IS NOT NULL"
        " AND channel_id IS NOT NULL ORDER BY guild_id"
    )
    return [_settings(row) for row in rows]


async def upsert_settings(
    tx: Transaction,
    guild_id: int,
    *,
    channel_id: int,
    offsets: Sequence[timedelta],
    days_ahead: int,
    now: datetime,
) -> None:
    values = {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "reminder_offsets": encode_offsets(offsets),
        "days_ahead": days_ahead,
        "updated_at": to_unix(now),
    }
    await upsert(tx, "reading_settings", values)


async def upsert_channel_settings(
    tx: Transaction, settings: ReadingSettings, now: datetime
) -> None:
    """What `/config reading setup` saves (the series is saved by `update_series`)."""
    assert settings.channel_id is not None, "the reading group's settings name a channel"
    await upsert_settings(
        tx,
        settings.guild_id,
        channel_id=settings.channel_id,
        offsets=settings.offsets,
        days_ahead=settings.days_ahead,
        now=now,
    )


async def update_series(
    tx: Transaction,
    guild_id: int,
    *,
    weekday: int | None,
    at: str | None,
    minutes: int | None,
    now: datetime,
) -> int:
    """Set (or clear, with None) the weekly series; returns its new generation."""
    await tx.execute(
        "INSERT INTO reading_settings (guild_id, recurring_weekday, recurring_time,"
        " recurring_minutes, recurring_generation, updated_at) VALUES (?, ?, ?, ?, 1, ?)"
        " ON CONFLICT (guild_id) DO UPDATE"
        " SET recurring_weekday = excluded.recurring_weekday,"
        " recurring_time = excluded.recurring_time,"
        " recurring_minutes = excluded.recurring_minutes,"
        " recurring_generation = recurring_generation + 1, updated_at = excluded.updated_at",
        (guild_id, weekday, at, minutes, to_unix(now)),
    )
    return await get_series_generation(tx, guild_id)


async def update_series_generation(tx: Transaction, guild_id: int) -> int:
    """A new generation for an unchanged series (e.g. days ahead changed); returns it."""
    await tx.execute(
        "UPDATE reading_settings SET recurring_generation = recurring_generation + 1"
        " WHERE guild_id = ?",
        (guild_id,),
    )
    return await get_series_generation(tx, guild_id)


async def get_series_generation(db: Db, guild_id: int) -> int:
    row = await db.fetchone(
        "SELECT recurring_generation FROM reading_settings WHERE guild_id = ?", (guild_id,)
    )
    return int(row["recurring_generation"]) if row else 0


# --- the reading list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingItem:
    id: int
    guild_id: int
    position: int
    title: str
    url: str | None
    minutes: int | None
    notes: str | None
    status: Status
    added_by: int
    added_at: datetime


def _item(row: Any) -> ReadingItem:
    return from_row(ReadingItem, row, added_at=from_unix)


async def list_items(db: Db, guild_id: int) -> list[ReadingItem]:
    rows = await db.fetchall(
        "SELECT * FROM reading_items WHERE guild_id = ? ORDER BY position, id", (guild_id,)
    )
    return [_item(row) for row in rows]


async def get_item(db: Db, guild_id: int, item_id: int) -> ReadingItem | None:
    row = await db.fetchone(
        "SELECT * FROM reading_items WHERE guild_id = ? AND id = ?", (guild_id, item_id)
    )
    return None if row is None else _item(row)


async def get_item_at(db: Db, guild_id: int, position: int) -> ReadingItem | None:
    row = await db.fetchone(
        "SELECT * FROM reading_items WHERE guild_id = ? AND position = ?", (guild_id, position)
    )
    return None if row is None else _item(row)


async def list_items_titled(db: Db, guild_id: int, title: str) -> list[ReadingItem]:
    rows = await db.fetchall(
        "SELECT * FROM reading_items WHERE guild_id = ? AND title = ? COLLATE NOCASE"
        " ORDER BY position",
        (guild_id, title),
    )
    return [_item(row) for row in rows]


async def get_next_queued_item(db: Db, guild_id: int) -> ReadingItem | None:
    row = await db.fetchone(
        "SELECT * FROM reading_items WHERE guild_id = ? AND status = 'queued'"
        " ORDER BY position, id LIMIT 1",
        (guild_id,),
    )
    return None if row is None else _item(row)


async def count_items(db: Db, guild_id: int) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT status, COUNT(*) AS n FROM reading_items WHERE guild_id = ? GROUP BY status",
        (guild_id,),
    )
    return {row["status"]: row["n"] for row in rows}


async def insert_item(
    tx: Transaction,
    guild_id: int,
    *,
    title: str,
    url: str | None,
    minutes: int | None,
    notes: str | None,
    added_by: int,
    now: datetime,
) -> int:
    row = await tx.fetchone(
        "SELECT COALESCE(MAX(position), 0) AS last FROM reading_items WHERE guild_id = ?",
        (guild_id,),
    )
    position = (row["last"] if row else 0) + 1
    return await tx.insert(
        "INSERT INTO reading_items (guild_id, position, title, url, minutes, notes, added_by,"
        " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, position, title, url, minutes, notes, added_by, to_unix(now)),
    )


async def delete_item(tx: Transaction, guild_id: int, item_id: int) -> None:
    await tx.execute("DELETE FROM reading_items WHERE guild_id = ? AND id = ?", (guild_id, item_id))
    rows = await tx.fetchall(
        "SELECT id FROM reading_items WHERE guild_id = ? ORDER BY position, id", (guild_id,)
    )
    await update_positions(tx, guild_id, [row["id"] for row in rows])


async def update_positions(tx: Transaction, guild_id: int, ordered_ids: Sequence[int]) -> None:
    await tx.executemany(
        "UPDATE reading_items SET position = ? WHERE guild_id = ? AND id = ?",
        [(position, guild_id, item_id) for position, item_id in enumerate(ordered_ids, 1)],
    )


async def update_item_status(tx: Transaction, item_id: int, status: Status, now: datetime) -> None:
    await tx.execute(
        "UPDATE reading_items SET status = ?,"
        " discussed_at = CASE WHEN ? = 'discussed' THEN ? ELSE discussed_at END WHERE id = ?",
        (status, status, to_unix(now), item_id),
    )


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

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def discussion_channel_id(self) -> int:
        """The announcement's thread, or the channel itself when no thread could be opened."""
        return self.thread_id or self.channel_id


def _session(row: Any) -> ReadingSession:
    return from_row(ReadingSession, row, starts_at=from_unix, ends_at=from_unix)


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
) -> int:
    return await tx.insert(
        "INSERT INTO reading_sessions (guild_id, item_id, title, url, starts_at, ends_at,"
        " channel_id, voice_channel_id, lead_id, origin, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        ),
    )


async def get_session(db: Db, session_id: int) -> ReadingSession | None:
    row = await db.fetchone("SELECT * FROM reading_sessions WHERE id = ?", (session_id,))
    return None if row is None else _session(row)


async def get_last_series_start(db: Db, guild_id: int) -> datetime | None:
    """When the weekly series' latest session (any status) starts, or None."""
    row = await db.fetchone(
        "SELECT MAX(starts_at) AS latest FROM reading_sessions"
        " WHERE guild_id = ? AND origin LIKE 'series:%'",
        (guild_id,),
    )
    return None if row is None or row["latest"] is None else from_unix(row["latest"])


async def get_session_by_origin(db: Db, origin: str) -> ReadingSession | None:
    row = await db.fetchone("SELECT * FROM reading_sessions WHERE origin = ?", (origin,))
    return None if row is None else _session(row)


async def list_upcoming_sessions(
    db: Db, guild_id: int, now: datetime, limit: int = 25
) -> list[ReadingSession]:
    """Scheduled sessions that have not ended yet, soonest first."""
    rows = await db.fetchall(
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND status = 'scheduled'"
        " AND ends_at > ? ORDER BY starts_at, id LIMIT ?",
        (guild_id, to_unix(now), limit),
    )
    return [_session(row) for row in rows]


async def list_calendar_sessions(
    db: Db, guild_id: int, since: datetime, limit: int = 500
) -> list[ReadingSession]:
    rows = await db.fetchall(
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND status IN ('scheduled', 'done')"
        " AND starts_at >= ? ORDER BY starts_at, id LIMIT ?",
        (guild_id, to_unix(since), limit),
    )
    return [_session(row) for row in rows]


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
        " AND status = 'done' ORDER BY starts_at DESC, id DESC LIMIT ?",
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
    changed = await tx.execute(
        "UPDATE reading_sessions SET status = ? WHERE id = ? AND status = 'scheduled'",
        (status, session_id),
    )
    return changed == 1


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


def _poll(row: Any) -> Poll:
    return from_row(Poll, row, closes_at=from_unix)


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
    row = await db.fetchone("SELECT * FROM reading_polls WHERE id = ?", (poll_id,))
    return None if row is None else _poll(row)


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
    changed = await tx.execute(
        "UPDATE reading_polls SET status = 'closed', winner = ? WHERE id = ? AND status = 'open'",
        (winner, poll_id),
    )
    return changed == 1


async def list_open_polls(db: Db, guild_id: int) -> list[Poll]:
    rows = await db.fetchall(
        "SELECT * FROM reading_polls WHERE guild_id = ? AND status = 'open' ORDER BY closes_at, id",
        (guild_id,),
    )
    return [_poll(row) for row in rows]


async def list_polls(db: Db, guild_id: int) -> list[Poll]:
    rows = await db.fetchall(
        "SELECT * FROM reading_polls WHERE guild_id = ? ORDER BY id", (guild_id,)
    )
    return [_poll(row) for row in rows]


# --- the server's data (export, reset, digest) ---------------------------------------------


async def list_sessions(db: Db, guild_id: int) -> list[ReadingSession]:
    rows = await db.fetchall(
        "SELECT * FROM reading_sessions WHERE guild_id = ? ORDER BY starts_at, id", (guild_id,)
    )
    return [_session(row) for row in rows]


async def list_sessions_between(
    db: Db, guild_id: int, start: datetime, end: datetime
) -> list[ReadingSession]:
    """Sessions held (done) that started in [start, end), oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM reading_sessions WHERE guild_id = ? AND status = 'done'"
        " AND starts_at >= ? AND starts_at < ? ORDER BY starts_at, id",
        (guild_id, to_unix(start), to_unix(end)),
    )
    return [_session(row) for row in rows]


async def count_rsvps(db: Db, session_id: int) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT choice, COUNT(*) AS n FROM reading_rsvps WHERE session_id = ? GROUP BY choice",
        (session_id,),
    )
    return {row["choice"]: row["n"] for row in rows}


async def update_settings_to_defaults(tx: Transaction, guild_id: int, now: datetime) -> bool:
    """Channel, reminders, lead time and series back to how a new server starts.

    The row stays, with a new series generation: a later series must not reuse the keys of
    the occurrences this cancels (keys are unique for ever in the ledger).
    """
    changed = await tx.execute(
        "UPDATE reading_settings SET channel_id = NULL, reminder_offsets = ?, days_ahead = ?,"
        " recurring_weekday = NULL, recurring_time = NULL, recurring_minutes = NULL,"
        " recurring_generation = recurring_generation + 1, updated_at = ? WHERE guild_id = ?",
        (encode_offsets(DEFAULT_OFFSETS), DEFAULT_DAYS_AHEAD, to_unix(now), guild_id),
    )
    return changed == 1


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
    rows = await db.fetchall(
        "SELECT * FROM reading_items WHERE guild_id = ? AND added_by = ? ORDER BY position, id",
        (guild_id, user_id),
    )
    return [_item(row) for row in rows]


async def list_member_rsvps(db: Db, guild_id: int, user_id: int) -> list[MemberRsvp]:
    rows = await db.fetchall(
        "SELECT s.*, r.choice AS rsvp_choice, r.updated_at AS rsvp_updated_at"
        " FROM reading_rsvps AS r JOIN reading_sessions AS s ON s.id = r.session_id"
        " WHERE s.guild_id = ? AND r.user_id = ? ORDER BY s.starts_at, s.id",
        (guild_id, user_id),
    )
    return [
        MemberRsvp(
            _session(row), cast(Choice, row["rsvp_choice"]), from_unix(row["rsvp_updated_at"])
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
    return [_session(row) for row in rows]


async def list_polls_of_member(db: Db, guild_id: int, user_id: int) -> list[Poll]:
    """Polls the member opened or was named lead of."""
    rows = await db.fetchall(
        "SELECT * FROM reading_polls WHERE guild_id = ? AND (created_by = ? OR lead_id = ?)"
        " ORDER BY id",
        (guild_id, user_id, user_id),
    )
    return [_poll(row) for row in rows]


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
