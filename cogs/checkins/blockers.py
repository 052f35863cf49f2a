"""Blockers seen by peers: the blockers members chose to share, gathered at a round's close
into as few messages as Discord allows, and what "I can help" says. Builders only, no I/O.

A message holds at most 25 entries (one **I can help** button each: 5 rows of 5) and at most
6,000 characters of embed. More entries than that go on in a second message (then a third),
numbered on from the first, so each entry keeps one number and one button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.ui import clip, embed
from cogs.checkins.logic import EMBED_FIELD_NAME_MAX, EMBED_FIELD_VALUE_MAX, EMBED_TOTAL_MAX
from cogs.checkins.weeks import week_number

BLOCKER_INDEX = 3  # question position 4: "What is blocking you, or what would help?"
BUTTONS_MAX = 25  # five action rows of five buttons
BUTTON_LABEL_MAX = 80
THREAD_NAME_MAX = 100
MESSAGE_MAX = 2000
INTRO = (
    "What is blocking members of the cohort this week, shared by their choice. If you can"
    " help, press **I can help** for that entry: I open a private thread for the two of you."
)
# What a part spends outside its fields: the title (with "(n/m)") and the intro.
_FRAME = 100 + len(INTRO)


@dataclass(frozen=True, slots=True)
class Blocker:
    """One shared blocker as posted: its number across the parts, who asked, what they wrote."""

    number: int
    user_id: int
    name: str
    text: str

    @property
    def field_name(self) -> str:
        return clip(f"{self.number}. {self.name}", EMBED_FIELD_NAME_MAX)

    @property
    def field_value(self) -> str:
        return clip(" ".join(self.text.split()), EMBED_FIELD_VALUE_MAX) or "—"

    @property
    def size(self) -> int:
        return len(self.field_name) + len(self.field_value)


def numbered(entries: Sequence[tuple[int, str, str]]) -> list[Blocker]:
    """(user id, name, text) in posting order, numbered from 1."""
    return [Blocker(n, user, name, text) for n, (user, name, text) in enumerate(entries, 1)]


def pack(
    blockers: Sequence[Blocker], *, per_message: int = BUTTONS_MAX, budget: int = EMBED_TOTAL_MAX
) -> list[list[Blocker]]:
    """The blockers in parts, in order: each at most `per_message` entries and, with its frame,
    at most `budget` embed characters. An empty list gives no parts."""
    room = budget - _FRAME
    parts: list[list[Blocker]] = []
    used = 0
    for blocker in blockers:
        if not parts or len(parts[-1]) >= per_message or used + blocker.size > room:
            parts.append([])
            used = 0
        parts[-1].append(blocker)
        used += blocker.size
    return parts


def blockers_embed(week: str, part: Sequence[Blocker], index: int, count: int) -> discord.Embed:
    """One part of a round's gathered blockers (`index` of `count`, from 0)."""
    of = f" ({index + 1}/{count})" if count > 1 else ""
    card = embed(f"Blockers shared · Week {week_number(week)}{of}", INTRO)
    for blocker in part:
        card.add_field(name=blocker.field_name, value=blocker.field_value, inline=False)
    return card


def button_label(blocker: Blocker) -> str:
    return clip(f"I can help: {blocker.number}. {blocker.name}", BUTTON_LABEL_MAX)


# --- connecting two members -----------------------------------------------------------------


def quote(text: str, limit: int) -> str:
    """`text` as a Markdown quote of at most `limit` characters."""
    lines = clip(text.strip(), limit).splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def thread_name(helper: str, asker: str) -> str:
    return clip(f"Help · {helper} & {asker}", THREAD_NAME_MAX)


def thread_intro(asker_id: int, helper_id: int, week: str, text: str) -> str:
    """The first message of the private thread; it mentions (adds) only the two members."""
    head = (
        f"<@{asker_id}>, <@{helper_id}> offered to help with the blocker you shared in"
        f" Week {week_number(week)}:\n"
    )
    tail = "\nThis thread is private to the two of you (and the server's moderators)."
    return head + quote(text, MESSAGE_MAX - len(head) - len(tail) - 200) + tail


def dm_text(other: str, other_id: int, *, asked: bool, guild: str, week: str, text: str) -> str:
    """The DM that connects two members when no private thread can be made: to the member
    who asked (`asked`) it names the helper; to the helper, the member who asked."""
    where = f"**{guild}**, Week {week_number(week)}"
    head = (
        f"**{other}** (<@{other_id}>) offered to help with the blocker you shared in {where}:\n"
        if asked
        else f"Thank you for offering to help **{other}** (<@{other_id}>) in {where}, with:\n"
    )
    tail = "\nI could not open a private thread there, so write to each other directly."
    return clip(head, 600) + quote(text, 1200) + tail


def connected_reply(asker: str, thread_id: int | None, unreachable: Sequence[str]) -> str:
    """What the member who offered help reads (ephemerally)."""
    if thread_id is not None:
        return f"I opened a private thread for you and **{asker}**: <#{thread_id}>."
    text = (
        "I cannot open private threads in the check-in channel (missing Create Private"
        f" Threads), so I sent you and **{asker}** a DM instead."
    )
    if unreachable:
        text += (
            f" Your DMs or theirs are closed ({', '.join(unreachable)}), so not every DM"
            " arrived: write to them directly."
        )
    return text


def already_reply(asker: str, thread_id: int | None) -> str:
    if thread_id is not None:
        return f"You are already connected with **{asker}** about this: <#{thread_id}>."
    return f"You are already connected with **{asker}** about this (by DM)."


SELF_HELP = (
    "This is your own blocker, so there is no one to connect you with. The others in the cohort"
    " see **I can help** under it."
)
NONE_LEFT = "No blockers are shared here any more."
GONE = (
    "This member's check-in is no longer stored (they may have asked to be forgotten), so"
    " there is no one to connect you with."
)
