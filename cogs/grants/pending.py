"""What grants will send one member later, for /me reminders: reminders of the grants they
subscribed to (made for each subscriber only when due, so listed from the pending fan-out),
their private opportunities' reminders, and the questions about their applications."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.member_sends import MemberSend, before_fan_out, own, pending_for_member, pending_parents
from bot.timeparse import format_offset
from bot.ui import clip
from cogs.grants import store, store_applications
from cogs.grants.jobs import FANOUT, REMINDER, grant_subscribers
from cogs.grants.jobs_applications import ASK, PERSONAL

if TYPE_CHECKING:
    from bot.client import HammingBot


async def member_sends(bot: HammingBot, guild_id: int, user_id: int) -> list[MemberSend]:
    sends: list[MemberSend] = []
    for occurrence in await pending_for_member(bot, guild_id, user_id, (ASK, PERSONAL)):
        if occurrence.kind == ASK.name:
            app = await store_applications.get_application(
                bot.db, int(occurrence.payload["application_id"])
            )
            if app is not None:
                what = f"“{clip(app.grant_name, 80)}”: has a decision come? (your application)"
                sends.append(own(occurrence, what, "Stop asking"))
        else:
            entry = await store_applications.get_personal(
                bot.db, int(occurrence.payload["entry_id"])
            )
            if entry is not None:
                before = format_offset(timedelta(seconds=int(occurrence.payload["offset"])))
                what = f"“{clip(entry.name, 80)}” (your own): {before} before its deadline"
                sends.append(own(occurrence, what))
    subscribed: dict[int, tuple[timedelta, ...] | None] = {}
    for parent in await pending_parents(bot, guild_id, FANOUT):
        grant_id = int(parent.payload["grant_id"])
        grant = await store.get_grant(bot.db, guild_id, grant_id)
        if grant is None:
            continue
        if grant_id not in subscribed:
            subscribed[grant_id] = (await grant_subscribers(bot.db, grant)).get(user_id)
        offset = timedelta(seconds=int(parent.payload["offset"]))
        mine = subscribed[grant_id]
        if mine is None or offset not in mine:
            continue
        rev = int(parent.payload["rev"])
        child_key = REMINDER.key(grant.id, rev, format_offset(offset), user_id)
        what = f"“{clip(grant.name, 80)}”: {format_offset(offset)} before its deadline"
        if send := await before_fan_out(bot, REMINDER, child_key, parent.due_at, what):
            sends.append(send)
    return sends
