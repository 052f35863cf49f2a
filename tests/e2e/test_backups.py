"""Automatic backups end to end: taken at start-up when due, once a day, checked, the newest
BACKUP_KEEP kept, counted in /metrics; a failure is shown in /about to moderators only."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def backups_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("hamming-2"))


async def test_daily_backups_are_checked_pruned_and_counted(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")
    runner.overrides.update(backup_dir=str(folder), backup_keep=2)

    bot = await runner.start()  # no backup yet: one is due at start-up
    assert len(backups_in(folder)) == 1
    runner.clock.set(runner.clock.now() + timedelta(hours=1))
    bot = await runner.restart()  # an hour later: not due again
    assert len(backups_in(folder)) == 1
    for _ in range(2):  # a day later, each time: one more, and only the newest two are kept
        runner.clock.set(runner.clock.now() + timedelta(days=1, minutes=1))
        bot = await runner.restart()
    kept = backups_in(folder)
    assert len(kept) == 2
    assert (folder / "notes.txt").exists()
    for name in kept:  # each copy is a whole, sound database with the bot's data
        with sqlite3.connect(folder / name) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] > 0
        assert (folder / name).stat().st_mode & 0o077 == 0  # owner-only, like the database

    base = f"http://127.0.0.1:{bot.settings.http_port}"
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as response:
        metrics = await response.text()
    assert 'hamming_backups_total{outcome="ok"} 1' in metrics  # this process took one
    assert "hamming_backup_last_success_timestamp_seconds" in metrics

    about = await fake_discord.invoke(cohort.guild, cohort.owner, "about")
    fields = {f["name"]: f["value"] for f in about.embeds[0]["fields"]}
    assert "Last good backup <t:" in fields["Backups"] and "keeping 2" in fields["Backups"]


async def test_a_failed_backup_is_logged_and_shown_to_moderators_only(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    runner.overrides.update(backup_dir=str(blocked))
    bot = await runner.start()
    assert bot.metrics.value("hamming_backups_total", outcome="failed") == 1

    about = await fake_discord.invoke(cohort.guild, cohort.owner, "about")
    fields = {f["name"]: f["value"] for f in about.embeds[0]["fields"]}
    assert "The last automatic backup failed" in fields["Backups"]
    assert str(tmp_path) not in fields["Backups"]  # paths are for the operator's log
    member_view = await fake_discord.invoke(cohort.guild, cohort.alice, "about")
    assert "Backups" not in {f["name"] for f in member_view.embeds[0]["fields"]}

    # The failed run was not recorded: the next start tries again, and succeeds.
    blocked.unlink()
    blocked.mkdir()
    bot = await runner.restart()
    assert len(backups_in(blocked)) == 1
