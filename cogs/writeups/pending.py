"""What write-ups will send one member later, for /me reminders: a nudge about a write-up
that has stayed in one stage for a while."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.member_sends import MemberSend, own, pending_for_member
from bot.ui import clip
from cogs.writeups import store
from cogs.writeups.jobs import NUDGE

if TYPE_CHECKING:
    from bot.client import HammingBot


async def member_sends(bot: HammingBot, guild_id: int, user_id: int) -> list[MemberSend]:
    sends: list[MemberSend] = []
    for occurrence in await pending_for_member(bot, guild_id, user_id, (NUDGE,)):
        writeup = await store.get_writeup(bot.db, int(occurrence.payload["writeup"]))
        if writeup is not None:
            what = f"a nudge about “{clip(writeup.title, 80)}”, still at {writeup.stage}"
            sends.append(own(occurrence, what))
    return sends
