"""Pure logic of the research agenda: its four parts, validation, who may read it, which two
versions a history compares and the diff between them. No discord, no await, no I/O.

A diff compares each part by its lines, and each line by its sentences, so a paragraph that
changed one sentence shows that sentence removed and its new form added (`- `/`+ `), with one
unchanged sentence around each change for context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import DomainError

FEATURE_NAME = "agenda"  # as registered with the core
PART_MAX = 4000  # Discord's text input limit, and within an embed description (4096)
MESSAGE_MAX = 2000
EMBED_TOTAL_MAX = 6000  # across all the embeds of one message
EMBEDS_PER_MESSAGE = 10
VERSIONS_LISTED = 20  # /agenda history lists the latest versions; older ones are counted
NOTHING_SAVED = "Nothing was saved."
# A check-in answer is an embed field value; a pre-filled default may not exceed the field.
CHECKIN_ANSWER_MAX = 1024


@dataclass(frozen=True)
class Part:
    """One of the four parts: its modal label (≤ 45) and description (≤ 100)."""

    key: str
    label: str
    description: str


PARTS = (
    Part(
        "problems",
        "The problems and why they are central",
        "The problems you work on, and why these are the central ones in your field",
    ),
    Part(
        "approach",
        "The approach and why it is the path",
        "How you attack them, and why this is the path to a solution",
    ),
    Part(
        "change_mind",
        "What would change my mind",
        "Evidence or results that would make you drop or change this agenda",
    ),
    Part(
        "success",
        "What success looks like",
        "How you and others would know that the agenda worked",
    ),
)


@dataclass(frozen=True)
class Agenda:
    """A member's agenda: the text of each part, in the order of PARTS ("" when empty)."""

    problems: str = ""
    approach: str = ""
    change_mind: str = ""
    success: str = ""

    def texts(self) -> tuple[str, str, str, str]:
        return (self.problems, self.approach, self.change_mind, self.success)


class AgendaError(DomainError):
    """What a member asked of their agenda breaks a rule."""


def _clean(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def agenda_from_fields(values: Sequence[str]) -> Agenda:
    """The agenda a member submitted (four texts), or an AgendaError saying what was wrong."""
    if len(values) != len(PARTS):
        raise ValueError(f"expected {len(PARTS)} values, got {len(values)}")
    texts = [_clean(value or "") for value in values]
    for part, text in zip(PARTS, texts, strict=True):
        if len(text) > PART_MAX:
            raise AgendaError(
                f"“{part.label}” has {len(text):,} characters; each part can be at most"
                f" {PART_MAX:,}. {NOTHING_SAVED}"
            )
    if not any(texts):
        raise AgendaError(
            "All four parts were empty. An agenda needs at least one of them (the problems, the"
            f" approach, what would change your mind, what success looks like). {NOTHING_SAVED}"
        )
    return Agenda(*texts)


def cut(text: str, limit: int = CHECKIN_ANSWER_MAX) -> str:
    """`text` within `limit` characters, ending with "…" when cut (on a word if it can)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip() + "…"


# --- who may read it -------------------------------------------------------------------------


def check_may_read(*, viewer_id: int, owner_id: int, private: bool, in_cohort: bool) -> None:
    """A member reads their own agenda; others read it when it is shared with the cohort and
    they are in the cohort (or organise it: `in_cohort` counts moderators). A private agenda
    is refused to moderators too: it is the member's research strategy."""
    if viewer_id == owner_id:
        return
    if private:
        raise AgendaError(
            f"<@{owner_id}> keeps their agenda private, so only they can read it."
            " Ask them about it if you are curious."
        )
    if not in_cohort:
        raise AgendaError(
            "Agendas are shared with the cohort, and you are not in it. Ask a moderator for"
            " the cohort role if you should be."
        )


# --- versions --------------------------------------------------------------------------------


def select_versions(
    latest: int, from_version: int | None, to_version: int | None
) -> tuple[int, int] | None:
    """Which versions (1..latest) a history compares: by default the last two; `to` alone
    compares it with the one before, `from` alone with the latest. None: only one version."""
    if latest < 1:
        raise AgendaError("There is no agenda yet, so there is no history.")
    for given in (from_version, to_version):
        if given is not None and not 1 <= given <= latest:
            versions = "version 1" if latest == 1 else f"versions 1 to {latest}"
            raise AgendaError(f"There is no version {given}; this agenda has {versions}.")
    to = latest if to_version is None else to_version
    start = to - 1 if from_version is None else from_version
    if start < 1:
        if from_version is None and to_version is None:
            return None
        raise AgendaError(f"Version {to} is the first; there is nothing before it to compare.")
    if start >= to:
        raise AgendaError(
            f"`from_version` ({start}) must be earlier than `to_version` ({to}); for example"
            f" from_version:{to - 1 if to > 1 else 1} to_version:{to if to > 1 else 2}."
        )
    return start, to


# --- the diff --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def _units(text: str) -> list[str]:
    """The lines of a part, each split after its sentences (so one change is one unit)."""
    units: list[str] = []
    for line in text.split("\n"):
        units.extend(s for s in _SENTENCE_END.split(line.strip()) if s)
    return units


def _equal_run(run: list[str], *, first: bool, last: bool) -> list[str]:
    """Unchanged units kept as context: one beside each change, the rest as "…"."""
    if first and last:
        return []
    if first:
        return (["  …"] if len(run) > 1 else []) + [f"  {run[-1]}"]
    if last:
        return [f"  {run[0]}"] + (["  …"] if len(run) > 1 else [])
    if len(run) <= 2:
        return [f"  {unit}" for unit in run]
    return [f"  {run[0]}", "  …", f"  {run[-1]}"]


def part_diff(old: str, new: str) -> list[str]:
    """The lines of one part's diff (`- ` removed, `+ ` added, `  ` context); [] if same."""
    a, b = _units(old), _units(new)
    if a == b:
        return []
    lines: list[str] = []
    # Imported here: difflib costs 0.2 MiB at start-up for a command members run rarely.
    from difflib import SequenceMatcher

    opcodes = SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            lines.extend(_equal_run(a[i1:i2], first=first, last=last))
        else:
            lines.extend(f"- {unit}" for unit in a[i1:i2])
            lines.extend(f"+ {unit}" for unit in b[j1:j2])
    return lines


@dataclass(frozen=True)
class PartDiff:
    label: str
    lines: tuple[str, ...]


def agenda_diff(old: Agenda | None, new: Agenda) -> list[PartDiff]:
    """The parts that changed from `old` (None: nothing before) to `new`, in PARTS order."""
    before = old.texts() if old is not None else ("",) * len(PARTS)
    diffs = []
    for part, was, now in zip(PARTS, before, new.texts(), strict=True):
        lines = part_diff(was, now)
        if lines:
            diffs.append(PartDiff(part.label, tuple(lines)))
    return diffs


def _fence_safe(line: str) -> str:
    # Member text must not close the code block it is shown in.
    return line.replace("```", "`\u200b`\u200b`")


def diff_markdown(diffs: Sequence[PartDiff]) -> str:
    """Each changed part as a bold label and a ```diff block; "" when nothing changed."""
    blocks = []
    for diff in diffs:
        body = "\n".join(_fence_safe(line) for line in diff.lines)
        blocks.append(f"**{diff.label}**\n```diff\n{body}\n```")
    return "\n".join(blocks)


def diff_plain(title: str, diffs: Sequence[PartDiff]) -> str:
    """The same diff as a text file: a title, then each part under its label."""
    sections = [title, ""]
    for diff in diffs:
        sections += [f"## {diff.label}", *diff.lines, ""]
    return "\n".join(sections)


def pack_embeds(sizes: Sequence[int], budget: int = EMBED_TOTAL_MAX) -> list[list[int]]:
    """Indices of embeds grouped into messages: each message at most `budget` characters in
    all and at most ten embeds, in order. Every size must be within the budget."""
    messages: list[list[int]] = []
    used = 0
    for index, size in enumerate(sizes):
        if size > budget:
            raise ValueError(f"embed {index} has {size} characters, over {budget}")
        if not messages or used + size > budget or len(messages[-1]) == EMBEDS_PER_MESSAGE:
            messages.append([])
            used = 0
        messages[-1].append(index)
        used += size
    return messages


def blank_slate_round(round_number: int, every: int) -> bool:
    """Whether the server's `round_number`-th check-in round (1 = its first) invites members
    to rewrite their agenda from a blank slate: every `every`-th round, none when 0."""
    return every > 0 and round_number > 0 and round_number % every == 0
