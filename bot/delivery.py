"""Sending to a member: a DM first, and one mention in a channel when their DMs are closed."""

from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot import guilds, members
from bot.errors import CANNOT_MESSAGE_USER
from bot.ledger import nonce_for
from bot.ui import clip

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

DM_RETRY_AFTER = guilds.DM_RETRY_AFTER
MESSAGE_LIMIT = 2000  # Discord's limit for a message's content


class Delivered(enum.Enum):
    DM = "dm"
    FALLBACK = "fallback"  # mentioned in the fallback channel
    UNREACHABLE = "unreachable"  # DMs closed and no fallback channel


async def send_dm_or_fallback(
    bot: HammingBot,
    *,
    guild_id: int,
    user_id: int,
    nonce: str,
    fallback_channel_id: int | None,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    fallback_content: str | None = None,
    feature: str | None = None,
    embed_in_fallback: bool = True,
) -> Delivered:
    """Deliver one message to a member, exactly once per nonce.

    A member whose DMs answered 403/50007 is remembered, so later sends go straight to the
    fallback: one mention in `fallback_channel_id`, pinging only that member. The mark is
    tried again after DM_RETRY_AFTER and cleared by a DM that arrives. A member who chose
    channel mentions for `feature` (/me notifications) gets the mention directly.
    `embed_in_fallback=False` keeps a private embed out of the channel mention.
    """
    wants_dm = (
        feature is None
        or fallback_channel_id is None  # nowhere to mention them: a DM is the only way
        or await members.get_notify_channel(bot.db, guild_id, user_id, feature) == "dm"
    )
    now = bot.clock.now()
    closed_at = await guilds.get_dm_closed_at(bot.db, guild_id, user_id) if wants_dm else None
    if wants_dm and (closed_at is None or closed_at + DM_RETRY_AFTER <= now):
        try:
            user = bot.get_user(user_id) or await bot.fetch_user(user_id)
            await user.send(**_message(content, embed, view), nonce=nonce)
            if closed_at is not None:  # a week-old mark, and the DM arrived: they reopened
                await guilds.clear_dm_closed(bot.db, guild_id, user_id)
            return Delivered.DM
        except discord.Forbidden as exc:
            if exc.code != CANNOT_MESSAGE_USER:
                raise
            await guilds.mark_dm_closed(bot.db, guild_id, user_id, now)
            log.info("member %s in guild %s has closed DMs; using the fallback", user_id, guild_id)
    if fallback_channel_id is None:
        return Delivered.UNREACHABLE
    channel = bot.get_partial_messageable(fallback_channel_id, guild_id=guild_id)
    # The mention adds ~22 characters: a message that fit as a DM may not fit here.
    text = clip(f"<@{user_id}> {fallback_content or content or ''}".strip(), MESSAGE_LIMIT)
    await channel.send(
        **_message(text, embed if embed_in_fallback else None, view),
        nonce=nonce_for(f"{nonce}#fallback"),
        allowed_mentions=discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(user_id)]
        ),
    )
    return Delivered.FALLBACK


def _message(
    content: str | None, embed: discord.Embed | None, view: discord.ui.View | None
) -> dict[str, Any]:
    message: dict[str, Any] = {"content": content}
    if embed is not None:
        message["embed"] = embed
    if view is not None:
        message["view"] = view
    return message
