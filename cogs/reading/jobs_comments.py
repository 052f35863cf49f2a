"""After a reading: one message to each member who went, asking them to comment where the
authors are (ledger kind `reading-comment:<session>:<user>`, exactly once per member).

Who: members whose RSVP is Going when the session ends. Maybe does not count: they did not
say they would come, and the ask only makes sense for those who read it. Paused members are
left out. Closed DMs: the ask is an invitation, not news, so there is no channel mention in
its place; the member is simply not asked (logged).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.delivery import Delivered, send_dm_or_fallback
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from cogs.reading import store_sessions
from cogs.reading.logic import FEATURE
from cogs.reading.logic_log import comment_prompt_text, forum_of
from cogs.reading.views_comments import comment_view

if TYPE_CHECKING:
    from cogs.reading.service import ReadingService

log = logging.getLogger(__name__)

COMMENT_PROMPT = Kind("reading-comment", timedelta(days=3), ("session", "user"))


async def plan_comment_prompts(
    service: ReadingService, session: store_sessions.ReadingSession
) -> int:
    """One ask per Going member, due now (the session has just ended); idempotent."""
    rsvps = await store_sessions.list_rsvps(service.db, session.id)
    going = await service.reachable(
        session.guild_id, [user for user, choice in rsvps.items() if choice == "going"]
    )
    return await service.bot.scheduler.fan_out(
        COMMENT_PROMPT,
        (session.id,),
        going,
        service.now(),
        guild_id=session.guild_id,
        payload={"session": session.id},
    )


async def send_comment_prompt(service: ReadingService, occurrence: Occurrence) -> None:
    bot = service.bot
    session = await store_sessions.get_session(bot.db, int(occurrence.payload["session"]))
    if session is None or session.status == "cancelled":
        raise SkipOccurrence("the session is gone or was cancelled")
    user_id = int(occurrence.payload["user_id"])
    if await store_sessions.get_rsvp(bot.db, session.id, user_id) != "going":
        raise SkipOccurrence("the member no longer says Going")
    if not await service.reachable(session.guild_id, [user_id]):
        raise SkipOccurrence("the member is paused")
    outcome = await send_dm_or_fallback(
        bot,
        guild_id=session.guild_id,
        user_id=user_id,
        nonce=occurrence.nonce(),
        fallback_channel_id=None,
        content=comment_prompt_text(session.title, session.url),
        view=comment_view(session.id, user_id) if forum_of(session.url) else None,
        feature=FEATURE,
    )
    if outcome is Delivered.UNREACHABLE:
        log.info("session %s: member %s has closed DMs; not asked to comment", session.id, user_id)
