"""What a round's messages to one member share (the reminder, the DM prompt): the round must be
open, the member still to be asked, and the message goes by DM or, closed, to the thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot import guilds, members
from bot.checks import in_cohort
from bot.delivery import Delivered, send_dm_or_fallback
from bot.ledger import Occurrence
from bot.scheduler import SkipOccurrence
from cogs.checkins import store
from cogs.checkins.logic import FEATURE_NAME
from cogs.checkins.store import Round

if TYPE_CHECKING:
    from bot.client import HammingBot


async def open_round_of(bot: HammingBot, occurrence: Occurrence) -> Round:
    """The occurrence's round, or SkipOccurrence when it is gone or closed."""
    round_ = await store.get_round(bot.db, int(occurrence.payload["round_id"]))
    if round_ is None:
        raise SkipOccurrence("the round no longer exists")
    if not round_.is_open(bot.clock.now()) or round_.closed_at is not None:
        raise SkipOccurrence("the round has closed")
    return round_


async def member_to_ask(bot: HammingBot, round_: Round, user_id: int) -> discord.Member:
    """The cohort member, or SkipOccurrence: answered, away this week, paused, or gone."""
    if await store.get_answer(bot.db, round_.id, user_id) is not None:
        raise SkipOccurrence("answered meanwhile")
    away = await store.list_skipping_user_ids(bot.db, round_.guild_id, round_.week)
    if user_id in away:
        raise SkipOccurrence("away this week")
    if await members.is_paused(bot.db, round_.guild_id, user_id, bot.clock.now()):
        raise SkipOccurrence("paused (/me pause)")
    guild = bot.get_guild(round_.guild_id)
    member = guild.get_member(user_id) if guild else None
    cohort = await guilds.get_guild_settings(bot.db, round_.guild_id)
    if member is None or not in_cohort(member, cohort.cohort_role_id):
        raise SkipOccurrence("no longer in the cohort")
    return member


async def send_to_member(
    bot: HammingBot,
    occurrence: Occurrence,
    round_: Round,
    member: discord.Member,
    *,
    content: str,
    view: discord.ui.View,
    fallback_content: str,
    embed: discord.Embed | None = None,
    embed_in_fallback: bool = True,
) -> Delivered:
    """By DM with the occurrence's nonce; closed DMs: one mention in the round's thread."""
    outcome = await send_dm_or_fallback(
        bot,
        guild_id=round_.guild_id,
        user_id=member.id,
        nonce=occurrence.nonce(),
        fallback_channel_id=round_.thread_id,
        content=content,
        embed=embed,
        embed_in_fallback=embed_in_fallback,
        view=view,
        fallback_content=fallback_content,
        feature=FEATURE_NAME,
    )
    if outcome is Delivered.UNREACHABLE:
        raise SkipOccurrence("DMs closed and the round has no thread")
    return outcome
