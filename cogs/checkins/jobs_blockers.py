"""Blockers seen by peers: gathering the shared blockers at a round's close, and connecting
a member who presses **I can help** with the member who asked.

- `checkin-blockers` (`checkin-blockers:<round>`): scheduled by the close of a public round
  (in the close's own transaction), so it happens once per round, across restarts. It posts
  the blockers of the members who chose to share (question 4, when not empty) in the
  check-in channel: one message, or more when they do not fit one (see blockers.py). Each
  part's message id is stored as soon as it is sent, so a retry sends only missing parts.
- **I can help** opens a private thread in the check-in channel for the two members, or,
  without Create Private Threads there, sends each a DM. One record per (round, asker,
  helper) in checkin_help_offers: a second press links what was made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence, nonce_for
from bot.scheduler import Kind, SkipOccurrence
from bot.ui import UserError
from cogs.checkins import store, store_loop
from cogs.checkins.blockers import (
    GONE,
    NONE_LEFT,
    SELF_HELP,
    Blocker,
    already_reply,
    blockers_embed,
    connected_reply,
    dm_text,
    numbered,
    pack,
    thread_intro,
    thread_name,
)
from cogs.checkins.store import Round
from cogs.checkins.store_loop import SharedBlocker
from cogs.checkins.views_blockers import blockers_view

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# Blockers three days after the close are stale news; the round after has opened by then.
BLOCKERS = Kind("checkin-blockers", timedelta(days=3), ("round",))
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080


async def schedule_gathering(bot: HammingBot, round_: Round) -> None:
    """At the close: a public round's blockers are gathered once (idempotent by key)."""
    if round_.visibility == "public":
        await bot.scheduler.schedule(
            BLOCKERS.key(round_.id),
            BLOCKERS,
            bot.clock.now(),
            guild_id=round_.guild_id,
            payload={"round_id": round_.id},
        )


def display_name(guild: discord.Guild | None, user_id: int) -> str:
    member = guild.get_member(user_id) if guild else None
    return member.display_name if member else "a member"


class Blockers:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        # One press at a time per pair: a double click must not open two threads.
        self._locks: dict[tuple[int, int, int], asyncio.Lock] = {}

    def jobs(self) -> list[Job]:
        return [Job(BLOCKERS, self.gather)]

    # -- gathering ---------------------------------------------------------------------------

    async def gather(self, occurrence: Occurrence) -> None:
        round_ = await store.get_round(self.bot.db, int(occurrence.payload["round_id"]))
        if round_ is None:
            raise SkipOccurrence("the round no longer exists")
        if round_.visibility != "public":
            raise SkipOccurrence("the round's answers are for moderators only")
        parts = await self._parts(round_)
        if not parts:
            raise SkipOccurrence("no member shared a blocker")
        sent = await store_loop.list_blocker_messages(self.bot.db, round_.id)
        channel = self.bot.get_partial_messageable(round_.channel_id, guild_id=round_.guild_id)
        for index, part in enumerate(parts):
            if index in sent:
                continue
            message = await channel.send(
                embed=blockers_embed(round_.week, part, index, len(parts)),
                view=blockers_view(round_.id, part),
                nonce=occurrence.nonce(f"part-{index}"),
                allowed_mentions=discord.AllowedMentions.none(),
            )
            async with self.bot.db.transaction() as tx:
                await store_loop.insert_blocker_message(
                    tx, round_.id, index, round_.channel_id, message.id, self.bot.clock.now()
                )
        log.info(
            "round %s: gathered %d shared blockers in %d message(s)",
            round_.id,
            sum(map(len, parts)),
            len(parts),
        )

    async def _parts(self, round_: Round) -> list[list[Blocker]]:
        """The round's shared blockers as they are stored now, in parts (see blockers.pack)."""
        shared = await store_loop.list_shared_blockers(self.bot.db, round_.id)
        guild = self.bot.get_guild(round_.guild_id)
        return pack(numbered([(b.user_id, display_name(guild, b.user_id), b.text) for b in shared]))

    async def redraw(self, round_id: int) -> None:
        """Draw the round's gathered messages again from what is stored now (a member who
        shared was forgotten); a part left empty says so and loses its buttons."""
        round_ = await store.get_round(self.bot.db, round_id)
        sent = await store_loop.list_blocker_messages(self.bot.db, round_id)
        if round_ is None or not sent:
            return
        parts = await self._parts(round_)
        channel = self.bot.get_partial_messageable(round_.channel_id, guild_id=round_.guild_id)
        for index, message_id in sorted(sent.items()):
            part = parts[index] if index < len(parts) else []
            card = blockers_embed(round_.week, part, index, max(len(parts), 1))
            if not part:
                card.description = NONE_LEFT
            with contextlib.suppress(discord.NotFound):  # deleted by a moderator
                await channel.get_partial_message(message_id).edit(
                    embed=card, view=blockers_view(round_.id, part) if part else None
                )
        log.info("round %s: redrew %d blocker message(s)", round_id, len(sent))

    async def export_offers(self, guild_id: int, user_id: int) -> list[dict[str, object]]:
        """The offers of help the member made or received, for /me export."""
        offers = await store_loop.list_member_help_offers(self.bot.db, guild_id, user_id)
        return [
            {
                "round_id": o.round_id,
                "role": "asked" if o.asker_id == user_id else "offered",
                "other_member_id": str(o.helper_id if o.asker_id == user_id else o.asker_id),
                "thread_id": str(o.thread_id) if o.thread_id else None,
                "created_at": o.created_at.isoformat(),
            }
            for o in offers
        ]

    # -- I can help --------------------------------------------------------------------------

    async def offer(
        self, interaction: discord.Interaction[HammingBot], round_id: int, asker_id: int
    ) -> None:
        helper = interaction.user
        if helper.id == asker_id:
            raise UserError(SELF_HELP)
        round_ = await store.get_round(self.bot.db, round_id)
        if round_ is None or round_.guild_id != interaction.guild_id:
            raise UserError("That check-in round no longer exists, so nothing was done.")
        guild = interaction.guild
        asker = display_name(guild, asker_id)
        lock = self._locks.setdefault((round_id, asker_id, helper.id), asyncio.Lock())
        async with lock:
            known = await store_loop.get_help_offer(self.bot.db, round_id, asker_id, helper.id)
            if known is not None:
                await interaction.response.send_message(
                    already_reply(asker, known.thread_id), ephemeral=True
                )
                return
            blocker = await store_loop.get_shared_blocker(self.bot.db, round_id, asker_id)
            if blocker is None:
                raise UserError(GONE)
            if guild is None or guild.get_member(asker_id) is None:
                raise UserError(f"**{asker}** is no longer in this server, so nothing was done.")
            # A thread and two adds, or two DMs: more than Discord's 3 seconds may pass.
            await interaction.response.defer(ephemeral=True, thinking=True)
            thread_id = await self._private_thread(guild, round_, blocker, helper)
            unreachable: Sequence[str] = ()
            if thread_id is None:
                unreachable = await self._dm_both(guild, round_, blocker, helper)
            async with self.bot.db.transaction() as tx:
                await store_loop.insert_help_offer(
                    tx, round_id, asker_id, helper.id, thread_id, self.bot.clock.now()
                )
        log.info(
            "round %s: %s offered help to %s (%s)",
            round_id,
            helper.id,
            asker_id,
            f"thread {thread_id}" if thread_id else "by DM",
        )
        await interaction.followup.send(
            connected_reply(asker, thread_id, unreachable), ephemeral=True
        )

    async def _private_thread(
        self,
        guild: discord.Guild,
        round_: Round,
        blocker: SharedBlocker,
        helper: discord.User | discord.Member,
    ) -> int | None:
        """A private thread for the two in the check-in channel; None when it cannot be made."""
        channel = guild.get_channel(round_.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        granted = channel.permissions_for(guild.me)
        if not (granted.create_private_threads and granted.send_messages_in_threads):
            return None
        asker = display_name(guild, blocker.user_id)
        try:
            thread = await channel.create_thread(
                name=thread_name(getattr(helper, "display_name", helper.name), asker),
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        except discord.Forbidden:  # a permission changed after the cache saw it
            log.info("guild %s: cannot open a private thread; connecting by DM", guild.id)
            return None
        for user_id in (blocker.user_id, helper.id):
            await thread.add_user(discord.Object(user_id))
        await thread.send(
            thread_intro(blocker.user_id, helper.id, round_.week, blocker.text),
            allowed_mentions=discord.AllowedMentions(
                everyone=False,
                roles=False,
                users=[discord.Object(blocker.user_id), discord.Object(helper.id)],
            ),
        )
        return thread.id

    async def _dm_both(
        self,
        guild: discord.Guild,
        round_: Round,
        blocker: SharedBlocker,
        helper: discord.User | discord.Member,
    ) -> Sequence[str]:
        """DM both members; returns the names of those whose DMs are closed."""
        asker = display_name(guild, blocker.user_id)
        helper_name = getattr(helper, "display_name", helper.name)
        about = {"guild": guild.name, "week": round_.week, "text": blocker.text}
        sends = (
            (blocker.user_id, asker, dm_text(helper_name, helper.id, asked=True, **about)),
            (helper.id, helper_name, dm_text(asker, blocker.user_id, asked=False, **about)),
        )
        unreachable = []
        for user_id, name, content in sends:
            outcome = await send_dm_or_fallback(
                self.bot,
                guild_id=guild.id,
                user_id=user_id,
                nonce=nonce_for(f"help:{round_.id}:{blocker.user_id}:{helper.id}:{user_id}"),
                fallback_channel_id=None,
                content=content,
            )
            if outcome is not Delivered.DM:
                unreachable.append(name)
        return unreachable
