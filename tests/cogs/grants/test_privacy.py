"""Grant data in the server-wide tools: the digest's lines and forgetting a member's mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cogs.grants.logic import Grant, without_member
from cogs.grants.messages import digest_lines

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MEMBER = 876543210987654321


def grant(id: int, name: str, deadline: datetime | None, rolling: bool = False) -> Grant:
    return Grant(id, 10, name, deadline, "UTC", rolling)


def stamps(at: datetime) -> str:
    unix = int(at.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def test_digest_names_the_next_deadlines_soonest_first_and_counts_the_rest() -> None:
    later = [NOW + timedelta(days=d) for d in (9, 2, 30, 5)]
    grants = [grant(i, f"Fund {i}", at) for i, at in enumerate(later)]
    grants += [
        grant(7, "Rolling", None, rolling=True),
        grant(8, "Past", NOW - timedelta(days=1)),
        grant(9, "Due right now", NOW),
    ]
    assert digest_lines(grants, NOW) == (
        f"• **Fund 1**: {stamps(later[1])}",
        f"• **Fund 3**: {stamps(later[3])}",
        f"• **Fund 0**: {stamps(later[0])}",
        "…and 1 more in `/grants list`.",
    )


def test_digest_is_empty_without_upcoming_deadlines_and_short_with_few() -> None:
    assert digest_lines([grant(1, "Rolling", None, rolling=True)], NOW) == ()
    one = NOW + timedelta(days=3)
    assert digest_lines([grant(1, "Only", one)], NOW) == (f"• **Only**: {stamps(one)}",)


def test_digest_lines_stay_short_and_escape_markdown() -> None:
    at = NOW + timedelta(days=3)
    [line] = digest_lines([grant(1, "A*b_" + "x" * 96, at)], NOW)
    assert line.startswith("• **A\\*b\\_x") and "…**" in line
    assert len(line) < 60 + 2 * len(stamps(at))


@given(st.lists(st.sampled_from(["a", " ", "7", f"<@{MEMBER}>", f"<@!{MEMBER}>", str(MEMBER)])))
def test_without_member_leaves_no_trace_of_the_member(pieces: list[str]) -> None:
    text = "".join(pieces)
    cleaned = without_member(text, MEMBER)
    assert str(MEMBER) not in cleaned
    assert cleaned.count("a former member") == text.count(f"<@{MEMBER}>") + text.count(
        f"<@!{MEMBER}>"
    )


def test_without_member_keeps_other_members_mentions() -> None:
    other = 111111111111111111
    text = f"Ask <@{MEMBER}> or <@{other}> (id {MEMBER})"
    assert without_member(text, MEMBER) == f"Ask a former member or <@{other}> (id [removed])"
