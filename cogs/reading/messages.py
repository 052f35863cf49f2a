"""Texts and embeds of the reading group (no Discord I/O): the announcement, the time poll,
the list, replies, reminders and the notices jobs post."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import discord
from discord.utils import escape_markdown

from bot.sending import when_text
from bot.time import discord_timestamp
from bot.timeparse import ParsedTime, format_offset, zone_label
from bot.ui import clip, embed
from cogs.reading import store, store_polls, store_sessions
from cogs.reading.kinds import headline, kind_label
from cogs.reading.logic import (
    CHOICE_LABELS,
    CHOICES,
    Choice,
    PollTally,
    format_minutes,
)

PAGE_SIZE = 10
GREY = discord.Colour(0x8A8F98)
MAX_PINGS = 100  # Discord's limit on allowed_mentions.users


def pinging(user_ids: list[int]) -> discord.AllowedMentions:
    """Ping exactly these members (Discord takes at most 100 ids), never roles or everyone."""
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(u) for u in user_ids[:MAX_PINGS]]
    )


def offsets_shown(offsets: Sequence[timedelta]) -> str:
    """Reminder offsets as people read them, in the order given: '24h, 1h', or 'none'."""
    return ", ".join(format_offset(o) for o in offsets) if offsets else "none"


def settings_shown(settings: store.ReadingSettings) -> dict[str, str]:
    """The audited settings as they read to a person (the config audit's values)."""
    return {
        "reading.channel": f"<#{settings.channel_id}>" if settings.channel_id else "none",
        "reading.reminders": offsets_shown(settings.offsets),
        "reading.days_ahead": str(settings.days_ahead),
    }


def mentions(user_ids: Sequence[int], limit: int = 1000) -> str:
    """`<@a> <@b> …` within `limit` characters, ending with '+N more' when cut."""
    parts: list[str] = []
    used = 0
    for index, user_id in enumerate(user_ids):
        mention = f"<@{user_id}>"
        rest = len(user_ids) - index
        if used + len(mention) + 1 > limit - 12:
            parts.append(f"+{rest} more")
            break
        parts.append(mention)
        used += len(mention) + 1
    return " ".join(parts) or "—"


def event_link(guild_id: int, event_id: int) -> str:
    return f"https://discord.com/events/{guild_id}/{event_id}"


def title_link(title: str, url: str | None) -> str:
    text = escape_markdown(title)
    return f"[{text}]({url})" if url else f"**{text}**"


def announcement_embed(
    session: store_sessions.ReadingSession, rsvps: Mapping[int, Choice]
) -> discord.Embed:
    start = session.starts_at
    lines = [
        f"**When:** {when_text(start)}, {format_offset(session.duration)}",
    ]
    if session.voice_channel_id:
        lines.append(f"**Where:** <#{session.voice_channel_id}>")
    elif session.event_id:
        link = event_link(session.guild_id, session.event_id)
        lines.append(f"**Where:** the thread below ([event]({link}))")
    else:
        lines.append("**Where:** the thread below")
    lines.append(
        f"**Lead:** <@{session.lead_id}>"
        if session.lead_id
        else "**Lead:** open; volunteer in the thread"
    )
    if session.url:
        lines.append(f"**Read:** {session.url}")
    if session.goal_prompt:
        lines.append("**Goals:** at the start, say what you'll get done; at the end, how it went.")
    card = embed(clip(headline(session.kind, session.title), 256), "\n".join(lines))
    if session.url:
        card.url = session.url
    if session.status == "cancelled":
        card.title = clip(f"Cancelled: {session.title}", 256)
        card.description = clip(
            f"~~{discord_timestamp(start, 'F')}~~\nThis session was cancelled.", 4096
        )
        card.colour = GREY
        return card
    if session.status == "done":
        card.colour = GREY
    for choice in CHOICES:
        people = [user for user, answer in rsvps.items() if answer == choice]
        card.add_field(name=f"{CHOICE_LABELS[choice]} ({len(people)})", value=mentions(people))
    card.set_footer(text="Going or Maybe: you get a DM reminder before the session.")
    return card


def poll_embed(
    poll: store_polls.Poll, title: str | None, tallies: Sequence[PollTally], now: datetime
) -> discord.Embed:
    reading = f" for {title_link(title, None)}" if title else ""
    lines = []
    for tally in tallies:
        who = sorted(tally.voters)
        mark = " ✅" if poll.winner == tally.position else ""
        lines.append(
            f"**{tally.position}.** {discord_timestamp(tally.starts_at, 'F')}{mark}:"
            f" **{len(who)}** can attend{': ' + mentions(who, 300) if who else ''}"
        )
    if poll.status == "open":
        head = (
            f"When can you come{reading}? Click every time you can attend (click again to undo)."
            f" Closes {discord_timestamp(poll.closes_at, 'R')}; the time most people can"
            " attend wins (ties: the earliest)."
        )
    elif poll.winner is not None:
        head = f"Closed: option {poll.winner} won and the session is scheduled."
    else:
        head = "Closed without a time: no option still ahead had any votes."
    card = embed("Reading group: time poll", clip(head + "\n\n" + "\n".join(lines), 4096))
    card.set_footer(text=f"{format_minutes(poll.minutes)} session · times shown in your zone")
    if poll.status != "open":
        card.colour = GREY
    return card


def list_page(items: Sequence[store.ReadingItem], page: int) -> tuple[discord.Embed, int]:
    """The embed for one page (0-based, clamped) and the number of pages."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [
        f"`{item.position}.` {title_link(clip(item.title, 150), item.url)}"
        f" · {format_minutes(item.minutes)} · {item.status}"
        for item in shown
    ]
    if not items:
        lines = [
            "The list is empty. Add a reading with `/reading add`, or a moderator can"
            " add the newcomers' starter pack with `/reading starter-pack`."
        ]
    card = embed("Reading list", clip("\n".join(lines), 4096))
    queued = sum(1 for item in items if item.status == "queued")
    card.set_footer(text=f"Page {page + 1} of {pages} · {len(items)} items, {queued} queued")
    return card, pages


def session_reply(verb: str, session: store_sessions.ReadingSession, typed: ParsedTime) -> str:
    """The ephemeral answer to schedule/reschedule: the resolved time, so a mistake shows.

    The time is echoed on the clock it was read on: the member's zone, or one they wrote.
    """
    start = session.starts_at
    clock = typed.clock or typed.zone
    local = start.astimezone(clock)
    notes = typed.notes
    lines = [
        f"{verb} **{escape_markdown(session.title)}** for {discord_timestamp(start, 'F')}"
        f" ({discord_timestamp(start, 'R')}), {format_offset(session.duration)}."
        f" Read as {zone_label(clock)} time: {local:%a %d %b %Y %H:%M %Z}.",
        f"Lead: <@{session.lead_id}>." if session.lead_id else "Lead: open (no one yet).",
    ]
    if session.message_id:
        lines.append(f"Announcement: {announcement_link(session)}")
    else:
        lines.append("The announcement will follow shortly.")
    if session.event_id:
        lines.append(f"Event: {event_link(session.guild_id, session.event_id)}")
    lines += [f"Note: {note}" for note in notes]
    return clip("\n".join(lines), 2000)


def announcement_link(session: store_sessions.ReadingSession) -> str:
    return (
        f"https://discord.com/channels/{session.guild_id}/{session.channel_id}/{session.message_id}"
    )


# --- Discord's scheduled event ---------------------------------------------------------------


def event_name(session: store_sessions.ReadingSession) -> str:
    return clip(headline(session.kind, session.title), 100)


def thread_name(session: store_sessions.ReadingSession) -> str:
    label = "Reading" if session.kind == "reading" else kind_label(session.kind)
    return f"{label}: {session.title}"


def event_description(session: store_sessions.ReadingSession, lead_name: str | None) -> str:
    channel_url = f"https://discord.com/channels/{session.guild_id}/{session.channel_id}"
    description = "\n".join(
        line
        for line in (
            f"Reading: {session.title}"
            if session.kind == "reading"
            else headline(session.kind, session.title),
            session.url or "",
            f"Lead: {lead_name}" if lead_name else "",
            f"RSVP and discussion: {channel_url}",
        )
        if line
    )
    return clip(description, 1000)


# --- what jobs post ------------------------------------------------------------------------


def reminder_text(session: store_sessions.ReadingSession) -> str:
    start = session.starts_at
    what = (
        f"the reading group discusses **{session.title}**"
        if session.kind == "reading"
        else f"**{headline(session.kind, session.title)}** starts"
    )
    lines = [
        f"Reminder: {what} {discord_timestamp(start, 'R')} ({discord_timestamp(start, 'F')}).",
    ]
    if session.url:
        lines.append(f"Read it here: {session.url}")
    if session.message_id:
        lines.append(f"Announcement: {announcement_link(session)}")
    return "\n".join(lines)


def start_text(session: store_sessions.ReadingSession, going: Sequence[int]) -> str:
    where = (
        f"Join <#{session.voice_channel_id}>."
        if session.voice_channel_id
        else "The discussion is here."
    )
    lead = f" Lead: <@{session.lead_id}>." if session.lead_id else ""
    text = f"Starting now: **{session.title}**. {where}{lead}"
    if going:
        text += f"\n{mentions(going, 1500)}"
    return text


def wrapup_text(
    session: store_sessions.ReadingSession,
    next_item: store.ReadingItem | None,
    has_series: bool,
    lead: int | None,
) -> str:
    lines = [f"Thanks for discussing **{session.title}**; it is marked discussed."]
    if next_item is not None:
        link = f" ({next_item.url})" if next_item.url else ""
        lines.append(f"Next in the queue: **{next_item.title}**{link}.")
        lines.append(
            "The weekly series will schedule it."
            if has_series
            else "Schedule it with `/reading schedule`, or find a time with `/reading poll`."
        )
    else:
        lines.append("The queue is empty: add the next reading with `/reading add`.")
    if lead is not None:
        lines.append(
            f"Proposed lead next time: <@{lead}> (the lead rotates among members who came"
            " recently and haven't led recently)."
        )
    return "\n".join(lines)


def moved_text(session: store_sessions.ReadingSession, ping: Sequence[int]) -> str:
    start = session.starts_at
    text = (
        f"Moved: **{session.title}** now starts {discord_timestamp(start, 'F')}"
        f" ({discord_timestamp(start, 'R')})."
    )
    if ping:
        text += f"\n{mentions(ping, 1500)}"
    return text


def cancelled_text(session: store_sessions.ReadingSession) -> str:
    what = (
        f"The reading group session on **{session.title}**"
        if session.kind == "reading"
        else f"**{headline(session.kind, session.title)}**"
    )
    return f"{what} ({discord_timestamp(session.starts_at, 'F')}) is cancelled."


def poll_result_text(chosen: PollTally | None) -> str:
    if chosen is None:
        return "The reading-group time poll closed without a time: no option still ahead had votes."
    ping = sorted(chosen.voters)
    return (
        f"The time poll picked **{discord_timestamp(chosen.starts_at, 'F')}**"
        f" ({len(ping)} can attend). The session is scheduled; those who could attend"
        f" are marked Going (change it on the announcement).\n{mentions(ping, 1500)}"
    )


def series_empty_text(start: datetime) -> str:
    return (
        f"The weekly reading session on {discord_timestamp(start, 'F')} has nothing to"
        " read: the queue is empty. Add readings with `/reading add`; the series"
        " goes on next week."
    )
