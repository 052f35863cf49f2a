"""Every SQL statement of the grants feature, returning dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.rows import (
    RowReader,
    changed_one,
    get_guild_settings,
    optional_time,
    to_row,
    upsert,
)
from cogs.grants.logic import (
    DEFAULT_OFFSETS,
    Grant,
    format_offsets,
    name_key,
    read_offsets,
)

# grant_feeds.added_by of a feed whose adder asked to be forgotten (the column is NOT NULL).
FORGOTTEN_MEMBER = 0

_GRANT_COLUMNS = (
    "id, guild_id, name, deadline_at, deadline_zone, rolling, url, funder, notes, feed_id,"
    " source_uid, source_hash, schedule_rev, reminder_cycle_rev, created_by"
)


@dataclass(frozen=True, slots=True)
class GrantSettings:
    guild_id: int
    channel_id: int | None = None
    offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS
    rolling_nudge: bool = False


@dataclass(frozen=True, slots=True)
class Subscription:
    guild_id: int
    user_id: int
    grant_id: int | None  # None: every grant
    offsets: tuple[timedelta, ...]  # empty: unsubscribed from this grant only
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    guild_id: int
    url: str
    added_by: int
    last_fetched_at: datetime | None
    last_error: str | None
    added_at: datetime | None = None


_grant = RowReader(Grant, {"deadline": "deadline_at"}, deadline=optional_time, rolling=bool)


def _unix(instant: datetime | None) -> int | None:
    return None if instant is None else to_unix(instant)


# --- settings -----------------------------------------------------------------------------------


_settings = RowReader(GrantSettings, offsets=read_offsets, rolling_nudge=bool)


async def get_settings(db: Database, guild_id: int) -> GrantSettings:
    return await get_guild_settings(db, "grant_settings", guild_id, _settings, GrantSettings)


async def upsert_settings(tx: Transaction, settings: GrantSettings, now: datetime) -> None:
    row = to_row(settings, offsets=format_offsets, rolling_nudge=int)
    await upsert(tx, "grant_settings", {**row, "updated_at": to_unix(now)})


async def delete_settings(tx: Transaction, guild_id: int) -> int:
    """Back to a new server's defaults: no channel, the default offsets, no nudge."""
    return await tx.execute("DELETE FROM grant_settings WHERE guild_id = ?", (guild_id,))


async def list_nudge_guild_ids(db: Database) -> list[int]:
    rows = await db.fetchall(
        "SELECT guild_id FROM grant_settings WHERE rolling_nudge = 1 ORDER BY guild_id"
    )
    return [row["guild_id"] for row in rows]


# --- grants -------------------------------------------------------------------------------------


async def insert_grant(
    tx: Transaction,
    *,
    guild_id: int,
    name: str,
    deadline: datetime | None,
    deadline_zone: str,
    rolling: bool,
    url: str | None,
    funder: str | None,
    notes: str | None,
    created_by: int | None,
    now: datetime,
    feed_id: int | None = None,
    source_uid: str | None = None,
    source_hash: str | None = None,
) -> Grant:
    grant_id = await tx.insert(
        "INSERT INTO grants (guild_id, name, name_key, deadline_at, deadline_zone, rolling, url,"
        " funder, notes, feed_id, source_uid, source_hash, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            name,
            name_key(name),
            _unix(deadline),
            deadline_zone,
            int(rolling),
            url,
            funder,
            notes,
            feed_id,
            source_uid,
            source_hash,
            created_by,
            to_unix(now),
            to_unix(now),
        ),
    )
    row = await tx.fetchone(f"SELECT {_GRANT_COLUMNS} FROM grants WHERE id = ?", (grant_id,))  # noqa: S608 - fixed column list
    assert row is not None
    return _grant(row)


async def update_grant(tx: Transaction, grant: Grant, now: datetime) -> None:
    """Store every field of `grant` (by id).

    A deadline change (a new schedule_rev) made when the stored deadline had already passed,
    or there was none, starts a new round of reminders: reminder_cycle_rev becomes the new
    rev. Decided here from the stored row, so every caller that moves a deadline (/grants edit,
    a feed import) gets the same rule. SET expressions read the row as it was before.
    """
    await tx.execute(
        "UPDATE grants SET reminder_cycle_rev = CASE WHEN schedule_rev != ?"
        " AND (deadline_at IS NULL OR deadline_at <= ?) THEN ? ELSE reminder_cycle_rev END,"
        " name = ?, name_key = ?, deadline_at = ?, deadline_zone = ?,"
        " rolling = ?, url = ?, funder = ?, notes = ?, source_hash = ?, schedule_rev = ?,"
        " updated_at = ? WHERE id = ?",
        (
            grant.schedule_rev,
            to_unix(now),
            grant.schedule_rev,
            grant.name,
            name_key(grant.name),
            _unix(grant.deadline),
            grant.deadline_zone,
            int(grant.rolling),
            grant.url,
            grant.funder,
            grant.notes,
            grant.source_hash,
            grant.schedule_rev,
            to_unix(now),
            grant.id,
        ),
    )


async def delete_grant(tx: Transaction, guild_id: int, grant_id: int) -> bool:
    return await changed_one(
        tx, "DELETE FROM grants WHERE guild_id = ? AND id = ?", (guild_id, grant_id)
    )


async def get_grant(db: Database, guild_id: int, grant_id: int) -> Grant | None:
    row = await db.fetchone(
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ? AND id = ?",  # noqa: S608 - fixed column list
        (guild_id, grant_id),
    )
    return None if row is None else _grant(row)


async def get_grant_by_name(db: Database, guild_id: int, name: str) -> Grant | None:
    return await _grant.one(
        db,
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ? AND name_key = ?",  # noqa: S608 - fixed column list
        (guild_id, name_key(name)),
    )


async def get_grant_by_source(db: Database, feed_id: int, uid: str) -> Grant | None:
    return await _grant.one(
        db,
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE feed_id = ? AND source_uid = ?",  # noqa: S608 - fixed column list
        (feed_id, uid),
    )


async def list_grants(db: Database, guild_id: int) -> list[Grant]:
    rows = await db.fetchall(
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ? ORDER BY id",  # noqa: S608 - fixed column list
        (guild_id,),
    )
    return [_grant(row) for row in rows]


async def list_name_keys(db: Database, guild_id: int) -> set[str]:
    rows = await db.fetchall("SELECT name_key FROM grants WHERE guild_id = ?", (guild_id,))
    return {row["name_key"] for row in rows}


async def list_upcoming_grants(
    db: Database, now: datetime, guild_id: int | None = None
) -> list[Grant]:
    """Grants whose deadline is still ahead (of one server, or of all)."""
    if guild_id is None:
        rows = await db.fetchall(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE deadline_at > ? ORDER BY deadline_at",  # noqa: S608 - fixed column list
            (to_unix(now),),
        )
    else:
        rows = await db.fetchall(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ? AND deadline_at > ?"  # noqa: S608 - fixed column list
            " ORDER BY deadline_at",
            (guild_id, to_unix(now)),
        )
    return [_grant(row) for row in rows]


async def list_grants_created_by(db: Database, guild_id: int, user_id: int) -> list[Grant]:
    return await _grant.all(
        db,
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ? AND created_by = ? ORDER BY id",  # noqa: S608 - fixed column list
        (guild_id, user_id),
    )


async def list_grants_mentioning(db: Database, guild_id: int, text: str) -> list[Grant]:
    """Grants whose funder or notes contain `text` (e.g. a member's id in a mention)."""
    return await _grant.all(
        db,
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ?"  # noqa: S608 - fixed column list
        " AND (instr(IFNULL(funder, ''), ?) > 0 OR instr(IFNULL(notes, ''), ?) > 0)"
        " ORDER BY id",
        (guild_id, text, text),
    )


async def update_anonymise_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Grants and feeds a member added stay (the cohort's data) but no longer name them."""
    changed = await tx.execute(
        "UPDATE grants SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
        (guild_id, user_id),
    )
    changed += await tx.execute(
        "UPDATE grant_feeds SET added_by = ? WHERE guild_id = ? AND added_by = ?",
        (FORGOTTEN_MEMBER, guild_id, user_id),
    )
    return changed


async def list_rolling_grants(db: Database, guild_id: int) -> list[Grant]:
    return await _grant.all(
        db,
        f"SELECT {_GRANT_COLUMNS} FROM grants WHERE guild_id = ? AND rolling = 1"  # noqa: S608 - fixed column list
        " AND deadline_at IS NULL ORDER BY name_key",
        (guild_id,),
    )


async def count_grants(db: Database, guild_id: int, now: datetime) -> tuple[int, int, int]:
    """(upcoming deadlines, rolling, no date known)."""
    row = await db.fetchone(
        "SELECT"
        " SUM(CASE WHEN deadline_at > ? THEN 1 ELSE 0 END) AS upcoming,"
        " SUM(CASE WHEN deadline_at IS NULL AND rolling = 1 THEN 1 ELSE 0 END) AS rolling,"
        " SUM(CASE WHEN deadline_at IS NULL AND rolling = 0 THEN 1 ELSE 0 END) AS unknown"
        " FROM grants WHERE guild_id = ?",
        (to_unix(now), guild_id),
    )
    if row is None:
        return 0, 0, 0
    return row["upcoming"] or 0, row["rolling"] or 0, row["unknown"] or 0


# --- subscriptions ------------------------------------------------------------------------------


_subscription = RowReader(Subscription, offsets=read_offsets, created_at=from_unix)


async def upsert_subscription(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    grant_id: int | None,
    offsets: tuple[timedelta, ...],
    now: datetime,
) -> Subscription | None:
    """Store a subscription; returns the one it replaced, if any."""
    old = await _get_subscription(tx, guild_id, user_id, grant_id)
    await _delete_subscription(tx, guild_id, user_id, grant_id)
    await tx.execute(
        "INSERT INTO grant_subscriptions (guild_id, user_id, grant_id, offsets, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (guild_id, user_id, grant_id, format_offsets(offsets) if offsets else "", to_unix(now)),
    )
    return old


async def delete_subscription(
    tx: Transaction, guild_id: int, user_id: int, grant_id: int | None
) -> bool:
    return await _delete_subscription(tx, guild_id, user_id, grant_id) > 0


async def _delete_subscription(
    tx: Transaction, guild_id: int, user_id: int, grant_id: int | None
) -> int:
    return await tx.execute(
        "DELETE FROM grant_subscriptions WHERE guild_id = ? AND user_id = ?"
        " AND IFNULL(grant_id, 0) = ?",
        (guild_id, user_id, grant_id or 0),
    )


async def _get_subscription(
    tx: Transaction, guild_id: int, user_id: int, grant_id: int | None
) -> Subscription | None:
    row = await tx.fetchone(
        "SELECT * FROM grant_subscriptions WHERE guild_id = ? AND user_id = ?"
        " AND IFNULL(grant_id, 0) = ?",
        (guild_id, user_id, grant_id or 0),
    )
    return None if row is None else _subscription(row)


async def delete_grant_subscriptions_of_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Every per-grant row of a member (used when they unsubscribe from everything)."""
    return await tx.execute(
        "DELETE FROM grant_subscriptions WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )


async def count_subscriptions(db: Database, guild_id: int) -> dict[int | None, int]:
    """Members subscribed per grant (None: to every grant); muted rows do not count."""
    rows = await db.fetchall(
        "SELECT grant_id, COUNT(*) AS members FROM grant_subscriptions"
        " WHERE guild_id = ? AND offsets != '' GROUP BY grant_id",
        (guild_id,),
    )
    return {row["grant_id"]: row["members"] for row in rows}


async def list_subscriptions_for_grant(
    db: Database, guild_id: int, grant_id: int
) -> list[Subscription]:
    """The grant's own subscriptions and every all-grants subscription of the server."""
    rows = await db.fetchall(
        "SELECT * FROM grant_subscriptions WHERE guild_id = ?"
        " AND (grant_id = ? OR grant_id IS NULL) ORDER BY id",
        (guild_id, grant_id),
    )
    return [_subscription(row) for row in rows]


async def list_member_subscriptions(
    db: Database, guild_id: int, user_id: int
) -> list[Subscription]:
    return await _subscription.all(
        db,
        "SELECT * FROM grant_subscriptions WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (guild_id, user_id),
    )


# --- imported feeds -----------------------------------------------------------------------------


_feed = RowReader(Feed, last_fetched_at=optional_time, added_at=from_unix)


async def get_or_insert_feed(
    tx: Transaction, guild_id: int, url: str, added_by: int, now: datetime
) -> Feed:
    await tx.execute(
        "INSERT INTO grant_feeds (guild_id, url, added_by, added_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, url) DO NOTHING",
        (guild_id, url, added_by, to_unix(now)),
    )
    row = await tx.fetchone(
        "SELECT * FROM grant_feeds WHERE guild_id = ? AND url = ?", (guild_id, url)
    )
    assert row is not None
    return _feed(row)


async def update_feed_status(
    db: Database, feed_id: int, *, fetched_at: datetime, error: str | None
) -> None:
    await db.execute(
        "UPDATE grant_feeds SET last_fetched_at = ?, last_error = ? WHERE id = ?",
        (to_unix(fetched_at), error, feed_id),
    )


async def list_feeds(db: Database, guild_id: int) -> list[Feed]:
    return await _feed.all(
        db, "SELECT * FROM grant_feeds WHERE guild_id = ? ORDER BY id", (guild_id,)
    )


async def get_feed(db: Database, guild_id: int, url: str) -> Feed | None:
    row = await db.fetchone(
        "SELECT * FROM grant_feeds WHERE guild_id = ? AND url = ?", (guild_id, url)
    )
    return None if row is None else _feed(row)


async def list_feeds_added_by(db: Database, guild_id: int, user_id: int) -> list[Feed]:
    return await _feed.all(
        db,
        "SELECT * FROM grant_feeds WHERE guild_id = ? AND added_by = ? ORDER BY id",
        (guild_id, user_id),
    )


async def delete_feed(tx: Transaction, feed_id: int) -> None:
    """Stop following a feed; its grants stay (their feed link is cleared by the schema)."""
    await tx.execute("UPDATE grants SET source_uid = NULL WHERE feed_id = ?", (feed_id,))
    await tx.execute("DELETE FROM grant_feeds WHERE id = ?", (feed_id,))


async def list_feed_guild_ids(db: Database) -> list[int]:
    rows = await db.fetchall("SELECT DISTINCT guild_id FROM grant_feeds ORDER BY guild_id")
    return [row["guild_id"] for row in rows]


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    """Members with data of their own here (departures are reconciled against it)."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM grant_subscriptions WHERE guild_id = ?",
        (guild_id,),
    )
    return {row[0] for row in rows if row[0]}
