"""What a member's answer to the after-reading ask does: checks, then one write."""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from bot.ui import UserError
from cogs.reading import store_log, store_sessions
from cogs.reading.logic_log import comment_link, forum_of


async def record_comment_answer(
    db: Database, session_id: int, user_id: int, answer: str, link_text: str | None, now: datetime
) -> str | None:
    """Record `answer` ('commented' or 'skipped'); returns the link kept (None when none).
    A link not on the reading's forum, or not http(s), is refused and nothing is written."""
    session = await store_sessions.get_session(db, session_id)
    if session is None:
        raise UserError("That reading session no longer exists; nothing was recorded.")
    link = comment_link(link_text, forum_of(session.url)) if answer == "commented" else None
    async with db.transaction() as tx:
        await store_log.upsert_comment(tx, session.id, session.guild_id, user_id, answer, link, now)
    return link
