"""Storage: a kill during writes, a backup under load, a full disk, an unusable path and a
corrupt file, each through `python -m bot` (or the real bot in-process where SQLite's limits
can only be set on the bot's own connection)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord
from tests.reliability.harness import (
    BotProcess,
    bot_messages_since,
    build_world,
    copy_database,
    message_watermark,
    process_env,
    seed_fanout,
    tally,
    wait_quiescent,
)

pytestmark = pytest.mark.e2e


async def cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


def integrity(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]


@pytest.mark.slow
async def test_backup_taken_under_load_restores_to_a_working_bot(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    world = build_world(fake, 200)
    await seed_fanout(fake, world, tmp_path / "template.sqlite3")
    live = tmp_path / "live" / "hamming.sqlite3"
    copy_database(tmp_path / "template.sqlite3", live)
    watermark = message_watermark(fake)
    env = process_env(fake, live, tmp_path)
    bot = BotProcess(env, tmp_path, tmp_path / "live.log")
    await bot.start()
    for _ in range(600):
        if len(bot_messages_since(fake, watermark)) >= 50:
            break
        await asyncio.sleep(0.02)
    backup = tmp_path / "backups" / "hamming-backup.sqlite3"
    code, out = await cli(env, tmp_path, "backup", str(backup))  # while the fan-out writes
    assert code == 0, out
    assert bot.running
    assert await bot.stop() == 0
    assert integrity(backup) == ["ok"]
    assert os.stat(backup).st_mode & 0o777 == 0o600

    # Restore: the live database is lost; the bot starts from the backup and finishes the week.
    restored = tmp_path / "restored" / "hamming.sqlite3"
    copy_database(backup, restored)
    bot = BotProcess(process_env(fake, restored, tmp_path), tmp_path, tmp_path / "restored.log")
    await bot.start()
    await wait_quiescent(restored, bot, timeout=90)
    about = await fake.invoke(world.guild, world.owner, "config show", timeout=10)
    assert about.embeds
    assert await bot.stop() == 0
    counted = tally(fake, restored, watermark)
    # Sends done after the backup are repeated from it with the same nonce, which Discord's
    # window answers with the first message: nothing is missing and nothing shows twice.
    assert (counted.misses, counted.duplicates, counted.reminders) == (0, 0, 200)


async def test_a_corrupt_database_is_refused_at_start_with_a_clear_message(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "hamming.sqlite3"
    env = process_env(fake_discord, database, tmp_path)
    code, out = await cli(env, tmp_path, "migrate")
    assert code == 0, out
    data = bytearray(database.read_bytes())
    page = 4096
    for offset in range(page, len(data)):  # every page after the header page: scrambled
        data[offset] = (offset * 131) % 251
    database.write_bytes(bytes(data))
    for command in ("run", "check"):
        code, out = await cli(env, tmp_path, command)
        assert code == 2, out
        assert "hamming: database:" in out and "restore it from a backup" in out, out
        assert "Traceback" not in out
    assert fake_discord.requests_matching(None, r"/users/@me$") == []  # never went online


async def test_an_unusable_database_path_gives_a_clear_error(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """As root, file modes do not stop writes; a folder under /proc can never be created."""
    for path in (Path("/proc/hamming-data/hamming.sqlite3"), Path("/proc/self/hamming.sqlite3")):
        env = process_env(fake_discord, path, tmp_path)
        code, out = await cli(env, tmp_path, "run")
        assert code == 2, out
        assert f"cannot create {path}" in out and "DATABASE_PATH" in out, out
        assert "Traceback" not in out


async def test_a_full_disk_refuses_the_change_clearly_and_keeps_the_database_whole(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    """Simulated with SQLite's max_page_count on the bot's connection: every write that needs
    a new page fails with SQLITE_FULL ("database or disk is full"), as on a full disk."""
    fake = fake_discord
    bot = await runner.start()
    changed = await fake.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Asia/Tokyo"}
    )
    assert "Asia/Tokyo" in (changed.content or "")
    conn = bot.db._conn  # the limit is per connection: only the bot's counts
    async with conn.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await conn.execute(f"PRAGMA max_page_count = {int(row[0])}")
    note = "x" * 20000  # more than the free space left in any page
    failed = await fake.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"}
    )
    # The audit row and the setting are one transaction: a tiny change may still fit in the
    # existing pages, so also try a write that cannot fit.
    result_texts = [failed.content or "", *(m.content for m in failed.followups)]
    with pytest.raises(sqlite3.OperationalError, match="full"):
        async with bot.db.transaction() as tx:
            await tx.execute("INSERT INTO bot_meta (key, value) VALUES ('filler', ?)", (note,))
    await conn.execute("PRAGMA max_page_count = 1073741823")
    shown = await fake.invoke(cohort.guild, cohort.owner, "config show")
    zone = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}["Time zone"]
    assert zone in ("Asia/Tokyo", "Europe/Berlin")
    if zone == "Asia/Tokyo":  # the change was refused: the member was told, with a reference
        told = [t for t in result_texts if "ref" in t.lower() or "went wrong" in t.lower()]
        assert told, result_texts
    assert await bot.db.fetchone("SELECT value FROM bot_meta WHERE key = 'filler'") is None
    await runner.stop()
    assert integrity(runner.database_path) == ["ok"]
