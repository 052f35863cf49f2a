"""The one scheduled kind: a personal reminder, sent once through the delivery ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.delivery import send_dm_or_fallback
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from bot.time import discord_timestamp
from cogs.reminders import store
from cogs.reminders.logic import dm_text

if TYPE_CHECKING:
    from bot.client import HammingBot

# A reminder is still worth sending a week late (after an outage), marked as late.
REMIND = Kind("personal-reminder", timedelta(days=7), ("reminder",))


async def send_reminder(bot: HammingBot, occurrence: Occurrence) -> None:
    reminder_id = occurrence.payload.get("reminder")
    if not isinstance(reminder_id, int):
        raise SkipOccurrence("a personal reminder names its row")
    reminder = await store.get(bot.db, reminder_id)
    if reminder is None or not reminder.pending:
        raise SkipOccurrence("cancelled, already sent, or forgotten")
    now = bot.clock.now()
    await send_dm_or_fallback(
        bot,
        guild_id=reminder.guild_id,
        user_id=reminder.user_id,
        nonce=occurrence.nonce(),
        fallback_channel_id=reminder.channel_id,
        content=dm_text(reminder.text, reminder.due_at, now, discord_timestamp(reminder.due_at)),
        feature="reminders",
    )
    await store.mark_sent(bot.db, reminder.id, now)
