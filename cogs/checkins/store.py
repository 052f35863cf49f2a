"""Every SQL statement of the check-ins, returning dataclasses. Times are unix seconds in UTC."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import (
    from_row,
    get_guild_settings,
    optional_time,
    to_row,
    upsert,
)
from cogs.checkins.logic import (
    DEFAULT_DRIFT_WEEKS,
    DEFAULT_QUESTIONS,
    Question,
    questions_from_json,
    questions_to_json,
)
from cogs.checkins.streaks import StreakFold


@dataclass(frozen=True)
class CheckinSettings:
    """A server's check-in configuration; `enabled` once a schedule is set (and not off)."""

    guild_id: int
    channel_id: int | None = None
    weekday: int = 0
    prompt_time: str = "09:00"
    close_after_hours: int = 72
    reminder_hours_before_close: int = 24
    visibility: str = "public"
    questions: tuple[Question, ...] = DEFAULT_QUESTIONS
    drift_weeks: int = DEFAULT_DRIFT_WEEKS
    enabled: bool = False
    blank_slate_weeks: int = 12  # every Nth round invites an agenda rewrite; 0: never
    delivery: str = "channel"  # channel, dm (each member's own prompt time) or both

    def with_changes(self, **changes: object) -> CheckinSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Round:
    """One week's check-in in one server."""

    id: int
    guild_id: int
    week: str
    channel_id: int
    prompt_key: str
    opens_at: datetime
    closes_at: datetime
    reminder_at: datetime | None
    visibility: str
    questions: tuple[Question, ...]
    cohort_size: int
    message_id: int | None
    thread_id: int | None
    closed_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True)
class Answer:
    """One member's answers in one round, by question position."""

    round_id: int
    user_id: int
    answers: tuple[str, ...]
    message_id: int | None
    submitted_at: datetime
    updated_at: datetime


# --- settings -------------------------------------------------------------------------------


def _settings(row: sqlite3.Row) -> CheckinSettings:
    return from_row(
        CheckinSettings,
        row,
        questions=lambda text: questions_from_json(json.loads(text or "null")),
        enabled=bool,
    )


async def get_settings(db: Database, guild_id: int) -> CheckinSettings:
    """The server's settings, or the defaults (not enabled) when nothing is stored."""
    return await get_guild_settings(db, "checkin_settings", guild_id, _settings, CheckinSettings)


async def list_enabled_guild_ids(db: Database) -> list[int]:
    rows = await db.fetchall(
        "SELECT guild_id FROM checkin_settings WHERE enabled = 1 AND channel_id IS NOT NULL"
        " ORDER BY guild_id"
    )
    return [row["guild_id"] for row in rows]


async def upsert_settings(tx: Transaction, settings: CheckinSettings, now: datetime) -> None:
    row = to_row(settings, questions=lambda q: json.dumps(questions_to_json(q)), enabled=int)
    await upsert(tx, "checkin_settings", {**row, "updated_at": to_unix(now)})


# --- rounds ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _stored_questions(text: str) -> tuple[Question, ...]:
    # Rounds repeat the same few question sets: a history of 60 rounds decodes one or two
    # JSON texts, not 60. The result is an immutable tuple, so sharing it is safe.
    return questions_from_json(json.loads(text))


def _round(row: sqlite3.Row) -> Round:
    return from_row(
        Round,
        row,
        opens_at=from_unix,
        closes_at=from_unix,
        reminder_at=optional_time,
        questions=_stored_questions,
        closed_at=optional_time,
    )


async def insert_round(
    tx: Transaction,
    *,
    guild_id: int,
    week: str,
    channel_id: int,
    prompt_key: str,
    opens_at: datetime,
    closes_at: datetime,
    reminder_at: datetime | None,
    visibility: str,
    questions: Sequence[Question],
    cohort_size: int,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO checkin_rounds (guild_id, week, channel_id, prompt_key, opens_at, closes_at,"
        " reminder_at, visibility, questions, cohort_size, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            week,
            channel_id,
            prompt_key,
            to_unix(opens_at),
            to_unix(closes_at),
            None if reminder_at is None else to_unix(reminder_at),
            visibility,
            json.dumps(questions_to_json(questions)),
            cohort_size,
            to_unix(now),
        ),
    )


async def get_round(db: Database, round_id: int) -> Round | None:
    row = await db.fetchone("SELECT * FROM checkin_rounds WHERE id = ?", (round_id,))
    return None if row is None else _round(row)


async def get_round_for_week(db: Database, guild_id: int, week: str) -> Round | None:
    row = await db.fetchone(
        "SELECT * FROM checkin_rounds WHERE guild_id = ? AND week = ?", (guild_id, week)
    )
    return None if row is None else _round(row)


async def get_open_round(db: Database, guild_id: int, now: datetime) -> Round | None:
    """The posted round open at `now`, if any (the latest, should two ever overlap)."""
    row = await db.fetchone(
        "SELECT * FROM checkin_rounds WHERE guild_id = ? AND opens_at <= ? AND closes_at > ?"
        " AND message_id IS NOT NULL ORDER BY opens_at DESC LIMIT 1",
        (guild_id, to_unix(now), to_unix(now)),
    )
    return None if row is None else _round(row)


async def count_rounds_through(db: Database, guild_id: int, round_id: int) -> int:
    """Which round of the server this is: 1 for its first (rounds opened so far)."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM checkin_rounds WHERE guild_id = ? AND id <= ?",
        (guild_id, round_id),
    )
    return int(row["n"]) if row is not None else 0


async def list_rounds(db: Database, guild_id: int, *, since_week: str = "") -> list[Round]:
    """The server's rounds from `since_week` on, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM checkin_rounds WHERE guild_id = ? AND week >= ? ORDER BY week",
        (guild_id, since_week),
    )
    return [_round(row) for row in rows]


async def list_round_weeks(db: Database, guild_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT week FROM checkin_rounds WHERE guild_id = ? ORDER BY week", (guild_id,)
    )
    return [row["week"] for row in rows]


async def get_week_before(db: Database, guild_id: int, week: str) -> str | None:
    """The week of the server's last round before `week`, if any."""
    row = await db.fetchone(
        "SELECT week FROM checkin_rounds WHERE guild_id = ? AND week < ?"
        " ORDER BY week DESC LIMIT 1",
        (guild_id, week),
    )
    return None if row is None else str(row["week"])


async def update_round_message(tx: Transaction, round_id: int, message_id: int) -> None:
    await tx.execute(
        "UPDATE checkin_rounds SET message_id = ? WHERE id = ?", (message_id, round_id)
    )


async def update_round_prompt_key(tx: Transaction, round_id: int, prompt_key: str) -> None:
    await tx.execute(
        "UPDATE checkin_rounds SET prompt_key = ? WHERE id = ?", (prompt_key, round_id)
    )


async def update_round_thread(tx: Transaction, round_id: int, thread_id: int) -> None:
    await tx.execute("UPDATE checkin_rounds SET thread_id = ? WHERE id = ?", (thread_id, round_id))


async def update_round_closed(tx: Transaction, round_id: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE checkin_rounds SET closed_at = COALESCE(closed_at, ?) WHERE id = ?",
        (to_unix(now), round_id),
    )


# --- answers --------------------------------------------------------------------------------


def _answer(row: sqlite3.Row, message_column: str = "message_id") -> Answer:
    return Answer(
        round_id=row["round_id"],
        user_id=row["user_id"],
        answers=tuple(str(a) for a in json.loads(row["answers"])),
        message_id=row[message_column],
        submitted_at=from_unix(row["submitted_at"]),
        updated_at=from_unix(row["updated_at"]),
    )


async def get_answer(db: Database, round_id: int, user_id: int) -> Answer | None:
    row = await db.fetchone(
        "SELECT * FROM checkin_answers WHERE round_id = ? AND user_id = ?", (round_id, user_id)
    )
    return None if row is None else _answer(row)


async def upsert_answer(
    tx: Transaction, round_id: int, user_id: int, answers: Sequence[str], now: datetime
) -> None:
    """Store a member's answers; a re-submission replaces them and keeps the message id."""
    await tx.execute(
        "INSERT INTO checkin_answers (round_id, user_id, answers, submitted_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO UPDATE SET"
        " answers = excluded.answers, updated_at = excluded.updated_at",
        (round_id, user_id, json.dumps(list(answers)), to_unix(now), to_unix(now)),
    )


async def update_answer_message(
    tx: Transaction, round_id: int, user_id: int, message_id: int | None
) -> None:
    await tx.execute(
        "UPDATE checkin_answers SET message_id = ? WHERE round_id = ? AND user_id = ?",
        (message_id, round_id, user_id),
    )


async def list_answered_user_ids(db: Database, round_id: int) -> set[int]:
    rows = await db.fetchall("SELECT user_id FROM checkin_answers WHERE round_id = ?", (round_id,))
    return {row["user_id"] for row in rows}


async def list_member_answers(
    db: Database,
    guild_id: int,
    user_id: int,
    *,
    limit: int = 60,
    through_week: str | None = None,
) -> list[tuple[Round, Answer]]:
    """A member's answered rounds (up to `through_week`, if given), latest first."""
    # CROSS JOIN makes SQLite walk the server's rounds newest first through their (guild,
    # week) index and stop after `limit` answers; joined the other way it read all of the
    # member's answers and sorted them (5 years: 2.1 -> 0.5 ms, bench/storage.py).
    by_week = (
        "SELECT r.*, a.round_id, a.user_id, a.answers, a.message_id AS answer_message_id,"
        " a.submitted_at, a.updated_at FROM checkin_rounds r"
        " CROSS JOIN checkin_answers a ON a.round_id = r.id AND a.user_id = ?"
        " WHERE r.guild_id = ? AND r.week <= ? ORDER BY r.week DESC LIMIT ?"
    )
    # Without an upper week, "~" sorts after every "YYYY-Www" key; a plain comparison (not
    # "? IS NULL OR ...") keeps the week range usable by the index.
    rows = await db.fetchall(by_week, (user_id, guild_id, through_week or "~", limit))
    return [(_round(row), _answer(row, "answer_message_id")) for row in rows]


async def list_answered_weeks_between(
    db: Database, guild_id: int, after: str, through: str
) -> dict[int, set[str]]:
    """Each member's answered weeks in (after, through]; "" for `after` means from the start."""
    rows = await db.fetchall(
        "SELECT a.user_id, group_concat(r.week) AS weeks FROM checkin_rounds r"
        " JOIN checkin_answers a ON a.round_id = r.id"
        " WHERE r.guild_id = ? AND r.week > ? AND r.week <= ? GROUP BY a.user_id",
        (guild_id, after, through),
    )
    return {row["user_id"]: set(row["weeks"].split(",")) for row in rows}


async def get_streak_folds(db: Database, guild_id: int) -> tuple[str, dict[int, StreakFold]]:
    """(the week the server's streaks are folded through, each member's fold); ("", {}) when
    they are not folded (migration 0009). One row: every member's fold is one JSON text."""
    row = await db.fetchone(
        "SELECT through_week, folds FROM checkin_streak_folds WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return "", {}
    users, runs, bests = json.loads(row["folds"])
    return str(row["through_week"]), dict(zip(users, map(StreakFold, runs, bests), strict=True))


async def save_streak_folds(
    tx: Transaction, guild_id: int, through_week: str, folds: Mapping[int, StreakFold]
) -> None:
    """Keep `folds`, folded through `through_week`, as the server's streaks."""
    # Three parallel lists decode faster than an object per member (bench/storage.py).
    users = list(folds)
    columns = [users, [folds[u].run for u in users], [folds[u].best for u in users]]
    text = json.dumps(columns, separators=(",", ":"))
    await tx.execute(
        "INSERT INTO checkin_streak_folds (guild_id, through_week, folds) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET through_week = excluded.through_week,"
        " folds = excluded.folds",
        (guild_id, through_week, text),
    )


async def count_answers_by_week(db: Database, guild_id: int, since_week: str) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT r.week, COUNT(a.user_id) AS n FROM checkin_rounds r"
        " LEFT JOIN checkin_answers a ON a.round_id = r.id"
        " WHERE r.guild_id = ? AND r.week >= ? GROUP BY r.week",
        (guild_id, since_week),
    )
    return {row["week"]: row["n"] for row in rows}


# --- skips ----------------------------------------------------------------------------------


async def insert_skips(
    tx: Transaction, guild_id: int, user_id: int, weeks: Sequence[str], now: datetime
) -> None:
    await tx.executemany(
        "INSERT INTO checkin_skips (guild_id, user_id, week, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [(guild_id, user_id, week, to_unix(now)) for week in weeks],
    )


async def delete_skips_from(tx: Transaction, guild_id: int, user_id: int, week: str) -> int:
    """Cancel a member's skips from `week` on; returns how many weeks were cancelled."""
    return await tx.execute(
        "DELETE FROM checkin_skips WHERE guild_id = ? AND user_id = ? AND week >= ?",
        (guild_id, user_id, week),
    )


async def list_skipped_weeks(db: Database, guild_id: int) -> dict[int, set[str]]:
    """Every member's skipped weeks in the server."""
    rows = await db.fetchall(
        "SELECT user_id, week FROM checkin_skips WHERE guild_id = ?", (guild_id,)
    )
    weeks: dict[int, set[str]] = {}
    for row in rows:
        weeks.setdefault(row["user_id"], set()).add(row["week"])
    return weeks


async def list_member_skips(db: Database, guild_id: int, user_id: int) -> set[str]:
    rows = await db.fetchall(
        "SELECT week FROM checkin_skips WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return {row["week"] for row in rows}


async def list_skipping_user_ids(db: Database, guild_id: int, week: str) -> set[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM checkin_skips WHERE guild_id = ? AND week = ?", (guild_id, week)
    )
    return {row["user_id"] for row in rows}


async def list_member_answered_weeks(db: Database, guild_id: int, user_id: int) -> set[str]:
    rows = await db.fetchall(
        "SELECT r.week FROM checkin_answers a JOIN checkin_rounds r ON r.id = a.round_id"
        " WHERE r.guild_id = ? AND a.user_id = ?",
        (guild_id, user_id),
    )
    return {row["week"] for row in rows}


# --- privacy and reset ----------------------------------------------------------------------


async def list_member_answer_messages(
    db: Database, guild_id: int, user_id: int
) -> list[tuple[int, int]]:
    """(thread id, message id) of every answer card the member has in the server's threads."""
    rows = await db.fetchall(
        "SELECT r.thread_id, a.message_id FROM checkin_answers a"
        " JOIN checkin_rounds r ON r.id = a.round_id"
        " WHERE r.guild_id = ? AND a.user_id = ? AND a.message_id IS NOT NULL"
        " AND r.thread_id IS NOT NULL",
        (guild_id, user_id),
    )
    return [(row["thread_id"], row["message_id"]) for row in rows]


async def delete_member_data(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Delete the member's answers, away weeks, reflections and help offers in the server."""
    answers = await tx.execute(
        "DELETE FROM checkin_answers WHERE user_id = ?"
        " AND round_id IN (SELECT id FROM checkin_rounds WHERE guild_id = ?)",
        (user_id, guild_id),
    )
    skips = await tx.execute(
        "DELETE FROM checkin_skips WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    reflections = await tx.execute(
        "DELETE FROM checkin_reflections WHERE user_id = ?"
        " AND round_id IN (SELECT id FROM checkin_rounds WHERE guild_id = ?)",
        (user_id, guild_id),
    )
    # An offer of help names two members; forgetting either removes the record of it.
    offers = await tx.execute(
        "DELETE FROM checkin_help_offers WHERE (asker_id = ? OR helper_id = ?)"
        " AND round_id IN (SELECT id FROM checkin_rounds WHERE guild_id = ?)",
        (user_id, user_id, guild_id),
    )
    return answers + skips + reflections + offers


async def delete_settings(tx: Transaction, guild_id: int) -> int:
    return await tx.execute("DELETE FROM checkin_settings WHERE guild_id = ?", (guild_id,))


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    """Members with data of their own here (departures are reconciled against it)."""
    rows = await db.fetchall(
        "SELECT user_id FROM checkin_skips WHERE guild_id = ?"
        " UNION SELECT a.user_id FROM checkin_answers AS a"
        " JOIN checkin_rounds AS r ON r.id = a.round_id WHERE r.guild_id = ?",
        (guild_id, guild_id),
    )
    return {row[0] for row in rows if row[0]}
