"""`python -m bot migrate|check|backup` as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "cli-test-token",
        "DATABASE_PATH": str(tmp_path / "data" / "hamming.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_check_and_backup(tmp_path: Path) -> None:
    checked_before = run_cli(tmp_path, "check")
    assert checked_before.returncode == 0
    assert "does not exist yet" in checked_before.stdout
    assert not (tmp_path / "data" / "hamming.sqlite3").exists()
    migrated = run_cli(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    checked = run_cli(tmp_path, "check")
    assert checked.returncode == 0
    assert "(up to date)" in checked.stdout
    backup = run_cli(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(tmp_path / "copy.sqlite3") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "deliveries" in tables
    for result in (checked_before, migrated, checked, backup):
        assert "cli-test-token" not in result.stdout + result.stderr


def test_corrupt_database_is_refused_with_a_plain_message(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "hamming.sqlite3").write_bytes(b"garbage" * 1000)
    result = run_cli(tmp_path, "check")
    assert result.returncode == 2
    assert "restore it from a backup" in result.stderr
    assert "Traceback" not in result.stderr
