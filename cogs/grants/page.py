"""Grant deadlines on the cohort page: the server's public grants only (never a member's
private opportunities or applications, which live in other tables)."""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from bot.page import PageItem, PageSection
from cogs.grants import store


async def cohort_page(db: Database, guild_id: int, now: datetime) -> list[PageSection]:
    upcoming = [
        PageItem(
            title=grant.name,
            when=grant.deadline,
            detail=grant.funder or "",
            link=grant.url,
            countdown=True,
        )
        for grant in (await store.list_upcoming_grants(db, now, guild_id))[:30]
    ]
    rolling = [
        PageItem(title=grant.name, detail=grant.funder or "", link=grant.url)
        for grant in await store.list_rolling_grants(db, guild_id)
    ]
    return [
        PageSection("Grant deadlines", tuple(upcoming), "No deadlines ahead.", order=20),
        PageSection("Rolling funds", tuple(rolling), "None listed.", order=21),
    ]
