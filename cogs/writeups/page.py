"""Write-ups on the cohort page: recently published ones their authors keep public."""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.db import Database
from bot.page import PageItem, PageSection
from cogs.writeups import store
from cogs.writeups.logic import WriteupError, recognise_link

RECENT = timedelta(days=90)


def _venue(link: str | None) -> str:
    if not link:
        return ""
    try:
        return recognise_link(link).venue
    except WriteupError:  # stored before a rule changed: show it without a venue
        return ""


async def cohort_page(
    db: Database, guild: discord.Guild | None, guild_id: int, now: datetime
) -> list[PageSection]:
    items = []
    for writeup in reversed(await store.list_public_published(db, guild_id, now - RECENT, now)):
        author = guild.get_member(writeup.author_id) if guild is not None else None
        venue = _venue(writeup.link)
        byline = f"by {author.display_name}" if author is not None else ""
        items.append(
            PageItem(
                title=writeup.title,
                when=writeup.published_at,
                detail=" · ".join(part for part in (byline, venue) if part),
                link=writeup.link,
            )
        )
    return [
        PageSection(
            "Recently published",
            tuple(items[:20]),
            "Nothing published in the last 90 days yet.",
            order=35,
        )
    ]
