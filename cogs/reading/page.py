"""The reading group on the cohort page: upcoming sessions of every kind, and the list."""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from bot.page import PageItem, PageSection
from cogs.reading import store, store_sessions
from cogs.reading.kinds import kind_label


async def cohort_page(db: Database, guild_id: int, now: datetime) -> list[PageSection]:
    items = []
    for session in await store_sessions.list_upcoming_sessions(db, guild_id, now, limit=20):
        counts = await store_sessions.count_rsvps(db, session.id)
        event = (
            f"https://discord.com/events/{guild_id}/{session.event_id}"
            if session.event_id
            else None
        )
        items.append(
            PageItem(
                title=session.title,
                when=session.starts_at,
                detail=(
                    f"{kind_label(session.kind)} · going"
                    f" {counts.get('going', 0)}, maybe {counts.get('maybe', 0)}"
                ),
                link=event,
                countdown=True,
            )
        )
    reading = [
        PageItem(title=item.title, link=item.url, detail=item.notes or "")
        for item in await store.list_items(db, guild_id)
        if item.status == "queued"
    ]
    return [
        PageSection(
            "Upcoming sessions",
            tuple(items),
            "No sessions scheduled yet.",
            order=10,
            note="The links open the session's Discord event.",
        ),
        PageSection("Reading list", tuple(reading[:50]), "The reading list is empty.", order=30),
    ]
