"""The gathered blockers: parts within Discord's limits, numbering, and the texts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cogs.checkins.blockers import (
    BUTTON_LABEL_MAX,
    Blocker,
    blockers_embed,
    button_label,
    numbered,
    pack,
    quote,
    thread_intro,
    thread_name,
)
from cogs.checkins.views_blockers import blockers_view


def blockers(*lengths: int) -> list[Blocker]:
    return numbered([(100 + n, f"member{n}", "x" * length) for n, length in enumerate(lengths)])


def test_no_blockers_no_parts() -> None:
    assert pack([]) == []


def test_a_few_short_blockers_are_one_message() -> None:
    found = blockers(20, 30, 40)
    assert pack(found) == [found]
    assert [b.number for b in found] == [1, 2, 3]


def test_more_than_25_go_on_in_a_second_message_numbered_on() -> None:
    parts = pack(blockers(*[10] * 30))
    assert [len(p) for p in parts] == [25, 5]
    assert [b.number for b in parts[1]] == [26, 27, 28, 29, 30]


def test_long_blockers_split_by_embed_size() -> None:
    # Each blocker is a full field (1,024 characters): five fit in 6,000 with the frame.
    parts = pack(blockers(*[1024] * 7))
    assert [len(p) for p in parts] == [5, 2]


@given(st.lists(st.integers(0, 1500), max_size=60), st.text(max_size=40))
def test_every_part_is_within_discord_limits(lengths: list[int], name: str) -> None:
    found = numbered([(n + 1, name or "m", "y" * length) for n, length in enumerate(lengths)])
    parts = pack(found)
    assert [b for part in parts for b in part] == found  # nothing lost, order kept
    for index, part in enumerate(parts):
        card = blockers_embed("2026-W48", part, index, len(parts))
        assert len(card) <= 6000 and len(card.fields) <= 25
        assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in card.fields)
        view = blockers_view(7, part)
        assert len(view.children) <= 25
        for item in view.children:
            button = item.item  # type: ignore[attr-defined]
            assert len(button.custom_id) <= 100 and 1 <= len(button.label) <= BUTTON_LABEL_MAX
        assert all(f.value for f in card.fields)  # Discord refuses an empty field


def test_the_title_counts_parts_only_when_there_are_several() -> None:
    [part] = pack(blockers(5))
    assert blockers_embed("2026-W48", part, 0, 1).title == "Blockers shared · Week 48"
    assert blockers_embed("2026-W48", part, 1, 3).title == "Blockers shared · Week 48 (2/3)"


def test_texts_for_connecting_two_members() -> None:
    [b] = numbered([(5, "a" * 90, "text")])
    assert button_label(b) == ("I can help: 1. " + "a" * 90)[:79] + "…"
    assert len(thread_name("h" * 80, "a" * 80)) == 100
    assert quote("one\ntwo", 100) == "> one\n> two"
    intro = thread_intro(1, 2, "2026-W48", "z" * 5000)
    assert intro.startswith("<@1>, <@2> offered to help") and len(intro) <= 2000
