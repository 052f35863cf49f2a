"""Tests for the agenda's pure logic: validation, who may read, versions, diff, packing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.agenda.logic import (
    EMBED_TOTAL_MAX,
    PART_MAX,
    PARTS,
    Agenda,
    AgendaError,
    PartDiff,
    agenda_diff,
    agenda_from_fields,
    blank_slate_round,
    check_may_read,
    cut,
    diff_markdown,
    diff_plain,
    pack_embeds,
    part_diff,
    select_versions,
)


def test_the_four_parts_fit_discord_modal_labels() -> None:
    assert len(PARTS) == 4
    assert all(len(p.label) <= 45 and len(p.description) <= 100 for p in PARTS)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a", "b", "c", "d"], Agenda("a", "b", "c", "d")),
        (["  a  ", "", "", ""], Agenda("a", "", "", "")),
        (["line 1  \r\nline 2\r\n", "", "", "x"], Agenda("line 1\nline 2", "", "", "x")),
        (["", "", "", "x" * PART_MAX], Agenda("", "", "", "x" * PART_MAX)),
    ],
)
def test_agenda_from_fields_cleans_what_was_typed(values: list[str], expected: Agenda) -> None:
    assert agenda_from_fields(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["", "", "", ""], "All four parts were empty"),
        (["  ", "\n", "", "\t"], "All four parts were empty"),
        (
            ["x" * (PART_MAX + 1), "", "", ""],
            "has 4,001 characters; each part can be at most 4,000",
        ),
        (["ok", "", "", "y" * 5000], "“What success looks like” has 5,000 characters"),
    ],
)
def test_agenda_from_fields_refuses_empty_and_overlong(values: list[str], message: str) -> None:
    with pytest.raises(AgendaError, match=message) as raised:
        agenda_from_fields(values)
    assert "Nothing was saved." in str(raised.value)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("one two three four", 10, "one two…"),
        ("abcdefghijklmnop", 10, "abcdefghi…"),
    ],
)
def test_cut_marks_the_cut_and_keeps_the_limit(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected
    assert len(cut(text, limit)) <= limit


@given(st.text(max_size=3000))
def test_cut_is_always_within_the_check_in_limit(text: str) -> None:
    result = cut(text)
    assert len(result) <= 1024
    assert result == text or result.endswith("…")


@pytest.mark.parametrize(
    ("viewer", "private", "in_cohort", "refusal"),
    [
        (1, True, False, None),  # one's own, always
        (2, False, True, None),  # shared with the cohort
        (2, True, True, "keeps their agenda private"),  # moderators included
        (2, False, False, "you are not in it"),
    ],
)
def test_check_may_read(viewer: int, private: bool, in_cohort: bool, refusal: str | None) -> None:
    if refusal is None:
        check_may_read(viewer_id=viewer, owner_id=1, private=private, in_cohort=in_cohort)
    else:
        with pytest.raises(AgendaError, match=refusal):
            check_may_read(viewer_id=viewer, owner_id=1, private=private, in_cohort=in_cohort)


@pytest.mark.parametrize(
    ("latest", "from_v", "to_v", "expected"),
    [
        (1, None, None, None),
        (2, None, None, (1, 2)),
        (5, None, None, (4, 5)),
        (5, None, 3, (2, 3)),
        (5, 2, None, (2, 5)),
        (5, 1, 4, (1, 4)),
    ],
)
def test_select_versions(
    latest: int, from_v: int | None, to_v: int | None, expected: tuple[int, int] | None
) -> None:
    assert select_versions(latest, from_v, to_v) == expected


@pytest.mark.parametrize(
    ("latest", "from_v", "to_v", "message"),
    [
        (0, None, None, "no agenda yet"),
        (3, 4, None, "There is no version 4; this agenda has versions 1 to 3"),
        (1, None, 2, "There is no version 2; this agenda has version 1"),
        (3, None, 1, "Version 1 is the first"),
        (3, 3, 2, "must be earlier"),
        (3, 3, None, "must be earlier"),
        (3, 2, 2, "must be earlier"),
    ],
)
def test_select_versions_refuses(
    latest: int, from_v: int | None, to_v: int | None, message: str
) -> None:
    with pytest.raises(AgendaError, match=message):
        select_versions(latest, from_v, to_v)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("same. text.", "same.  text.", []),
        ("", "New idea.", ["+ New idea."]),
        ("Old idea.", "", ["- Old idea."]),
        (
            "A is key. B matters. C follows.",
            "A is key. B is wrong. C follows.",
            ["  A is key.", "- B matters.", "+ B is wrong.", "  C follows."],
        ),
        (
            "One. Two. Three. Four. Five.",
            "One. Two. Three. Four. Six.",
            ["  …", "  Four.", "- Five.", "+ Six."],
        ),
        (
            "Zero. One. Two. Three. Four.",
            "Nil. One. Two. Three. Four.",
            ["- Zero.", "+ Nil.", "  One.", "  …"],
        ),
        (
            "a. b. c. d. e.",
            "A. b. c. d. E.",
            ["- a.", "+ A.", "  b.", "  …", "  d.", "- e.", "+ E."],
        ),
        ("line one\nline two", "line one\nline 2", ["  line one", "- line two", "+ line 2"]),
    ],
)
def test_part_diff(old: str, new: str, expected: list[str]) -> None:
    assert part_diff(old, new) == expected


@given(st.text(alphabet="ab .\n", max_size=60), st.text(alphabet="ab .\n", max_size=60))
def test_part_diff_removes_only_old_and_adds_only_new_sentences(old: str, new: str) -> None:
    lines = part_diff(old, new)
    removed = [line[2:] for line in lines if line.startswith("- ")]
    added = [line[2:] for line in lines if line.startswith("+ ")]
    assert all(unit in old for unit in removed)
    assert all(unit in new for unit in added)
    assert all(line[:2] in ("- ", "+ ", "  ") for line in lines)


def test_agenda_diff_lists_only_changed_parts_in_order() -> None:
    old = Agenda("Problem A.", "Approach A.", "", "Success A.")
    new = Agenda("Problem A.", "Approach B.", "A null result.", "Success A.")
    assert agenda_diff(old, new) == [
        PartDiff(PARTS[1].label, ("- Approach A.", "+ Approach B.")),
        PartDiff(PARTS[2].label, ("+ A null result.",)),
    ]
    assert agenda_diff(new, new) == []
    assert agenda_diff(None, Agenda(success="S.")) == [PartDiff(PARTS[3].label, ("+ S.",))]


def test_diff_markdown_keeps_member_text_inside_its_code_block() -> None:
    text = diff_markdown([PartDiff("Label", ("+ see ```python\nx``` here",))])
    assert text.startswith("**Label**\n```diff\n")
    assert text.endswith("\n```")
    assert text.count("```") == 2  # the member's fences cannot close the block


def test_diff_plain_is_a_titled_text() -> None:
    text = diff_plain("Title", [PartDiff("Label", ("- a", "+ b"))])
    assert text == "Title\n\n## Label\n- a\n+ b\n"


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([], []),
        ([100, 100, 100, 100], [[0, 1, 2, 3]]),
        ([4000, 4000, 4000, 4000], [[0], [1], [2], [3]]),
        ([4000, 1500, 600, 4000], [[0, 1], [2, 3]]),
        ([10] * 12, [list(range(10)), [10, 11]]),
    ],
)
def test_pack_embeds(sizes: list[int], expected: list[list[int]]) -> None:
    assert pack_embeds(sizes) == expected


@given(st.lists(st.integers(min_value=1, max_value=EMBED_TOTAL_MAX), max_size=30))
def test_pack_embeds_keeps_order_and_each_message_within_limits(sizes: list[int]) -> None:
    groups = pack_embeds(sizes)
    assert [i for group in groups for i in group] == list(range(len(sizes)))
    assert all(sum(sizes[i] for i in group) <= EMBED_TOTAL_MAX for group in groups)
    assert all(1 <= len(group) <= 10 for group in groups)


@pytest.mark.parametrize(
    ("number", "every", "expected"),
    [
        (1, 12, False),
        (11, 12, False),
        (12, 12, True),
        (13, 12, False),
        (24, 12, True),
        (3, 0, False),
        (1, 1, True),
        (0, 3, False),
    ],
)
def test_blank_slate_round(number: int, every: int, expected: bool) -> None:
    assert blank_slate_round(number, every) is expected
