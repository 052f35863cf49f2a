"""Options and fixtures shared by the reliability suite (tests/reliability/)."""

from __future__ import annotations

import os

import pytest

CI_TRIALS = 6


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hamming reliability")
    group.addoption(
        "--trials",
        type=int,
        default=None,
        help=f"kill points for the crash trials (default {CI_TRIALS}, or $HAMMING_TRIALS);"
        " e.g. `pytest tests/reliability --trials 60` for a long run",
    )
    group.addoption(
        "--trials-seed",
        type=int,
        default=None,
        help="seed for the random kill moments (default 7, or $HAMMING_TRIALS_SEED)",
    )


@pytest.fixture
def trials(request: pytest.FixtureRequest) -> int:
    """How many kill points to try (`--trials`; the option exists when this folder is named)."""
    given = request.config.getoption("--trials", default=None)
    return int(given or os.environ.get("HAMMING_TRIALS") or CI_TRIALS)


@pytest.fixture
def trials_seed(request: pytest.FixtureRequest) -> int:
    given = request.config.getoption("--trials-seed", default=None)
    return int(given if given is not None else os.environ.get("HAMMING_TRIALS_SEED", "7"))
