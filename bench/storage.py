"""Benchmark 5, storage: five years of weekly check-ins for 1,000 members.

    python bench/storage.py [--quick]

Seeds 260 weekly rounds (80% answered), a feedback swap a week for a tenth of the members and a
reading session a week with RSVPs, then times the store functions behind `/checkin history`
(one member), `/checkin stats` (the server) and the weekly digest, each called many times
through the bot's own Database. Prints p50/p99 per query, the database size, and SQLite's
`EXPLAIN QUERY PLAN` for every statement they ran. Target: p99 <= 5 ms per query, no full scans.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import NOW, Row, World, iso_week, migrate, ms, percentile, render
from bench.common import seed_history as seed
from bot.db import Database, open_database
from cogs.checkins import store as checkins
from cogs.checkins.service import fold_server_streaks
from cogs.checkins.weeks import shift_week
from cogs.feedback_swaps import store as feedback
from cogs.feedback_swaps import store_rounds as feedback_rounds
from cogs.grants import store as grants
from cogs.reading import store_sessions as reading_sessions

TARGET_P99 = 0.005
MEMBERS, WEEKS = 1000, 5 * 52
QUICK_MEMBERS, QUICK_WEEKS = 50, 52
CALLS, QUICK_CALLS = 200, 20

Query = Callable[[Database, World, int], Awaitable[object]]


def queries(current_week: str) -> dict[str, tuple[str, Query]]:
    """name -> (command it serves, call)."""
    since = shift_week(current_week, -11)
    last_week = shift_week(current_week, -1)  # the newest seeded round
    return {
        "list_rounds (4 weeks)": (
            "history",
            lambda db, w, u: checkins.list_rounds(
                db, w.guild, since_week=shift_week(current_week, -3)
            ),
        ),
        "list_member_answers": (
            "history",
            lambda db, w, u: checkins.list_member_answers(db, w.guild, u),
        ),
        "list_member_skips": (
            "history",
            lambda db, w, u: checkins.list_member_skips(db, w.guild, u),
        ),
        "list_member_answered_weeks": (
            "history",
            lambda db, w, u: checkins.list_member_answered_weeks(db, w.guild, u),
        ),
        "list_round_weeks": ("history", lambda db, w, u: checkins.list_round_weeks(db, w.guild)),
        "count_answers_by_week (12 weeks)": (
            "stats",
            lambda db, w, u: checkins.count_answers_by_week(db, w.guild, since),
        ),
        "get_streak_folds (all members)": (
            "stats",
            lambda db, w, u: checkins.get_streak_folds(db, w.guild),
        ),
        "list_answered_user_ids (last week's round)": (
            "stats",
            lambda db, w, u: _last_week_answerers(db, w.guild, last_week),
        ),
        "list_skipping_user_ids (a week)": (
            "stats",
            lambda db, w, u: checkins.list_skipping_user_ids(db, w.guild, last_week),
        ),
        "list_skipped_weeks": ("stats", lambda db, w, u: checkins.list_skipped_weeks(db, w.guild)),
        "feedback list_rounds (10)": (
            "digest",
            lambda db, w, u: feedback_rounds.list_rounds(db, w.guild, 10),
        ),
        "feedback list_drafts (open)": (
            "digest",
            lambda db, w, u: feedback.list_drafts(db, w.guild, ("open",)),
        ),
        "feedback get_ledger": (
            "status",
            lambda db, w, u: feedback_rounds.get_ledger(db, w.guild, u),
        ),
        "reading list_sessions_between": (
            "digest",
            lambda db, w, u: reading_sessions.list_sessions_between(
                db, w.guild, NOW - logic_week(), NOW
            ),
        ),
        "grants list_upcoming_grants": (
            "digest",
            lambda db, w, u: grants.list_upcoming_grants(db, NOW, w.guild),
        ),
    }


async def _last_week_answerers(db: Database, guild: int, week: str) -> set[int]:
    """What /checkin stats reads for the streak week: its round, then who answered it."""
    round_ = await checkins.get_round_for_week(db, guild, week)
    return set() if round_ is None else await checkins.list_answered_user_ids(db, round_.id)


def logic_week() -> Any:
    from datetime import timedelta

    return timedelta(days=7)


class Recorder:
    """Wraps the Database's read methods to keep each statement run (for EXPLAIN)."""

    def __init__(self, db: Database) -> None:
        self.seen: dict[str, tuple[str, Any]] = {}
        self.current = ""
        for name in ("fetchone", "fetchall"):
            original = getattr(db, name)
            setattr(db, name, self._wrap(original))

    def _wrap(self, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(sql: str, params: Any = ()) -> Any:
            self.seen.setdefault(sql, (self.current, params))
            return await original(sql, params)

        return call


def explain(path: Path, seen: dict[str, tuple[str, Any]]) -> list[tuple[str, str, list[str]]]:
    plans = []
    with sqlite3.connect(path) as conn:
        for sql, (name, params) in seen.items():
            steps = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            plans.append((name, sql, steps))
    return plans


def full_scans(steps: list[str]) -> list[str]:
    """Plan steps that read a whole table (SCAN without an index)."""
    # "SCAN CONSTANT ROW" (a SELECT of scalar subqueries) and "SCAN (subquery-N)" (rows a
    # subquery already found through an index) read no table.
    return [
        s
        for s in steps
        if s.startswith("SCAN")
        and "INDEX" not in s
        and not s.startswith(("SCAN CONSTANT ROW", "SCAN (subquery"))
    ]


async def measure(members: int, weeks: int, calls: int, folder: Path) -> tuple[list[Row], str]:
    path = folder / "storage.sqlite3"
    await migrate(path)
    guild, channel, cohort_role = 10_001, 10_002, 10_003
    world = World(guild, channel, cohort_role, 10_004, list(range(20_000, 20_000 + members)))
    counts = seed(path, world, weeks=weeks)
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")  # what a long-running database would have (PRAGMA optimize)
    size = path.stat().st_size
    rng = random.Random(7)
    rows: list[Row] = []
    report: list[str] = []
    async with open_database(path, lock=False) as db:
        recorder = Recorder(db)
        # The streaks of every member are folded once per server (and again only after a
        # change to a week already folded); /checkin stats then reads the fold.
        recorder.current = "fold_server_streaks (once)"
        start = time.perf_counter()
        folded = len(await fold_server_streaks(db, guild, shift_week(iso_week(NOW), -1)))
        once = time.perf_counter() - start
        rows.append(
            Row(
                "5 storage",
                f"stats: fold every streak from scratch, once ({folded:,} members)",
                ms(once),
                "",
                "",
                "",
                None,
            )
        )
        for name, (command, query) in queries(iso_week(NOW)).items():
            recorder.current = name
            timings = []
            for _ in range(calls):
                user = rng.choice(world.members)
                start = time.perf_counter()
                await query(db, world, user)
                timings.append(time.perf_counter() - start)
            p99 = percentile(timings, 99)
            rows.append(
                Row(
                    "5 storage",
                    f"{command}: {name}",
                    f"p50 {ms(percentile(timings, 50))} / p99 {ms(p99)}",
                    "",
                    "",
                    "p99 <= 5 ms",
                    p99 <= TARGET_P99,
                )
            )
        plans = explain(path, recorder.seen)
    scans = [(name, s) for name, _, steps in plans for s in full_scans(steps)]
    rows.append(
        Row(
            "5 storage",
            "statements with a full table scan",
            str(len(scans)),
            "",
            "",
            "0",
            not scans,
        )
    )
    rows.append(
        Row(
            "5 storage",
            f"database size ({counts['checkin_answers']:,} answers, {weeks} weeks)",
            f"{size / 1024 / 1024:.1f} MiB",
            "",
            "",
            "",
            None,
        )
    )
    for name, sql, steps in plans:
        report.append(f"-- {name}\n{sql}\n" + "\n".join(f"   {s}" for s in steps))
    return rows, "\n\n".join(report)


def rows(quick: bool, folder: Path) -> list[Row]:
    sizes = (QUICK_MEMBERS, QUICK_WEEKS, QUICK_CALLS) if quick else (MEMBERS, WEEKS, CALLS)
    table, _ = asyncio.run(measure(*sizes, folder))
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN QUERY PLAN")
    args = parser.parse_args()
    sizes = (QUICK_MEMBERS, QUICK_WEEKS, QUICK_CALLS) if args.quick else (MEMBERS, WEEKS, CALLS)
    with tempfile.TemporaryDirectory() as folder:
        table, plans = asyncio.run(measure(*sizes, Path(folder)))
    print(render(table))
    if args.plans:
        print()
        print(plans)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
