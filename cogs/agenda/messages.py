"""Text and embed builders of the research agenda (no Discord I/O)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.sending import when_text
from bot.time import discord_timestamp
from bot.ui import embed
from cogs.agenda.logic import (
    MESSAGE_MAX,
    PARTS,
    VERSIONS_LISTED,
    PartDiff,
    diff_markdown,
    diff_plain,
    pack_embeds,
)
from cogs.agenda.store import Version

EMPTY_PART = "_(left empty)_"
BLANK_SLATE_QUOTE = (
    "“Forget whatever clever idea you already have cached, and let's start from a blank slate.”"
)
BLANK_SLATE_LINE = (
    f"🧹 **Blank-slate week.** {BLANK_SLATE_QUOTE} Press **Rewrite my agenda from a blank slate**"
    " to write your research agenda anew, without looking at the old one; afterwards you see"
    " what changed."
)


@dataclass(frozen=True)
class Reply:
    """A reply's text and, when it would not fit in a message, a text file."""

    content: str
    file_name: str | None = None
    file_text: str | None = None

    def file(self) -> discord.File | None:
        if self.file_name is None or self.file_text is None:
            return None
        return discord.File(io.BytesIO(self.file_text.encode()), filename=self.file_name)


def version_line(version: Version) -> str:
    blank = " · blank slate" if version.blank_slate else ""
    return f"**v{version.version}** · {when_text(version.saved_at)}{blank}"


def agenda_messages(version: Version, *, private: bool) -> list[tuple[str, list[discord.Embed]]]:
    """The agenda as messages: a header, then one embed per part, packed within Discord's
    6,000 characters of embeds per message (four full parts need more than one message)."""
    shared = "private: only you can read it" if private else "shared with the cohort"
    header = (
        f"Research agenda of <@{version.user_id}> · version {version.version}, saved"
        f" {when_text(version.saved_at)} · {shared}."
    )
    cards = [
        embed(part.label, text or EMPTY_PART)
        for part, text in zip(PARTS, version.agenda.texts(), strict=True)
    ]
    groups = pack_embeds([len(card) for card in cards])
    return [(header if i == 0 else "", [cards[j] for j in group]) for i, group in enumerate(groups)]


def diff_reply(
    intro: str, before: Version | None, after: Version, diffs: Sequence[PartDiff]
) -> Reply:
    """`intro`, then the changes from `before` to `after`; in a file when they are long."""
    if before is None:
        title = f"Version {after.version} is the first version; there is nothing to compare."
        return Reply(f"{intro}\n{title}".strip())
    title = (
        f"Changes from version {before.version} ({discord_timestamp(before.saved_at, 'f')})"
        f" to version {after.version} ({discord_timestamp(after.saved_at, 'f')}):"
    )
    if not diffs:
        return Reply(f"{intro}\n{title} none, the two versions say the same.".strip())
    text = f"{intro}\n{title}\n{diff_markdown(diffs)}".strip()
    if len(text) <= MESSAGE_MAX:
        return Reply(text)
    plain_title = (
        f"Agenda of member {after.user_id}: changes from version {before.version}"
        f" ({before.saved_at:%Y-%m-%d %H:%M} UTC) to version {after.version}"
        f" ({after.saved_at:%Y-%m-%d %H:%M} UTC)"
    )
    return Reply(
        f"{intro}\n{title} they are long, so they are in the attached file"
        " (`-` removed, `+` added).".strip(),
        f"agenda-v{before.version}-v{after.version}.diff.txt",
        diff_plain(plain_title, diffs),
    )


def versions_list(owner_id: int, versions: Sequence[Version]) -> str:
    shown = versions[-VERSIONS_LISTED:]
    lines = [f"Agenda versions of <@{owner_id}> (newest last):"]
    if len(versions) > len(shown):
        lines.append(f"…{len(versions) - len(shown)} earlier version(s)")
    lines += [version_line(v) for v in shown]
    return "\n".join(lines)


def saved_text(version: Version) -> str:
    return (
        f"Saved version {version.version} of your agenda ({when_text(version.saved_at)})."
        " `/agenda show` shows it; `/agenda history` shows what changed."
    )


def unchanged_text(current: Version) -> str:
    return (
        f"No changes: that is exactly version {current.version} of your agenda, so nothing"
        " was saved."
    )


def privacy_text(private: bool) -> str:
    if private:
        return (
            "Your agenda is now **private**: only you can read it with `/agenda show` and"
            " `/agenda history` (moderators cannot either)."
        )
    return "Your agenda is now shared with the **cohort**: members of the cohort can read it."
