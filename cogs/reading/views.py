"""The reading group's persistent components: RSVP buttons, time-poll options and list pages.

Each custom_id carries a database key (discord.py's DynamicItem); everything else is read
from the database when clicked. The callbacks reach the feature's service through the bot
(`bot.features`), so this module imports nothing that imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import discord

from bot.checks import hamming, require_guild
from bot.client import HammingBot
from bot.ui import HammingView, PersistentButton, UserError, reports_errors
from cogs.reading import store, store_polls, store_sessions
from cogs.reading.logic import CHOICE_LABELS, CHOICES, FEATURE, Choice, PollTally
from cogs.reading.messages import list_page

if TYPE_CHECKING:
    from cogs.reading.feature import ReadingFeature
    from cogs.reading.service import ReadingService


def service_of(interaction: discord.Interaction[HammingBot]) -> ReadingService:
    feature: ReadingFeature | None = hamming(interaction).features.get(FEATURE)  # type: ignore[assignment]
    if feature is None:
        raise UserError("The reading group is not available right now; try again in a minute.")
    return feature.service


def rsvp_custom_id(session_id: int, choice: Choice) -> str:
    return f"reading:rsvp:{session_id}:{choice}"


def poll_custom_id(poll_id: int, position: int) -> str:
    return f"reading:poll:{poll_id}:{position}"


class RsvpButton(
    PersistentButton, template=r"reading:rsvp:(?P<session>\d+):(?P<choice>going|maybe|cant)"
):
    STYLES: Mapping[Choice, discord.ButtonStyle] = {
        "going": discord.ButtonStyle.success,
        "maybe": discord.ButtonStyle.primary,
        "cant": discord.ButtonStyle.secondary,
    }

    def __init__(self, session_id: int, choice: Choice, count: int = 0) -> None:
        super().__init__(
            rsvp_custom_id(session_id, choice),
            f"{CHOICE_LABELS[choice]} · {count}",
            self.STYLES[choice],
        )
        self.session_id = session_id
        self.choice: Choice = choice

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await service_of(interaction).answer_rsvp(interaction, self.session_id, self.choice)


def rsvp_view(
    session: store_sessions.ReadingSession, rsvps: Mapping[int, Choice]
) -> HammingView | None:
    if session.status != "scheduled":
        return None
    view = HammingView(timeout=None)
    for choice in CHOICES:
        count = sum(1 for answer in rsvps.values() if answer == choice)
        view.add_item(RsvpButton(session.id, choice, count))
    return view


class PollButton(PersistentButton, template=r"reading:poll:(?P<poll>\d+):(?P<position>\d+)"):
    def __init__(self, poll_id: int, position: int, count: int = 0) -> None:
        super().__init__(
            poll_custom_id(poll_id, position),
            f"{position} · {count}",
            discord.ButtonStyle.primary,
            row=(position - 1) // 5,
        )
        self.poll_id = poll_id
        self.position = position

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await service_of(interaction).answer_poll(interaction, self.poll_id, self.position)


def poll_view(poll: store_polls.Poll, tallies: Sequence[PollTally]) -> HammingView | None:
    if poll.status != "open":
        return None
    view = HammingView(timeout=None)
    for tally in tallies:
        view.add_item(PollButton(poll.id, tally.position, len(tally.voters)))
    return view


class PageButton(PersistentButton, template=r"reading:page:(?P<page>\d+):(?P<direction>prev|next)"):
    def __init__(self, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            f"reading:page:{page}:{direction}",
            "Previous" if direction == "prev" else "Next",
            discord.ButtonStyle.secondary,
            disabled=disabled,
        )
        self.page = page

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
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
