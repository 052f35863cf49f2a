"""The per-server settings store: typed reads, one audit row per changed setting, all or nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.db import Database, Migration, Transaction, open_database, read_migrations
from bot.errors import DomainError
from bot.guild_settings import GuildSettings

TABLE = Migration(
    9999,
    "example_settings",
    "-- why: test\nCREATE TABLE example_settings"
    " (guild_id INTEGER PRIMARY KEY, channel_id INTEGER, hour INTEGER NOT NULL);",
)


@dataclass(frozen=True)
class ExampleSettings:
    guild_id: int
    channel_id: int | None = None
    hour: int = 9  # the default, for a server without a row


async def read(db: Database, guild_id: int) -> ExampleSettings:
    row = await db.fetchone("SELECT * FROM example_settings WHERE guild_id = ?", (guild_id,))
    if row is None:
        return ExampleSettings(guild_id)
    return ExampleSettings(guild_id, row["channel_id"], row["hour"])


async def write(tx: Transaction, settings: ExampleSettings, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO example_settings (guild_id, channel_id, hour) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
        " hour = excluded.hour",
        (settings.guild_id, settings.channel_id, settings.hour),
    )


def shown(settings: ExampleSettings) -> dict[str, str]:
    return {
        "example.channel": f"<#{settings.channel_id}>" if settings.channel_id else "none",
        "example.hour": f"{settings.hour:02d}:00",
    }


async def audit_rows(db: Database) -> list[tuple[str, str, str]]:
    rows = await db.fetchall("SELECT setting, old_value, new_value FROM config_audit ORDER BY id")
    return [(r["setting"], r["old_value"], r["new_value"]) for r in rows]


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with open_database(tmp_path / "db.sqlite3", migrations=[*read_migrations(), TABLE]) as db:
        yield db


def store(db: Database) -> GuildSettings[ExampleSettings]:
    clock = ManualClock(datetime(2026, 12, 6, 12, tzinfo=UTC))
    return GuildSettings(db, clock, read=read, write=write, shown=shown)


async def test_a_server_without_a_row_reads_the_defaults(db: Database) -> None:
    assert await store(db).get(1) == ExampleSettings(1, None, 9)


async def test_a_save_writes_and_audits_only_what_changed(db: Database) -> None:
    settings = store(db)
    saved = await settings.save(1, 42, lambda s: dataclasses.replace(s, channel_id=7))
    assert saved.changed == ("example.channel",)
    assert await settings.get(1) == ExampleSettings(1, 7, 9)
    again = await settings.save(1, 42, lambda s: dataclasses.replace(s, channel_id=7, hour=10))
    assert again.changed == ("example.hour",)
    assert await audit_rows(db) == [
        ("example.channel", "none", "<#7>"),
        ("example.hour", "09:00", "10:00"),
    ]
    unchanged = await settings.save(1, 42, lambda s: s)
    assert unchanged.changed == () and len(await audit_rows(db)) == 2


async def test_a_refused_change_or_a_failing_follow_up_leaves_nothing(db: Database) -> None:
    settings = store(db)

    def refuse(s: ExampleSettings) -> ExampleSettings:
        raise DomainError("The hour must be 0-23.")

    with pytest.raises(DomainError):
        await settings.save(1, 42, refuse)

    async def fail(tx: Transaction, old: ExampleSettings, new: ExampleSettings) -> None:
        raise RuntimeError("replanning failed")

    with pytest.raises(RuntimeError):
        await settings.save(1, 42, lambda s: dataclasses.replace(s, hour=11), after=fail)
    assert await settings.get(1) == ExampleSettings(1)
    assert await audit_rows(db) == []


async def test_the_follow_up_sees_old_and_new_inside_the_transaction(db: Database) -> None:
    seen: list[tuple[int, int]] = []

    async def after(tx: Transaction, old: ExampleSettings, new: ExampleSettings) -> None:
        row = await tx.fetchone("SELECT hour FROM example_settings WHERE guild_id = 1")
        assert row is not None
        seen.append((old.hour, row["hour"]))

    await store(db).save(1, 42, lambda s: dataclasses.replace(s, hour=15), after=after)
    assert seen == [(9, 15)]
