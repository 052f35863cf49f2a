"""The private messages of feedback swaps: how they reach a member, and the handlers that send.

A message goes by DM; to a private thread in the feedback channel when DMs are closed (or the
member asked for channel notices with /me notifications). Each handler reads what it needs,
builds the text (messages.py) and sends with its occurrence's nonce, exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot import members
from bot.delivery import Delivered, send_dm_or_fallback
from bot.ledger import Occurrence
from bot.scheduler import SkipOccurrence
from cogs.feedback_swaps import messages, store, store_frames, store_rounds
from cogs.feedback_swaps.jobs import Rounds, member_name
from cogs.feedback_swaps.jobs_checklist import add_checklist
from cogs.feedback_swaps.logic import FEATURE_NAME, member_reason
from cogs.feedback_swaps.views import rating_view, received_view, rejoin_view, review_view

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week


class SendJobs:
    """Performs the kinds that send: announcements, notices, follow-ups, rating requests."""

    def __init__(self, bot: HammingBot, rounds: Rounds) -> None:
        self.bot = bot
        self.rounds = rounds
        # One private thread per member: concurrent sends to the same member wait for the first
        # to open it rather than each opening their own.
        self._thread_locks: dict[tuple[int, int], asyncio.Lock] = {}

    # -- handlers ----------------------------------------------------------------------------

    async def handle_announce(self, occurrence: Occurrence) -> None:
        a, draft = await self.rounds.assignment_of(occurrence)
        if a.status != "active":
            raise SkipOccurrence(f"assignment {a.id} is {a.status}")
        if occurrence.payload["side"] == "reviewer":
            how = await self.deliver(
                occurrence,
                a.guild_id,
                a.reviewer_id,
                content=messages.reviewer_announcement(a, draft),
                embed=add_checklist(
                    messages.draft_card(draft),
                    (await store_frames.get_frame_settings(self.bot.db, a.guild_id)).checklist,
                ),
                view=review_view(a.id, announcement=True),
            )
        else:
            how = await self.deliver(
                occurrence,
                a.guild_id,
                a.author_id,
                content=messages.author_announcement(a, draft),
                embed=messages.draft_card(draft),
                view=received_view(a.id),
            )
        log.info("announced assignment %s to the %s by %s", a.id, occurrence.payload["side"], how)

    async def handle_followup(self, occurrence: Occurrence) -> None:
        a, draft = await self.rounds.assignment_of(occurrence)
        if a.status != "active" or a.extensions != int(occurrence.payload["extensions"]):
            raise SkipOccurrence(f"assignment {a.id} is {a.status} (extensions {a.extensions})")
        await self.deliver(
            occurrence,
            a.guild_id,
            a.reviewer_id,
            content=messages.followup_text(a, draft),
            view=review_view(a.id),
        )

    async def handle_rate(self, occurrence: Occurrence) -> None:
        a, draft = await self.rounds.assignment_of(occurrence)
        if a.rating is not None or a.status != "done":
            raise SkipOccurrence(f"assignment {a.id} is {a.status}, rating {a.rating}")
        await self.deliver(
            occurrence,
            a.guild_id,
            a.author_id,
            content=messages.rate_text(a, draft),
            view=rating_view(a.id),
        )

    async def handle_notice(self, occurrence: Occurrence) -> None:
        guild_id = occurrence.guild_id
        if guild_id is None:
            raise SkipOccurrence("no server")
        payload = occurrence.payload
        user_id = int(payload["user"])
        what = str(payload["what"])
        db = self.bot.db
        if "draft" in payload:
            draft = await store.get_draft(db, int(payload["draft"]))
            a = None
        else:
            a = await store_rounds.get_assignment(db, int(payload["assignment"]))
            draft = None if a is None else await store.get_draft(db, a.draft_id)
        if draft is None:
            raise SkipOccurrence("the draft no longer exists")
        reason, others_active, lapses = "", 0, 1
        if what in ("carried", "partial"):
            if draft.status in ("withdrawn", "expired"):
                raise SkipOccurrence(f"draft {draft.id} is {draft.status}")
            missed = await store_rounds.get_unmatched(db, int(payload["round"]), draft.id)
            reason = member_reason(missed.reason) if missed else "not enough reviewers"
        elif what == "dropped":
            others_active = sum(
                1
                for x in await store_rounds.list_draft_assignments(db, draft.id)
                if x.status == "active"
            )
        elif what == "lapsed":
            pool_row = await store.get_reviewer(db, guild_id, user_id)
            lapses = pool_row.lapses if pool_row else 1
        content = messages.notice_text(
            what,
            draft,
            a,
            next_round=await self.rounds.next_round(guild_id),
            reason=reason,
            others_active=others_active,
            lapses=lapses,
        )
        if content is None:
            raise SkipOccurrence(f"unknown notice {what}")
        view = rejoin_view(guild_id, user_id) if what == "paused" else None
        await self.deliver(occurrence, guild_id, user_id, content=content, view=view)

    # -- sending -----------------------------------------------------------------------------

    async def deliver(
        self,
        occurrence: Occurrence,
        guild_id: int,
        user_id: int,
        *,
        content: str,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> str:
        """A DM; a private thread in the feedback channel when DMs are closed (or the member
        asked for channel notices with /me notifications). Exactly once per occurrence."""
        settings = await store.get_settings(self.bot.db, guild_id)
        wants_dm = settings.channel_id is None or (
            await members.get_notify_channel(self.bot.db, guild_id, user_id, FEATURE_NAME) == "dm"
        )
        sent = Delivered.UNREACHABLE
        if wants_dm:
            sent = await send_dm_or_fallback(
                self.bot,
                guild_id=guild_id,
                user_id=user_id,
                nonce=occurrence.nonce(),
                fallback_channel_id=None,
                content=content,
                embed=embed,
                view=view,
            )
        if sent is Delivered.DM:
            return "dm"
        if settings.channel_id is None:
            raise SkipOccurrence(f"member {user_id} has closed DMs and no feedback channel is set")
        thread_id = await self._private_thread(guild_id, user_id, settings.channel_id)
        channel = self.bot.get_partial_messageable(thread_id, guild_id=guild_id)
        extra: dict[str, Any] = {}
        if embed is not None:
            extra["embed"] = embed
        if view is not None:
            extra["view"] = view
        try:
            await channel.send(
                content=f"<@{user_id}> {content}"[:2000],
                **extra,
                nonce=occurrence.nonce("thread"),
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(user_id)]),
            )
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:  # the thread was deleted: open a new one on retry
                await store.delete_thread(self.bot.db, guild_id, user_id)
            raise
        return "thread"

    async def _private_thread(self, guild_id: int, user_id: int, channel_id: int) -> int:
        lock = self._thread_locks.setdefault((guild_id, user_id), asyncio.Lock())
        async with lock:
            return await self._open_private_thread(guild_id, user_id, channel_id)

    async def _open_private_thread(self, guild_id: int, user_id: int, channel_id: int) -> int:
        known = await store.get_thread_id(self.bot.db, guild_id, user_id)
        if known is not None:
            return known
        parent = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        if not isinstance(parent, discord.TextChannel):
            raise SkipOccurrence(f"feedback channel {channel_id} is not a text channel")
        name = member_name(self.bot, guild_id, user_id) or str(user_id)
        thread = await parent.create_thread(
            name=f"Feedback swaps · {name}"[:100],
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
        )
        # Stored before anything else can fail, so a retry posts here instead of opening another.
        await store.upsert_thread(self.bot.db, guild_id, user_id, thread.id, self.bot.clock.now())
        await thread.add_user(discord.Object(user_id))
        log.info(
            "guild %s: opened private feedback thread %s for %s (DMs closed)",
            guild_id,
            thread.id,
            user_id,
        )
        return thread.id
