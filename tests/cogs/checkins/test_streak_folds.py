"""Folded streaks (every member at once) agree with the one-member rules, wherever the fold
stops and carries on; and the stored fold is dropped by any change it had already counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db import Database, open_database
from cogs.checkins import store
from cogs.checkins.logic import DEFAULT_QUESTIONS
from cogs.checkins.streaks import (
    MemberWeeks,
    StreakFold,
    fold_streaks,
    live_streaks,
    member_streaks,
)
from cogs.checkins.weeks import shift_week, weeks_between

BASE = "2026-W01"
SPAN = 30  # weeks in a generated history


def week(n: int) -> str:
    return shift_week(BASE, n)


@st.composite
def histories(draw: st.DrawFn) -> tuple[set[int], set[int], set[int], int, int, bool]:
    rounds = draw(st.sets(st.integers(0, SPAN - 1)))
    answered = draw(st.sets(st.sampled_from(sorted(rounds)))) if rounds else set()
    skipped = draw(st.sets(st.integers(0, SPAN - 1)))
    current = draw(st.integers(max(answered, default=0), SPAN - 1))
    split = draw(st.integers(-1, current - 1))  # the fold stops after this week, then resumes
    return rounds, answered, skipped, current, split, draw(st.booleans())


@given(histories())
@settings(max_examples=400)
def test_folding_in_two_parts_matches_member_streaks(
    history: tuple[set[int], set[int], set[int], int, int, bool],
) -> None:
    rounds, answered, skipped, current, split, is_open = history
    round_weeks = {week(n) for n in rounds}
    mine = {week(n) for n in answered}
    away = {week(n) for n in skipped}
    expected = member_streaks(
        MemberWeeks(frozenset(mine), frozenset(away)), round_weeks, week(current), is_open
    )
    settled = week(current - 1)
    first = week(0)
    part_one = weeks_between(first, week(split)) if split >= 0 else []
    part_two = weeks_between(week(split + 1), settled) if current > 0 else []
    user = 7
    folds = fold_streaks({}, part_one, {user: mine}, {user: away}, round_weeks)
    folds = fold_streaks(folds, part_two, {user: mine}, {user: away}, round_weeks)
    got = live_streaks(
        folds.get(user, StreakFold()),
        answered=week(current) in mine,
        skipped=week(current) in away,
        has_round=week(current) in round_weeks,
        is_open=is_open,
    )
    assert got == expected


def test_members_with_nothing_to_count_are_left_out() -> None:
    weeks = weeks_between(week(0), week(3))
    folds = fold_streaks({}, weeks, {1: {week(1)}, 2: set()}, {}, weeks)
    assert folds == {1: StreakFold(run=0, best=1)}  # week 2 and 3 had rounds: missed


# -- the stored fold -------------------------------------------------------------------------

GUILD, ALICE, BOB = 10, 20, 21
OPENS = datetime(2026, 1, 5, 8, tzinfo=UTC)


async def _round(db: Database, n: int) -> int:
    async with db.transaction() as tx:
        return await store.insert_round(
            tx,
            guild_id=GUILD,
            week=week(n),
            channel_id=5,
            prompt_key=f"k{n}",
            opens_at=OPENS + timedelta(weeks=n),
            closes_at=OPENS + timedelta(weeks=n, hours=72),
            reminder_at=None,
            visibility="public",
            questions=DEFAULT_QUESTIONS,
            cohort_size=2,
            now=OPENS,
        )


async def _fold_through(db: Database, n: int) -> None:
    async with db.transaction() as tx:
        await store.save_streak_folds(tx, GUILD, week(n), {ALICE: StreakFold(2, 2)})


async def test_a_change_at_or_before_the_fold_drops_it_and_a_later_one_does_not(
    tmp_path: Path,
) -> None:
    async with open_database(tmp_path / "db.sqlite3") as db:
        rounds = [await _round(db, n) for n in range(3)]
        await _fold_through(db, 1)

        async with db.transaction() as tx:  # this week's answer: after the fold
            await store.upsert_answer(tx, rounds[2], ALICE, ["a"], OPENS)
            await store.insert_skips(tx, GUILD, BOB, [week(2), week(3)], OPENS)
        assert await store.get_streak_folds(db, GUILD) == (week(1), {ALICE: StreakFold(2, 2)})

        changes = [
            ("a late answer to a folded week", "answer"),
            ("an away week in a folded week", "skip"),
            ("a cancelled away week from a folded week", "unskip"),
            ("a round for a folded week", "round"),
            ("a forgotten member", "forget"),
        ]
        for why, change in changes:
            await _fold_through(db, 1 if change != "round" else 4)
            async with db.transaction() as tx:
                if change == "answer":
                    await store.upsert_answer(tx, rounds[1], BOB, ["b"], OPENS)
                elif change == "skip":
                    await store.insert_skips(tx, GUILD, ALICE, [week(0)], OPENS)
                elif change == "unskip":
                    await store.delete_skips_from(tx, GUILD, ALICE, week(0))
                elif change == "forget":
                    await store.delete_member_data(tx, GUILD, BOB)
            if change == "round":
                await _round(db, 3)
            assert await store.get_streak_folds(db, GUILD) == ("", {}), why
