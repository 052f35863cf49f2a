"""Automatic backups: pure naming and pruning, and the check that a copy opens and is sound."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backups import NAME, backup_name, integrity_problem, to_prune


def test_backup_names_sort_by_time_and_match_the_pattern() -> None:
    early = backup_name(datetime(2026, 12, 6, 3, 0, 5, tzinfo=UTC))
    late = backup_name(datetime(2026, 12, 7, 3, 0, 4, tzinfo=UTC))
    assert early == "hamming-20261206T030005Z.sqlite3"
    assert early < late and NAME.fullmatch(early) and NAME.fullmatch(late)


@pytest.mark.parametrize(
    ("names", "keep", "pruned"),
    [
        ([], 14, []),
        (["hamming-20261201T000000Z.sqlite3"], 1, []),
        (
            [
                "hamming-20261203T000000Z.sqlite3",
                "hamming-20261201T000000Z.sqlite3",
                "hamming-20261202T000000Z.sqlite3",
            ],
            2,
            ["hamming-20261201T000000Z.sqlite3"],
        ),
        # files the bot did not name are never pruned, however many there are
        (
            [
                "hamming-20261201T000000Z.sqlite3",
                "hamming-20261202T000000Z.sqlite3",
                "hamming-manual.sqlite3",
                "notes.txt",
                "hamming-20261201T000000Z.sqlite3-wal",
            ],
            1,
            ["hamming-20261201T000000Z.sqlite3"],
        ),
    ],
)
def test_to_prune_names_only_our_oldest(names: list[str], keep: int, pruned: list[str]) -> None:
    assert to_prune(names, keep) == pruned


def test_a_sound_copy_passes_and_a_damaged_one_is_named(tmp_path: Path) -> None:
    good = tmp_path / "good.sqlite3"
    with sqlite3.connect(good) as conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER)")
    assert integrity_problem(good) is None

    not_hamming = tmp_path / "other.sqlite3"
    with sqlite3.connect(not_hamming) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert integrity_problem(not_hamming) == "the copy has no schema_migrations table"

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert integrity_problem(damaged) is not None
