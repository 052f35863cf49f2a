"""/help's lines fit Discord's embed budget: descriptions go first, then options, then lines."""

from __future__ import annotations

import pytest

from cogs.admin.logic import CommandHelp, help_lines

COMMANDS = [
    CommandHelp("grants add", (("name", True), ("deadline", False)), "Add a grant."),
    CommandHelp("grants list", (), "Upcoming deadlines."),
    CommandHelp("grants mine remove", (("entry", True),), "Remove one of your own."),
]


@pytest.mark.parametrize(
    ("budget", "first", "count"),
    [
        (1000, "`/grants add name: [deadline:]`: Add a grant.", 3),  # everything fits
        (90, "`/grants add name: [deadline:]`", 3),  # options kept, descriptions dropped
        (60, "`/grants add`", 3),  # names only
        (40, "`/grants add`", 2),  # then cut, saying how many more
    ],
)
def test_help_lines_shrink_to_the_budget(budget: int, first: str, count: int) -> None:
    lines = help_lines(COMMANDS, budget)
    assert lines[0] == first
    assert len(lines) == count
    if count < len(COMMANDS):
        assert lines[-1].startswith("…and ")
    else:
        assert sum(len(line) + 1 for line in lines) <= budget
