"""bot.text: the shared checks of a typed line."""

from __future__ import annotations

import pytest

from bot.errors import DomainError
from bot.text import LineRule, one_line


class _Refused(DomainError):
    pass


RULE = LineRule(5, _Refused, empty="Item {n} is empty.", too_long="{n}: {length} > {limit}")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("abc", "abc"), ("  a \n b\t", "a b"), ("abcde", "abcde")],
)
def test_tidy_keeps_one_single_spaced_line(typed: str, kept: str) -> None:
    assert RULE.tidy(typed, n=1) == kept


@pytest.mark.parametrize(
    ("typed", "said"),
    [(" \n ", "Item 2 is empty."), ("abcdef", "2: 6 > 5"), ("a  b  c  d", "2: 7 > 5")],
)
def test_tidy_refuses_in_the_rule_s_words(typed: str, said: str) -> None:
    with pytest.raises(_Refused, match=f"^{said}$"):
        RULE.tidy(typed, n=2)


def test_member_text_is_a_value_never_a_template() -> None:
    with pytest.raises(_Refused, match=r"^\{x\}: 6 > 5$"):
        RULE.within("{x}{y}", n="{x}")


def test_within_keeps_inner_spacing() -> None:
    assert RULE.within("a  b") == "a  b"
    assert one_line(" a\n\nb ") == "a b"
