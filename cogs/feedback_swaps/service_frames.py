"""What frames and the checklist do: the moderators' field list and checklist (audited),
members' fields, a draft's frame check, and the reviewer's ticks reaching the author."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.guild_settings import GuildSettings
from bot.ui import UserError
from cogs.feedback_swaps import store_frames, store_rounds
from cogs.feedback_swaps.frames import (
    DEFAULT_CHECKLIST,
    DEFAULT_FIELDS,
    bullets,
    check_frame,
    checklist_digest,
    parse_checklist,
    shown_frame_settings,
    ticked_points,
)
from cogs.feedback_swaps.jobs_checklist import TICKS
from cogs.feedback_swaps.logic import parse_topic_list, parse_topics

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class Frames:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        self.settings = GuildSettings(
            bot.db,
            bot.clock,
            read=store_frames.get_frame_settings,
            write=store_frames.upsert_frame_settings,
            shown=shown_frame_settings,
        )

    # -- moderators --------------------------------------------------------------------------

    async def save_fields(self, guild_id: int, actor_id: int, text: str | None) -> str:
        """The field list from the form (None: the defaults), validated, stored, audited."""
        fields = DEFAULT_FIELDS if text is None else parse_topic_list(text, "field")
        await self.settings.save(guild_id, actor_id, lambda s: s.with_changes(fields=fields))
        return (
            f"Saved {len(fields)} field{'s' if len(fields) != 1 else ''}: {', '.join(fields)}. "
            "Members keep the fields they chose."
        )

    async def save_checklist(self, guild_id: int, actor_id: int, text: str | None) -> str:
        """The checklist from the form (None: the default), validated, stored, audited."""
        points = DEFAULT_CHECKLIST if text is None else parse_checklist(text)
        await self.settings.save(guild_id, actor_id, lambda s: s.with_changes(checklist=points))
        if not points:
            return "The review checklist is off: reviewers' cards show none."
        return f"Saved the review checklist ({len(points)} points):\n{bullets(points)}"

    # -- members -----------------------------------------------------------------------------

    async def parse_member_fields(self, guild_id: int, text: str | None) -> tuple[str, ...] | None:
        """Fields a member typed, checked against the server's list (None: not given)."""
        if text is None:
            return None
        known = (await self.settings.get(guild_id)).fields
        return parse_topics(text, known, "field")

    async def check_frame(self, guild_id: int, user_id: int, frame: str) -> None:
        known = (await self.settings.get(guild_id)).fields
        mine = await store_frames.get_member_fields(self.bot.db, guild_id, user_id)
        check_frame(frame, mine, known)

    async def checklist_for(self, assignment_id: int) -> tuple[str, ...]:
        """The checklist the reviewer of this assignment may tick (empty: none)."""
        a = await store_rounds.get_assignment(self.bot.db, assignment_id)
        if a is None or a.status != "done" or a.sent_at is None:
            return ()
        if await store_frames.list_ticks(self.bot.db, assignment_id):
            return ()
        return (await self.settings.get(a.guild_id)).checklist

    async def tick(self, assignment_id: int, user_id: int, values: Sequence[str]) -> str:
        """The reviewer's ticks: stored once; the author is told (a ledger occurrence)."""
        db = self.bot.db
        a = await store_rounds.get_assignment(db, assignment_id)
        if a is None:
            raise UserError("I cannot find that review any more.")
        if user_id != a.reviewer_id:
            raise UserError("Only the reviewer of this draft can tick its checklist.")
        if a.status != "done" or a.sent_at is None:
            raise UserError("Tick the checklist after pressing Yes (you sent your feedback).")
        points = ticked_points(values, (await self.settings.get(a.guild_id)).checklist)
        now = self.bot.clock.now()
        async with db.transaction() as tx:
            fresh = await store_frames.insert_ticks(
                tx,
                assignment_id=a.id,
                guild_id=a.guild_id,
                reviewer_id=a.reviewer_id,
                points=points,
                now=now,
            )
            if fresh:
                await self.bot.scheduler.schedule(
                    TICKS.key(a.id),
                    TICKS,
                    now,
                    guild_id=a.guild_id,
                    user_id=a.author_id,
                    payload={"assignment": a.id},
                )
        if not fresh:
            raise UserError("You already ticked the checklist for this review. Thank you!")
        log.info("guild %s: %s ticked %d checklist points", a.guild_id, user_id, len(points))
        return (
            f"Noted: your feedback covered {len(points)} checklist "
            f"point{'s' if len(points) != 1 else ''}; <@{a.author_id}> is told."
        )

    # -- the digest ------------------------------------------------------------------------

    async def digest_line(self, guild_id: int, now: datetime) -> str | None:
        ticks = await store_frames.list_sent_review_ticks(
            self.bot.db, guild_id, now - timedelta(days=7), now
        )
        return checklist_digest(ticks)
