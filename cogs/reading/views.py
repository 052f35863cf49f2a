"""Messages and buttons of the reading group: announcement, poll and list builders, and the
DynamicItems (RSVP, poll option, list page) whose custom_ids carry a database key."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord.utils import escape_markdown

from bot.checks import hamming, require_guild
from bot.time import discord_timestamp
from bot.timeparse import format_offset
from bot.ui import HammingView, UserError, clip, embed, reports_errors
from cogs.reading import store
from cogs.reading.logic import (
    CHOICE_LABELS,
    CHOICES,
    Choice,
    PollTally,
    format_minutes,
)

if TYPE_CHECKING:
    from cogs.reading.service import ReadingService

PAGE_SIZE = 10
GREY = discord.Colour(0x8A8F98)


def service_of(interaction: discord.Interaction[Any]) -> ReadingService:
    cog = hamming(interaction).get_cog("ReadingCog")
    if cog is None:
        raise UserError("The reading group is not available right now; try again in a minute.")
    return cog.service  # type: ignore[attr-defined, no-any-return]


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


# --- the announcement ----------------------------------------------------------------------


def announcement_embed(session: store.ReadingSession, rsvps: Mapping[int, Choice]) -> discord.Embed:
    start = session.starts_at
    lines = [
        f"**When:** {discord_timestamp(start, 'F')} ({discord_timestamp(start, 'R')}),"
        f" {format_offset(session.duration)}",
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
    card = embed(clip(f"Reading group: {session.title}", 256), "\n".join(lines))
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


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reading:rsvp:(?P<session>\d+):(?P<choice>going|maybe|cant)",
):
    STYLES: Mapping[Choice, discord.ButtonStyle] = {
        "going": discord.ButtonStyle.success,
        "maybe": discord.ButtonStyle.primary,
        "cant": discord.ButtonStyle.secondary,
    }

    def __init__(self, session_id: int, choice: Choice, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{CHOICE_LABELS[choice]} · {count}",
                style=self.STYLES[choice],
                custom_id=f"reading:rsvp:{session_id}:{choice}",
            )
        )
        self.session_id = session_id
        self.choice: Choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RsvpButton:
        choice = next(c for c in CHOICES if c == match["choice"])
        return cls(int(match["session"]), choice)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await service_of(interaction).answer_rsvp(interaction, self.session_id, self.choice)


def rsvp_view(session: store.ReadingSession, rsvps: Mapping[int, Choice]) -> HammingView | None:
    if session.status != "scheduled":
        return None
    view = HammingView(timeout=None)
    for choice in CHOICES:
        count = sum(1 for answer in rsvps.values() if answer == choice)
        view.add_item(RsvpButton(session.id, choice, count))
    return view


# --- time polls ----------------------------------------------------------------------------


def poll_embed(
    poll: store.Poll, title: str | None, tallies: Sequence[PollTally], now: datetime
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


class PollButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reading:poll:(?P<poll>\d+):(?P<position>\d+)",
):
    def __init__(self, poll_id: int, position: int, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{position} · {count}",
                style=discord.ButtonStyle.primary,
                custom_id=f"reading:poll:{poll_id}:{position}",
                row=(position - 1) // 5,
            )
        )
        self.poll_id = poll_id
        self.position = position

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PollButton:
        return cls(int(match["poll"]), int(match["position"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await service_of(interaction).answer_poll(interaction, self.poll_id, self.position)


def poll_view(poll: store.Poll, tallies: Sequence[PollTally]) -> HammingView | None:
    if poll.status != "open":
        return None
    view = HammingView(timeout=None)
    for tally in tallies:
        view.add_item(PollButton(poll.id, tally.position, len(tally.voters)))
    return view


# --- the reading list ----------------------------------------------------------------------


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


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reading:page:(?P<page>\d+):(?P<direction>prev|next)",
):
    def __init__(self, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"reading:page:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(int(match["page"]), match["direction"])

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        guild = require_guild(interaction)
        items = await store.list_items(hamming(interaction).db, guild.id)
        card, pages = list_page(items, self.page)
        await interaction.response.edit_message(embed=card, view=page_view(self.page, pages))


def page_view(page: int, pages: int) -> HammingView | None:
    """Previous/Next; each button carries the page it leads to (the list is read afresh)."""
    if pages <= 1:
        return None
    page = min(max(page, 0), pages - 1)
    view = HammingView(timeout=None)
    view.add_item(PageButton(max(page - 1, 0), "prev", disabled=page == 0))
    view.add_item(PageButton(min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return view


def session_reply(
    verb: str, session: store.ReadingSession, notes: Sequence[str], zone: ZoneInfo
) -> str:
    """The ephemeral answer to schedule/reschedule: the resolved time, so a mistake shows."""
    start = session.starts_at
    local = start.astimezone(zone)
    lines = [
        f"{verb} **{escape_markdown(session.title)}** for {discord_timestamp(start, 'F')}"
        f" ({discord_timestamp(start, 'R')}), {format_offset(session.duration)}."
        f" Read as {zone.key} time: {local:%a %d %b %Y %H:%M %Z}.",
        f"Lead: <@{session.lead_id}>." if session.lead_id else "Lead: open (no one yet).",
    ]
    if session.message_id:
        lines.append(
            "Announcement: https://discord.com/channels/"
            f"{session.guild_id}/{session.channel_id}/{session.message_id}"
        )
    else:
        lines.append("The announcement will follow shortly.")
    if session.event_id:
        lines.append(f"Event: {event_link(session.guild_id, session.event_id)}")
    lines += [f"Note: {note}" for note in notes]
    return clip("\n".join(lines), 2000)
