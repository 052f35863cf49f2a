"""Automatic daily backups: a consistent copy of the database in BACKUP_DIR, checked, the
newest BACKUP_KEEP kept.

The copy is SQLite's online backup (bot.db.backup_database), safe while the bot writes. Each
copy is then opened on its own and checked with `PRAGMA integrity_check`, off the event loop:
a backup nobody has ever opened is not yet a backup. It runs as a periodic job, so a bot that
was down when a backup was due takes one at start-up, and a failed run is tried again at the
next start. Only files this module names (`hamming-<UTC time>.sqlite3`) are ever pruned.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.db import DatabaseError, backup_database
from bot.metrics import Metrics
from bot.time import discord_timestamp

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
NAME = re.compile(r"hamming-\d{8}T\d{6}Z\.sqlite3")


@dataclass(frozen=True, slots=True)
class BackupResult:
    at: datetime
    ok: bool
    path: Path | None
    detail: str  # "ok", or what went wrong, in words fit for a moderator


def backup_name(at: datetime) -> str:
    return f"hamming-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.sqlite3"


def to_prune(names: list[str], keep: int) -> list[str]:
    """Our backups beyond the newest `keep` (names sort by time); other files are never named."""
    ours = sorted(name for name in names if NAME.fullmatch(name))
    return ours[: max(len(ours) - keep, 0)]


def integrity_problem(path: Path) -> str | None:
    """None if the copy opens read-only and passes integrity_check; else what is wrong.

    Blocking: call it in a thread.
    """
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            tables = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
    except sqlite3.Error as exc:
        return f"the copy cannot be opened ({exc})"
    found = [str(row[0]) for row in rows]
    if found != ["ok"]:
        return "integrity_check found: " + "; ".join(found[:3])
    if tables is None:
        return "the copy has no schema_migrations table"
    return None


class Backups:
    """Takes the backups and remembers the last outcome for /about and /metrics."""

    def __init__(
        self, database_path: Path, folder: Path, keep: int, clock: Clock, metrics: Metrics
    ) -> None:
        self.database_path = database_path
        self.folder = folder
        self.keep = keep
        self.clock = clock
        self.metrics = metrics
        self.last: BackupResult | None = None
        self.last_success: BackupResult | None = None
        metrics.describe("hamming_backups_total", "Automatic backups by outcome (ok, failed)")
        metrics.gauge(
            "hamming_backup_last_success_timestamp_seconds",
            "When the last automatic backup that passed its check was taken (0: none yet)",
            lambda: self.last_success.at.timestamp() if self.last_success else 0.0,
        )

    async def run(self) -> BackupResult:
        """One backup: copy, check, prune. A failure is logged and raised (so the periodic
        job records no run and the next start tries again)."""
        at = self.clock.now()
        path = self.folder / backup_name(at)
        try:
            await backup_database(self.database_path, path)
            problem = await asyncio.to_thread(integrity_problem, path)
            if problem is not None:
                path.unlink(missing_ok=True)  # a copy that fails its check is not kept
                raise DatabaseError(problem)
            pruned = await asyncio.to_thread(self._prune)
        except (DatabaseError, OSError) as exc:
            result = BackupResult(at, False, None, str(exc))
            self._record(result)
            log.error("automatic backup failed: %s", exc)
            raise
        result = BackupResult(at, True, path, "ok")
        self._record(result)
        log.info("backup written to %s and checked; %d old backup(s) removed", path, pruned)
        return result

    def _record(self, result: BackupResult) -> None:
        self.last = result
        if result.ok:
            self.last_success = result
        self.metrics.inc("hamming_backups_total", outcome="ok" if result.ok else "failed")

    def _prune(self) -> int:
        names = [p.name for p in self.folder.iterdir() if p.is_file()]
        old = to_prune(names, self.keep)
        for name in old:
            (self.folder / name).unlink(missing_ok=True)
        return len(old)


def status_text(backups: Backups) -> str:
    """For moderators in /about: when the last good backup was taken, and whether the last
    one failed. No paths or error text: those are for the operator's log."""
    good = backups.last_success
    lines = [
        f"Last good backup {discord_timestamp(good.at, 'R')}, checked; keeping {backups.keep}."
        if good
        else "No automatic backup has been taken yet."
    ]
    last = backups.last
    if last is not None and not last.ok:
        lines.append(
            f"⚠️ The last automatic backup failed {discord_timestamp(last.at, 'R')}; it is tried"
            " again at the next start or in a day. The bot's operator can see why in the log."
        )
    return "\n".join(lines)
