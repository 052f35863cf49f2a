"""Table tests for the Hamming loop's pure rules: completion rates and drift."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import DomainError
from cogs.checkins.reflections import (
    PLAN_MARKS,
    Completion,
    Reflected,
    clean_why,
    cohort_completion,
    completion,
    drift_began,
    drifting,
    rate_windows,
)


@pytest.mark.parametrize(
    ("marks", "rate", "marked", "text"),
    [
        ([], None, 0, "no marked plans yet"),
        ([None, "changed"], None, 0, "no marked plans yet"),
        (["done"], 1.0, 1, "100% of 1 marked plan"),
        (["done", "partly", "not_done", "done"], 0.625, 4, "62% of 4 marked plans"),
        (["done", "done", "done", "not_done"], 0.75, 4, "75% of 4 marked plans"),
        (["partly", "changed", None], 0.5, 1, "50% of 1 marked plan"),
        (["not_done", "not_done"], 0.0, 2, "0% of 2 marked plans"),
    ],
)
def test_completion(marks: list[str | None], rate: float | None, marked: int, text: str) -> None:
    """Done 1, partly 0.5, not done 0; plan changed and unmarked plans are left out."""
    result = completion(marks)
    assert (result.rate, result.marked, result.text()) == (rate, marked, text)


def test_cohort_completion_is_the_same_rule_over_one_round() -> None:
    assert cohort_completion(["done", "not_done", "changed", None]) == Completion(0.5, 2)


@given(st.lists(st.sampled_from([*PLAN_MARKS, None])))
def test_completion_rate_is_between_0_and_1_over_scored_marks(marks: list[str | None]) -> None:
    result = completion(marks)
    assert result.marked == sum(m in ("done", "partly", "not_done") for m in marks)
    assert (result.rate is None) == (result.marked == 0)
    assert result.rate is None or 0 <= result.rate <= 1


def test_rate_windows_count_the_servers_last_rounds() -> None:
    """4 and 12 are the server's last rounds, not the member's marked ones."""
    weeks = [f"2026-W{n:02}" for n in range(30, 45)]
    marks = [("2026-W30", "done"), ("2026-W40", "not_done"), ("2026-W44", "done")]
    rates = rate_windows(marks, weeks)
    assert rates[4] == Completion(1.0, 1)
    assert rates[12] == Completion(0.5, 2)


def _h(*rows: tuple[str | None, str | None]) -> list[Reflected]:
    return [Reflected(f"2026-W{40 + i}", mark, path) for i, (mark, path) in enumerate(rows)]


NO, YES, NOT_DONE, DONE = "no", "yes", "not_done", "done"


@pytest.mark.parametrize(
    ("history", "weeks", "expected"),
    [
        (_h(), 3, False),
        (_h((None, NO), (None, NO)), 3, False),
        (_h((None, NO), (None, NO), (None, NO)), 3, True),
        (_h((None, NO), (None, "partly"), (None, NO), (None, NO)), 3, False),
        (_h((None, NO), (None, None), (None, NO), (None, NO)), 3, True),  # no answer: no break
        (_h((NOT_DONE, YES), (NOT_DONE, YES), (NOT_DONE, YES)), 3, True),
        (_h((NOT_DONE, NO), ("changed", NO), (NOT_DONE, YES)), 3, False),
        (_h((NOT_DONE, None), (None, None), (NOT_DONE, None), (NOT_DONE, None)), 3, True),
        (_h((DONE, NO)), 1, True),
        (_h((None, NO), (None, NO), (None, YES)), 2, False),
    ],
)
def test_drifting(history: list[Reflected], weeks: int, expected: bool) -> None:
    assert drifting(history, weeks) is expected


@pytest.mark.parametrize(
    ("history", "week", "expected"),
    [
        (_h((None, NO), (None, NO), (None, NO)), "2026-W42", True),  # the run reaches 3
        (_h((None, NO), (None, NO), (None, NO), (None, NO)), "2026-W43", False),  # told before
        (_h((None, NO), (None, NO), (None, NO), (None, YES), (None, NO)), "2026-W44", False),
        (
            _h((None, NO), (None, NO), (None, NO), (None, YES), (None, NO), (None, NO), (None, NO)),
            "2026-W46",
            True,  # the run was broken, and a new one reached 3
        ),
        (_h((None, NO), (None, NO), (None, NO)), "2026-W43", False),  # no reflection that round
        (_h((NOT_DONE, YES), (NOT_DONE, YES), (NOT_DONE, NO)), "2026-W42", True),
    ],
)
def test_drift_began_once_per_run(history: list[Reflected], week: str, expected: bool) -> None:
    assert drift_began(history, week, 3) is expected


def test_drifting_rejects_zero_weeks() -> None:
    with pytest.raises(ValueError):
        drifting([], 0)


def test_clean_why() -> None:
    assert clean_why("  ran out of\n compute  ") == "ran out of compute"
    assert clean_why("   ") is None
    with pytest.raises(DomainError, match="at most 200"):
        clean_why("x" * 201)
