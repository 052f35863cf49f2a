"""`feedback-ticks` (`feedback-ticks:<assignment>`): tells the author which checklist points
the reviewer says their feedback covered. Scheduled once, in the transaction that stores the
ticks, and sent like the feature's other private messages (jobs_send.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.ui import clip
from cogs.feedback_swaps import store_frames
from cogs.feedback_swaps.frames import bullets

if TYPE_CHECKING:
    from cogs.feedback_swaps.jobs_send import SendJobs

TICKS = Kind("feedback-ticks", timedelta(days=14), ("assignment",))


def add_checklist(card: discord.Embed, points: Sequence[str]) -> discord.Embed:
    """The reviewer's card with the optional checklist just before its due date (the card
    ends with the date, as it does without a checklist)."""
    if points:
        card.insert_field_at(
            max(len(card.fields) - 1, 0),
            name="Checklist (optional: tick what you covered when you press Yes)",
            value=clip(bullets(points), 1024),
            inline=False,
        )
    return card


def ticks_text(reviewer_id: int, title: str, points: list[str]) -> str:
    return clip(
        f"<@{reviewer_id}> says their feedback on **{clip(title, 200)}** covered these points "
        f"of the review checklist:\n{bullets(points)}",
        2000,
    )


class ChecklistJobs:
    def __init__(self, send_jobs: SendJobs) -> None:
        self.send_jobs = send_jobs

    async def handle_ticks(self, occurrence: Occurrence) -> None:
        a, draft = await self.send_jobs.rounds.assignment_of(occurrence)
        points = await store_frames.list_ticks(self.send_jobs.bot.db, a.id)
        if not points or not a.author_id or not a.reviewer_id:
            raise SkipOccurrence(f"assignment {a.id}: no ticks, or a member was forgotten")
        await self.send_jobs.deliver(
            occurrence,
            a.guild_id,
            a.author_id,
            content=ticks_text(a.reviewer_id, draft.title, points),
        )
