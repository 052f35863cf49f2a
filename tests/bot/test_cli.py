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


def _one_plain_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error an operator sees: one line on stderr, no traceback."""
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_backup_of_a_missing_database_creates_nothing_and_fails(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()  # the folder exists, the database file does not
    copy = tmp_path / "copy.sqlite3"
    result = run_cli(tmp_path, "backup", str(copy))
    assert result.returncode != 0
    line = _one_plain_line(result)
    assert "hamming.sqlite3" in line and "does not exist" in line
    assert not (tmp_path / "data" / "hamming.sqlite3").exists()
    assert not copy.exists()
    assert "backup written" not in result.stdout


def test_backup_of_a_missing_database_folder_fails_plainly(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert result.returncode != 0
    assert "does not exist" in _one_plain_line(result)
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "copy.sqlite3").exists()


def test_backup_refuses_a_file_that_is_not_a_hamming_database(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "hamming.sqlite3") as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"garbage" * 1000)
    copy = tmp_path / "copy.sqlite3"
    other = run_cli(tmp_path, "backup", str(copy))
    assert other.returncode != 0
    assert "not a Hamming database" in _one_plain_line(other)
    assert not copy.exists()
    (tmp_path / "data" / "hamming.sqlite3").write_bytes(garbage.read_bytes())
    corrupt = run_cli(tmp_path, "backup", str(copy))
    assert corrupt.returncode != 0
    _one_plain_line(corrupt)
    assert not copy.exists()


def test_backup_into_a_folder_that_cannot_be_created_fails_plainly(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    # A folder under /proc can never be created, even by root (file modes would not stop root).
    result = run_cli(tmp_path, "backup", "/proc/hamming-no-such-dir/copy.sqlite3")
    assert result.returncode != 0
    assert "/proc/hamming-no-such-dir" in _one_plain_line(result)


def test_backup_creates_a_missing_target_folder(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    copy = tmp_path / "backups" / "2026" / "copy.sqlite3"
    result = run_cli(tmp_path, "backup", str(copy))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] > 0
