"""What the reading group will send one member later, for /me reminders: the reminders of the
sessions they said Going or Maybe to (each made for the member only when it is due)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.member_sends import MemberSend, before_fan_out, own, pending_for_member, pending_parents
from bot.scheduler import fan_out_key
from bot.time import discord_timestamp
from bot.ui import clip
from cogs.reading import store_sessions
from cogs.reading.jobs import REMINDER, REMINDER_MEMBER
from cogs.reading.logic import REMINDED

if TYPE_CHECKING:
    from bot.client import HammingBot


async def member_sends(bot: HammingBot, guild_id: int, user_id: int) -> list[MemberSend]:
    sends: list[MemberSend] = []
    titles: dict[int, str] = {}

    async def described(session_id: int) -> str | None:
        if session_id not in titles:
            session = await store_sessions.get_session(bot.db, session_id)
            if session is None or session.status != "scheduled":
                return None
            titles[session_id] = (
                f"reminder of “{clip(session.title, 80)}”,"
                f" which starts {discord_timestamp(session.starts_at, 'f')}"
            )
        return titles[session_id]

    for occurrence in await pending_for_member(bot, guild_id, user_id, (REMINDER_MEMBER,)):
        what = await described(int(occurrence.payload["session"]))
        if what:
            sends.append(own(occurrence, what))
    for parent in await pending_parents(bot, guild_id, REMINDER):
        session_id = int(parent.key.split(":")[1])  # reading-reminder:<session>:<offset>
        rsvps = await store_sessions.list_rsvps(bot.db, session_id)
        if rsvps.get(user_id) not in REMINDED:
            continue
        what = await described(session_id)
        if what:
            child_key = fan_out_key(parent.key, user_id)
            if send := await before_fan_out(bot, REMINDER_MEMBER, child_key, parent.due_at, what):
                sends.append(send)
    return sends
