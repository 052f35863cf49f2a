"""The reading group's lines of the weekly digest (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.reading.logic import DIGEST_TITLE, DigestFacts, digest_lines, plain

START = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
MARK = f"<t:{int(START.timestamp())}:F>"


CASES = [
    (DigestFacts(), ()),
    (
        DigestFacts(
            next_title="Risks from Learned Optimization",
            next_starts_at=START,
            next_going=3,
            next_maybe=1,
            next_lead=42,
        ),
        (
            f"Next session: **Risks from Learned Optimization** {MARK}"
            " (3 going, 1 maybe, lead <@42>).",
        ),
    ),
    (
        DigestFacts(next_title="A", next_starts_at=START, later_sessions=2, queued=4, up_next="B"),
        (
            f"Next session: **A** {MARK} (0 going, 0 maybe).",
            "2 more session(s) scheduled after it.",
            "4 reading(s) queued; next up: **B**.",
        ),
    ),
    (
        DigestFacts(poll_closes_at=START, queued=1, up_next="B"),
        (
            f"No session scheduled yet; a time poll closes {MARK}.",
            "1 reading(s) queued; next up: **B**.",
        ),
    ),
    (
        DigestFacts(queued=2, up_next="B"),
        (
            "No session scheduled yet: `/reading schedule` or `/reading poll`.",
            "2 reading(s) queued; next up: **B**.",
        ),
    ),
    (
        DigestFacts(discussed=("One", "Two", "Three", "Four", "Five")),
        ("Discussed this week: **One**, **Two**, **Three** and 2 more.",),
    ),
    (DigestFacts(discussed=("Only",)), ("Discussed this week: **Only**.",)),
]


@pytest.mark.parametrize(("facts", "expected"), CASES)
def test_digest_lines(facts: DigestFacts, expected: tuple[str, ...]) -> None:
    """Each state of the group gives its short lines; a quiet group gives none."""
    assert digest_lines(facts) == expected


def test_member_typed_titles_cannot_break_the_markdown() -> None:
    """Stars and underscores in a title are escaped; a long title is clipped."""
    line = digest_lines(DigestFacts(next_title="**bold** _it_", next_starts_at=START))[0]
    assert r"**\*\*bold\*\* \_it\_**" in line
    assert len(plain("x" * 500)) == DIGEST_TITLE


@given(st.text(max_size=300))
def test_plain_is_one_bounded_line_with_no_bare_markdown(text: str) -> None:
    """Whatever a member typed: one line, within the limit (plus escapes), no unescaped star."""
    shown = plain(text)
    assert "\n" not in shown
    unescaped = shown.replace("\\\\", "").replace("\\*", "")
    assert "*" not in unescaped
    assert len(shown.replace("\\", "")) <= DIGEST_TITLE
