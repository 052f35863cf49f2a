"""Scheduled handlers: one per Kind, each sending through the ledger with its nonce."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.delivery import send_dm_or_fallback
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence

if TYPE_CHECKING:
    from bot.client import HammingBot

NUDGE = Kind("example-nudge", timedelta(hours=1), ("guild", "user", "at"))


async def send_nudge(bot: HammingBot, occurrence: Occurrence) -> None:
    user_id = occurrence.payload.get("user_id")
    if occurrence.guild_id is None or not isinstance(user_id, int):
        raise SkipOccurrence("a nudge is for one member of one server")
    await send_dm_or_fallback(
        bot,
        guild_id=occurrence.guild_id,
        user_id=user_id,
        nonce=occurrence.nonce(),
        fallback_channel_id=None,
        content=str(occurrence.payload["text"]),
    )
