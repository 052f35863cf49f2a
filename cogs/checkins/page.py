"""Check-ins on the cohort page: participation over the last 12 rounds, as numbers only."""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from bot.page import PageChart, PageSection
from bot.time import iso_week_key
from cogs.checkins import store
from cogs.checkins.participation import PARTICIPATION_WEEKS, participation
from cogs.checkins.weeks import shift_week


async def cohort_page(db: Database, guild_id: int, now: datetime) -> list[PageSection]:
    since = shift_week(iso_week_key(now.date()), -PARTICIPATION_WEEKS)
    rounds = [
        r for r in await store.list_rounds(db, guild_id, since_week=since) if r.opens_at <= now
    ]
    if not rounds:
        return []
    counts = await store.count_answers_by_week(db, guild_id, since)
    rows = participation([r.week for r in rounds], counts, {r.week: r.cohort_size for r in rounds})
    rows = rows[-PARTICIPATION_WEEKS:]
    chart = PageChart(
        labels=tuple(row.week.split("-W")[-1].lstrip("0") or "0" for row in rows),
        shares=tuple(row.rate for row in rows),
        caption=(
            f"Weekly check-ins: share of the cohort who answered, last {len(rows)} weeks"
            f" (week numbers); this week {round(rows[-1].rate * 100)}%."
        ),
    )
    return [PageSection("Check-ins", chart=chart, order=40)]
