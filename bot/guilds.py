"""Core per-server and per-member settings, and the configuration audit trail (all SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction
from bot.time import zone_or_utc

# How long a closed-DM answer (50007) sends a member's messages to the channel fallback before
# a DM is tried again.
DM_RETRY_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    timezone: str = "UTC"
    moderator_role_id: int | None = None
    cohort_role_id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    guild_id: int
    actor_id: int
    setting: str
    old_value: str | None
    new_value: str | None
    at: datetime


def settings_memo_key(guild_id: int) -> tuple[str, int]:
    """The Database memo's key for a server's settings: every writer of guild_settings
    forgets it after commit (`Transaction.forget_after_commit`)."""
    return ("guild_settings", guild_id)


async def get_guild_settings(db: Database, guild_id: int) -> GuildSettings:
    # Memoised (bot/db.py): every member command checks the cohort role and zone here.
    key = settings_memo_key(guild_id)
    remembered, generation = db.memo_get(key)
    if isinstance(remembered, GuildSettings):
        return remembered
    row = await db.fetchone(
        "SELECT guild_id, timezone, moderator_role_id, cohort_role_id"
        " FROM guild_settings WHERE guild_id = ?",
        (guild_id,),
    )
    found = (
        GuildSettings(guild_id)
        if row is None
        else GuildSettings(
            row["guild_id"], row["timezone"], row["moderator_role_id"], row["cohort_role_id"]
        )
    )
    db.memo_put(key, found, generation)
    return found


# Column names are a closed set; never interpolate anything a person typed.
_GUILD_COLUMNS = frozenset({"timezone", "moderator_role_id", "cohort_role_id"})


async def update_guild_setting(
    tx: Transaction,
    *,
    guild_id: int,
    column: str,
    value: str | int | None,
    actor_id: int,
    shown_old: str | None,
    shown_new: str | None,
    now: datetime,
) -> None:
    """Change one column and write the audit row, in the caller's transaction."""
    if column not in _GUILD_COLUMNS:
        raise ValueError(f"unknown guild setting {column}")
    stamp = to_unix(now)
    tx.forget_after_commit(settings_memo_key(guild_id))
    await tx.execute(
        "INSERT INTO guild_settings (guild_id, created_at, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, stamp, stamp),
    )
    await tx.execute(
        f"UPDATE guild_settings SET {column} = ?, updated_at = ? WHERE guild_id = ?",  # noqa: S608 - column from a closed set
        (value, stamp, guild_id),
    )
    await insert_audit(
        tx,
        guild_id=guild_id,
        actor_id=actor_id,
        setting=column,
        old_value=shown_old,
        new_value=shown_new,
        now=now,
    )


async def insert_audit(
    tx: Transaction,
    *,
    guild_id: int,
    actor_id: int,
    setting: str,
    old_value: str | None,
    new_value: str | None,
    now: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO config_audit (guild_id, actor_id, setting, old_value, new_value, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, setting, old_value, new_value, to_unix(now)),
    )


async def audit_changes(
    tx: Transaction,
    *,
    guild_id: int,
    actor_id: int,
    before: dict[str, str],
    after: dict[str, str],
    now: datetime,
) -> list[str]:
    """One audit row per setting whose shown value changed; returns the changed names."""
    changed = [name for name, value in after.items() if before.get(name) != value]
    for name in changed:
        await insert_audit(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            setting=name,
            old_value=before.get(name),
            new_value=after[name],
            now=now,
        )
    return changed


async def list_audit(db: Database, guild_id: int, limit: int = 20) -> list[AuditEntry]:
    rows = await db.fetchall(
        "SELECT * FROM config_audit WHERE guild_id = ? ORDER BY at DESC, id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [
        AuditEntry(
            r["guild_id"],
            r["actor_id"],
            r["setting"],
            r["old_value"],
            r["new_value"],
            from_unix(r["at"]),
        )
        for r in rows
    ]


async def get_member_timezone(db: Database, guild_id: int, user_id: int) -> str | None:
    row = await db.fetchone(
        "SELECT timezone FROM member_settings WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None else row["timezone"]


async def get_reading_zone(db: Database, guild_id: int, user_id: int) -> ZoneInfo:
    """The zone to read a member's typed times in: their own, else the server's."""
    own = await get_member_timezone(db, guild_id, user_id)
    if own:
        return zone_or_utc(own)
    return zone_or_utc((await get_guild_settings(db, guild_id)).timezone)


async def get_guild_zone(db: Database, guild_id: int) -> ZoneInfo:
    return zone_or_utc((await get_guild_settings(db, guild_id)).timezone)


async def set_member_timezone(
    db: Database, guild_id: int, user_id: int, zone: str, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO member_settings (guild_id, user_id, timezone, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET timezone = excluded.timezone,"
        " updated_at = excluded.updated_at",
        (guild_id, user_id, zone, to_unix(now)),
    )


async def mark_dm_closed(db: Database, guild_id: int, user_id: int, now: datetime) -> None:
    await db.execute(
        "INSERT INTO member_settings (guild_id, user_id, dm_closed_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " dm_closed_at = excluded.dm_closed_at, updated_at = excluded.updated_at",
        (guild_id, user_id, to_unix(now), to_unix(now)),
    )


async def clear_dm_closed(db: Database, guild_id: int, user_id: int) -> None:
    """A DM reached the member (or they asked for DMs): try DMs first again."""
    await db.execute(
        "UPDATE member_settings SET dm_closed_at = NULL"
        " WHERE guild_id = ? AND user_id = ? AND dm_closed_at IS NOT NULL",
        (guild_id, user_id),
    )


async def get_dm_closed_at(db: Database, guild_id: int, user_id: int) -> datetime | None:
    row = await db.fetchone(
        "SELECT dm_closed_at FROM member_settings WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None or row["dm_closed_at"] is None else from_unix(row["dm_closed_at"])


async def is_dm_closed(
    db: Database, guild_id: int, user_id: int, now: datetime | None = None
) -> bool:
    """Whether DMs to the member are known closed; with `now`, only while the mark is younger
    than DM_RETRY_AFTER (people reopen their DMs, so a week later the DM is tried again)."""
    closed_at = await get_dm_closed_at(db, guild_id, user_id)
    return closed_at is not None and (now is None or closed_at + DM_RETRY_AFTER > now)


# -- servers that removed the bot --------------------------------------------------------------

# Tables that are about the installation, not a server; everything else is purged by guild.
_NOT_SERVER_DATA = frozenset({"bot_meta", "schema_migrations", "removed_guilds"})


async def mark_removed(db: Database, guild_id: int, now: datetime) -> None:
    """Keep the first removal time (a repeated event must not restart the retention clock)."""
    await db.execute(
        "INSERT INTO removed_guilds (guild_id, removed_at) VALUES (?, ?)"
        " ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_unix(now)),
    )


async def clear_removed(db: Database, guild_id: int) -> bool:
    """The bot is in the server again; True if it had been removed."""
    return await db.execute("DELETE FROM removed_guilds WHERE guild_id = ?", (guild_id,)) == 1


async def forget_removed(tx: Transaction, guild_id: int) -> None:
    """Purged: the record of the removal goes too."""
    await tx.execute("DELETE FROM removed_guilds WHERE guild_id = ?", (guild_id,))


async def list_removed_ids(db: Database) -> set[int]:
    rows = await db.fetchall("SELECT guild_id FROM removed_guilds")
    return {row["guild_id"] for row in rows}


async def is_removed(db: Database, guild_id: int) -> bool:
    row = await db.fetchone("SELECT 1 FROM removed_guilds WHERE guild_id = ?", (guild_id,))
    return row is not None


async def list_removed_due_for_purge(db: Database, now: datetime) -> list[int]:
    """Servers removed longer ago than their retention period (the departed members' one)."""
    rows = await db.fetchall(
        "SELECT r.guild_id, r.removed_at, COALESCE(g.retention_days, 90) AS days"
        " FROM removed_guilds AS r LEFT JOIN guild_settings AS g USING (guild_id)"
    )
    return [
        row["guild_id"]
        for row in rows
        if from_unix(row["removed_at"]) + timedelta(days=row["days"]) <= now
    ]


async def purge_guild(tx: Transaction, guild_id: int) -> int:
    """Delete every row of the server, in every table, from the schema itself.

    Read from the schema so that no feature's table (today's or a future one) is missed:
    tables with a guild_id column directly, tables without one through their foreign keys
    (children before parents, since not every key cascades). Returns the rows deleted.
    """
    names = [
        row["name"]
        for row in await tx.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if row["name"] not in _NOT_SERVER_DATA
    ]
    where: dict[str, tuple[str, list[int]]] = {}  # table -> (condition, parameters)
    parents: dict[str, list[tuple[str, str, str]]] = {}
    for name in names:
        columns = {c["name"] for c in await tx.fetchall(f"PRAGMA table_info({name})")}
        if "guild_id" in columns:
            where[name] = ("guild_id = ?", [guild_id])
        keys = await tx.fetchall(f"PRAGMA foreign_key_list({name})")
        parents[name] = [(k["table"], k["from"], k["to"]) for k in keys]
    # Tables reached only through a parent: follow keys until nothing new is found.
    changed = True
    while changed:
        changed = False
        for name in names:
            if name in where:
                continue
            for parent, column, parent_column in parents[name]:
                if parent in where:
                    condition, params = where[parent]
                    where[name] = (
                        f"{column} IN (SELECT {parent_column} FROM {parent} WHERE {condition})",  # noqa: S608 - names from the schema
                        params,
                    )
                    changed = True
                    break
    deleted = 0
    for name in _children_first(list(where), parents):
        condition, params = where[name]
        deleted += await tx.execute(f"DELETE FROM {name} WHERE {condition}", params)  # noqa: S608 - names from the schema
    tx.forget_after_commit(settings_memo_key(guild_id))
    return deleted


def _children_first(tables: list[str], parents: dict[str, list[tuple[str, str, str]]]) -> list[str]:
    """Order tables so each comes before every table it references (depth-first: a table is
    listed after all the tables that reference it)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for child in tables:
            if any(parent == name for parent, _, _ in parents[child]) and child != name:
                visit(child)
        order.append(name)

    for name in tables:
        visit(name)
    return order
