"""What the features' pure logic does with a line people typed: tidy its spacing, refuse it
empty, refuse it too long, each refusal in the feature's own words and error class.

A feature declares one `LineRule` per kind of line (a grant's name, a reading's title) and
calls it; the checks themselves live only here. Pure (no discord), so logic modules import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import DomainError


def one_line(text: str) -> str:
    """`text` with every run of white space (newlines too) made one space, and trimmed."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class LineRule:
    """How one kind of typed text is checked: at most `limit` characters, refused with the
    feature's `error`. `empty` and `too_long` are the refusals, as `str.format` templates of
    code's own writing: `too_long` gets `{length}` and `{limit}`, both get the names passed
    to the check (what members typed goes in as a value, never as a template)."""

    limit: int
    error: type[DomainError]
    too_long: str
    empty: str = ""  # for `tidy`; a rule only ever used through `within` needs none

    def tidy(self, text: str, **names: object) -> str:
        """`text` on one single-spaced line; refused when nothing is left or it is too long."""
        value = one_line(text)
        if not value:
            raise self.error(self.empty.format(**names))
        return self.within(value, **names)

    def within(self, value: str, **names: object) -> str:
        """`value` as it is, refused when it is longer than the limit."""
        if len(value) > self.limit:
            message = self.too_long.format(length=len(value), limit=self.limit, **names)
            raise self.error(message)
        return value
