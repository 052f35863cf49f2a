"""Gathers what the weekly digest reports about check-ins (see digest.py): the last closed
round, the closed rounds before it, its plan marks, asks and offers, and the open round."""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from bot.time import iso_week_key
from cogs.checkins import store, store_loop
from cogs.checkins.digest import WeekThatWas
from cogs.checkins.participation import PARTICIPATION_WEEKS, WeekParticipation, participation
from cogs.checkins.weeks import shift_week


async def week_that_was(
    db: Database, guild_id: int, now: datetime, milestones: int
) -> tuple[WeekThatWas, list[WeekParticipation]] | None:
    """What the digest says, and the closed rounds' participation for its chart; None when
    the server has no round closed or open."""
    since = shift_week(iso_week_key(now.date()), -PARTICIPATION_WEEKS - 1)
    rounds = [
        r for r in await store.list_rounds(db, guild_id, since_week=since) if r.opens_at <= now
    ]
    closed = [r for r in rounds if r.closes_at <= now]
    open_until = next((r.closes_at for r in reversed(rounds) if r.is_open(now)), None)
    if not closed and open_until is None:
        return None
    counts = await store.count_answers_by_week(db, guild_id, since)
    rows = participation([r.week for r in closed], counts, {r.week: r.cohort_size for r in closed})
    week = WeekThatWas(milestones=milestones, open_until=open_until)
    if closed:
        last = closed[-1]
        shared = await store_loop.list_shared_blockers(db, last.id)
        week = WeekThatWas(
            closed=rows,
            plan_marks=await store_loop.count_plan_marks(db, last.id),
            # Blockers are shared with the cohort only in public rounds.
            asks=len(shared) if last.visibility == "public" else 0,
            offers=await store_loop.count_help_offers(db, last.id),
            milestones=milestones,
            open_until=open_until,
        )
    return week, rows
