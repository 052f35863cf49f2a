"""Text and embed builders of grant deadlines: replies, reminders, notices, pages, the digest.

No Discord I/O and no database: callers read what a message needs and pass it in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord

from bot.sending import when_text
from bot.time import discord_timestamp
from bot.timeparse import format_offset
from bot.ui import clip, embed
from cogs.grants.logic import NAME_MAX, Grant, ReminderPlan, format_offsets

if TYPE_CHECKING:
    from cogs.grants.service_feeds import ImportReport
    from cogs.grants.store import GrantSettings, Subscription

PAGE_ITEMS = 12  # grants per /grants list page: readable, and far inside the embed limits
DESCRIPTION_MAX = 4096
DIGEST_DEADLINES = 3  # the weekly digest names the next three deadlines
DIGEST_NAME_MAX = 60  # keeps a digest line short
NUDGE_ROLLING_MAX = 20  # rolling funds named in one nudge (an embed of readable size)
REPORT_LIST_MAX = 20  # grant names listed per line of an import report


# --- showing grants -----------------------------------------------------------------------------

_MARKDOWN = re.compile(r"([\\*_~|`>\[\]])")


def escape(text: str) -> str:
    """Text shown as itself in Discord markdown (names and notes people typed)."""
    return _MARKDOWN.sub(r"\\\1", text)


def title_link(grant: Grant) -> str:
    name = f"**{escape(grant.name)}**"
    return f"[{name}]({grant.url})" if grant.url else name


def status_text(grant: Grant) -> str:
    if grant.deadline is not None:
        return when_text(grant.deadline)
    if grant.rolling:
        return "rolling: applications any time"
    return "no date known: check the site"


def list_line(grant: Grant) -> str:
    line = f"• {title_link(grant)}"
    if grant.funder:
        line += f" · {escape(grant.funder)}"
    if grant.deadline is not None:
        line += f"\n  {when_text(grant.deadline)}"
    return line


@dataclass(frozen=True, slots=True)
class ListPage:
    description: str
    number: int  # 0-based
    count: int


def list_pages(grants: Sequence[Grant], now: datetime, *, show_past: bool) -> list[ListPage]:
    """The /grants list: upcoming deadlines soonest first, then rolling, then 'check the site'.

    Past deadlines only with `show_past`, most recent first. Never an empty list of pages.
    """
    upcoming = sorted(
        (g for g in grants if g.deadline is not None and g.deadline > now),
        key=lambda g: (g.deadline, g.name.casefold()),
    )
    past = sorted(
        (g for g in grants if g.deadline is not None and g.deadline <= now),
        key=lambda g: (g.deadline, g.name.casefold()),
        reverse=True,
    )
    rolling = sorted((g for g in grants if g.status == "rolling"), key=_by_name)
    check = sorted((g for g in grants if g.status == "check"), key=_by_name)
    sections: list[tuple[str, list[Grant]]] = [
        ("Upcoming deadlines", upcoming),
        ("Rolling: apply any time", rolling),
        ("No date known: check the site", check),
    ]
    if show_past:
        sections.append(("Past deadlines", past))
    entries: list[tuple[str, str]] = [
        (heading, list_line(g)) for heading, items in sections for g in items
    ]
    if not entries:
        hidden = f" ({len(past)} past, shown with `show_past:True`)" if past else ""
        return [
            ListPage(
                f"No grants yet{hidden}. Moderators can add some with `/grants add`,"
                " `/grants starter-pack` or `/grants import`.",
                0,
                1,
            )
        ]
    chunks = _chunk(entries)
    pages = []
    for number, chunk in enumerate(chunks):
        lines: list[str] = []
        heading_now = None
        for heading, line in chunk:
            if heading != heading_now:
                lines.append(("\n" if lines else "") + f"__{heading}__")
                heading_now = heading
            lines.append(line)
        if number == len(chunks) - 1 and past and not show_past:
            lines.append(f"\n-# {len(past)} past deadline(s) hidden; `show_past:True` shows them.")
        pages.append(ListPage("\n".join(lines)[:DESCRIPTION_MAX], number, len(chunks)))
    return pages


def _chunk(entries: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    chunks: list[list[tuple[str, str]]] = [[]]
    size = 0
    budget = DESCRIPTION_MAX - 200  # headings and the "hidden" footer
    for entry in entries:
        cost = len(entry[1]) + len(entry[0]) + 8
        if chunks[-1] and (len(chunks[-1]) >= PAGE_ITEMS or size + cost > budget):
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += cost
    return chunks


def _by_name(grant: Grant) -> str:
    return grant.name.casefold()


def choice_label(grant: Grant, zone: ZoneInfo) -> str:
    """An autocomplete choice: the name and, if any, the deadline's date (<= 100 chars)."""
    if grant.deadline is not None:
        suffix = f" — {grant.deadline.astimezone(zone):%d %b %Y}"
    elif grant.rolling:
        suffix = " — rolling"
    else:
        suffix = ""
    room = NAME_MAX - len(suffix)
    name = grant.name if len(grant.name) <= room else grant.name[: room - 1] + "…"
    return name + suffix


def reminder_content(grant: Grant) -> str:
    """The text line of a reminder (what notifications show)."""
    assert grant.deadline is not None
    return f"⏰ Grant deadline {discord_timestamp(grant.deadline, 'R')}: **{escape(grant.name)}**"


def plan_summary(plan: ReminderPlan) -> str:
    """'Channel reminders: 7d, 3d, 1d. Already past, so not sent: 30d, 14d.'"""
    parts = []
    if plan.ahead:
        parts.append(
            "at "
            + ", ".join(
                f"{format_offset(o)} ({discord_timestamp(at, 'f')})" for o, at in plan.ahead
            )
        )
    if plan.passed:
        parts.append(
            "not sent, their time has passed: " + ", ".join(format_offset(o) for o in plan.passed)
        )
    if plan.sent:
        parts.append(
            "already sent before the deadline moved, not repeated: "
            + ", ".join(format_offset(o) for o in plan.sent)
        )
    return "; ".join(parts) if parts else "none"


def moved_content(grant: Grant, old: datetime, new: datetime | None) -> str:
    """The one-line notice of a moved (or removed) deadline."""
    name = f"**{escape(grant.name)}**"
    if new is None:
        return (
            f"📅 {name} no longer has a deadline (it was {discord_timestamp(old, 'F')});"
            " its remaining reminders are cancelled."
        )
    return (
        f"📅 The deadline of {name} moved from {discord_timestamp(old, 'F')} to"
        f" {when_text(new)}. Reminders already"
        " sent are not repeated; the ones still ahead follow the new date."
    )


def digest_lines(grants: Iterable[Grant], now: datetime) -> tuple[str, ...]:
    """The next deadlines still ahead, soonest first, and how many more there are."""
    upcoming = sorted(
        (g for g in grants if g.deadline is not None and g.deadline > now),
        key=lambda g: (g.deadline, g.name.casefold()),
    )
    lines = []
    for grant in upcoming[:DIGEST_DEADLINES]:
        assert grant.deadline is not None
        name = grant.name
        if len(name) > DIGEST_NAME_MAX:
            name = name[: DIGEST_NAME_MAX - 1] + "…"
        lines.append(f"• **{escape(name)}**: {when_text(grant.deadline)}")
    if len(upcoming) > DIGEST_DEADLINES:
        lines.append(f"…and {len(upcoming) - DIGEST_DEADLINES} more in `/grants list`.")
    return tuple(lines)


# --- replies to commands ------------------------------------------------------------------------


def saved_reply(verb: str, grant: Grant, notes: Sequence[str], plan: ReminderPlan | None) -> str:
    """/grants add and edit: what was stored, and when the channel is reminded."""
    lines = [f"{verb} {title_link(grant)}: {status_text(grant)}."]
    if grant.deadline is not None:
        lines.append(f"Read as {grant.deadline_zone} time.")
        lines += [f"-# {note}" for note in notes]
        if plan is None:
            lines.append("No grants channel yet, so no channel reminders: `/config grants setup`.")
        else:
            lines.append(f"Channel reminders: {plan_summary(plan)}.")
    return clip("\n".join(lines), 2000)


MOVED_NOTE = (
    "\nThe old deadline's pending reminders were cancelled; reminders already sent"
    " are not repeated. The grants channel, and subscribers who had a reminder,"
    " are told the deadline moved."
)


def starter_pack_reply(
    added: Sequence[str], present: Sequence[str], checked_on: Sequence[date]
) -> str:
    lines = [
        f"Added {len(added)}: {', '.join(added)}." if added else "Nothing new to add.",
    ]
    if present:
        lines.append(f"Already listed: {', '.join(present)}.")
    lines.append(
        "They are rolling or 'check the site' entries with official links and no dates:"
        " add real deadlines with `/grants edit grant: deadline:` when rounds open."
    )
    if checked_on:
        oldest = min(checked_on)
        lines.append(
            f"These entries were last checked on {oldest.day} {oldest:%B %Y}. Funders rename"
            " and change their programs: open each link and check it still fits before"
            " relying on it (`/grants edit` corrects an entry)."
        )
    return "\n".join(lines)


def list_embed(page: ListPage) -> discord.Embed:
    card = embed("Grants and deadlines", page.description)
    if page.count > 1:
        card.set_footer(text=f"Page {page.number + 1} of {page.count}")
    return card


def info_embed(
    grant: Grant, plan: ReminderPlan | None, mine: Sequence[timedelta] | None
) -> discord.Embed:
    """/grants info: the grant, the channel's reminders and the member's own."""
    card = embed(clip(grant.name, 256), status_text(grant))
    if grant.url:
        card.url = grant.url
        card.add_field(name="Link", value=grant.url, inline=False)
    if grant.funder:
        card.add_field(name="Funder", value=escape(grant.funder))
    if grant.notes:
        card.add_field(name="Notes", value=clip(escape(grant.notes), 1024), inline=False)
    if plan is not None:
        card.add_field(name="Channel reminders", value=clip(plan_summary(plan), 1024), inline=False)
    card.add_field(
        name="Your DMs",
        value=f"at {format_offsets(mine)} before"
        if mine
        else "not subscribed: `/grants subscribe`",
        inline=False,
    )
    if grant.feed_id is not None:
        card.set_footer(text="Imported from a calendar feed")
    return card


def subscribed_reply(
    target: Grant | None,
    offsets: Sequence[timedelta],
    plans: Sequence[tuple[Grant, ReminderPlan]],
) -> str:
    """/grants subscribe: what the member will get (before how it reaches them)."""
    when = format_offsets(offsets)
    if target is None:
        return (
            f"You'll be reminded {when} before every grant deadline, current and future"
            f" ({len(plans)} upcoming now)."
        )
    if target.deadline is None:
        return (
            f"Subscribed to {title_link(target)}: it has no deadline yet; you'll be reminded"
            f" ({when}) once it has one."
        )
    return (
        f"Subscribed to {title_link(target)} ({status_text(target)})."
        f" Reminders {plan_summary(plans[0][1])}."
    )


def how_reached(channel_id: int | None, chosen: str | None, dm_closed: bool) -> str:
    """How a member's reminders will reach them, when it is not simply a DM."""
    if channel_id is None:
        return ""
    if chosen == "mention":
        return (
            f"\nThey come as a mention in <#{channel_id}>, as you chose; `/me notifications`"
            " switches them to DMs."
        )
    if dm_closed:
        return (
            f"\nYour DMs looked closed last time, so I'll mention you in <#{channel_id}> instead."
        )
    return ""


def subscriptions_embed(
    subscriptions: Sequence[tuple[Subscription, Grant | None]],
) -> discord.Embed:
    """/grants subscriptions: each subscription (and its grant, None for every grant)."""
    lines = []
    for sub, grant in subscriptions:
        if sub.grant_id is None:
            lines.append(f"• Every grant: {format_offsets(sub.offsets)} before")
        elif grant is not None:
            what = f"{format_offsets(sub.offsets)} before" if sub.offsets else "muted"
            lines.append(f"• {title_link(grant)}: {what}")
    text = "\n".join(lines) or "You have no grant subscriptions: `/grants subscribe`."
    return embed("Your grant reminders", clip(text, 4096))


def import_report_text(report: ImportReport) -> str:
    """/grants import: what changed, and as many skipped events' reasons as fit."""
    lines = [f"Imported {report.url}: {report.summary()}."]
    if report.added:
        lines.append("Added: " + ", ".join(report.added[:REPORT_LIST_MAX]))
    if report.updated:
        lines.append("Updated: " + ", ".join(report.updated[:REPORT_LIST_MAX]))
    footer = "-# The feed is re-read daily; `/grants import-refresh` re-reads it now."
    if report.skipped:
        # As many reasons as fit in one message, then how many more there were.
        room = 2000 - len("\n".join([*lines, footer])) - 40
        shown: list[str] = []
        for reason in report.skipped:
            line = "• " + clip(reason, 300)
            if len(line) + 1 > room:
                break
            shown.append(line)
            room -= len(line) + 1
        more = len(report.skipped) - len(shown)
        lines.append("Skipped:" + "".join("\n" + line for line in shown))
        if more:
            lines.append(f"…and {more} more.")
    lines.append(footer)
    return clip("\n".join(lines), 2000)


def refresh_text(outcomes: Sequence[tuple[str, ImportReport | str]]) -> str:
    """/grants import-refresh: each feed's outcome (a report, or why it failed)."""
    lines = [
        f"• {url}: {outcome if isinstance(outcome, str) else outcome.summary()}"
        for url, outcome in outcomes
    ]
    return clip("Refreshed (daily refreshes continue):\n" + "\n".join(lines), 2000)


def settings_text(settings: GrantSettings) -> str:
    """/config grants setup's answer: the settings as they now are."""
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "not set"
    nudge = "on (the 1st of each month)" if settings.rolling_nudge else "off"
    return (
        f"Grant reminders go to {channel} at **{format_offsets(settings.offsets)}** before each"
        f" deadline. Monthly rolling-fund nudge: {nudge}. Members add DMs at their own times"
        " with `/grants subscribe`."
    )


def status_summary(
    settings: GrantSettings, upcoming: int, rolling: int, unknown: int, feeds: int
) -> str:
    """The feature's line in /about and /config show."""
    listed = f"{upcoming} upcoming deadline(s), {rolling} rolling, {unknown} check-the-site"
    if settings.channel_id is None:
        return f"no grants channel: `/config grants setup channel:`. {listed}."
    nudge = "on" if settings.rolling_nudge else "off"
    return (
        f"reminders in <#{settings.channel_id}> at {format_offsets(settings.offsets)};"
        f" {listed}; monthly rolling nudge {nudge}; {feeds} imported feed(s)."
    )


# --- scheduled messages -------------------------------------------------------------------------


def reminder_embed(grant: Grant, offset: timedelta, *, footer: str) -> discord.Embed:
    assert grant.deadline is not None
    lines = [f"Deadline {when_text(grant.deadline)}."]
    if grant.funder:
        lines.append(f"Funder: {escape(grant.funder)}")
    if grant.url:
        lines.append(f"Apply: {grant.url}")
    if grant.notes:
        lines.append("\n" + clip(escape(grant.notes), 1000))
    card = embed(f"⏰ {clip(grant.name, 200)}", "\n".join(lines))
    if grant.url:
        card.url = grant.url
    card.set_footer(text=f"Reminder {format_offset(offset)} before · {footer}")
    return card


def nudge_embed(rolling: Sequence[Grant]) -> discord.Embed:
    """The monthly list of rolling funds."""
    lines = [
        f"• {title_link(g)}" + (f" · {escape(g.funder)}" if g.funder else "")
        for g in rolling[:NUDGE_ROLLING_MAX]
    ]
    if len(rolling) > NUDGE_ROLLING_MAX:
        lines.append(f"…and {len(rolling) - NUDGE_ROLLING_MAX} more in `/grants list`.")
    return embed(
        "🌱 Rolling funds: apply any time",
        clip(
            "A gentle monthly reminder: these take applications whenever you are ready."
            " A short application this month beats a perfect one never.\n\n" + "\n".join(lines),
            4096,
        ),
    )
