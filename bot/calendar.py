"""Each server's secret iCalendar feed: features add events, the web server serves them."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_unix
from bot.db import Database


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across edits, so calendar apps update instead of duplicating
    summary: str
    start: datetime  # aware UTC
    end: datetime | None = None
    description: str | None = None
    url: str | None = None


CalendarSource = Callable[[int], Awaitable[Sequence[CalendarEvent]]]


async def get_or_create_secret(db: Database, guild_id: int, now: datetime) -> str:
    async with db.transaction() as tx:
        row = await tx.fetchone("SELECT secret FROM calendar_feeds WHERE guild_id = ?", (guild_id,))
        if row is not None:
            return str(row["secret"])
        secret = secrets.token_urlsafe(24)
        await tx.execute(
            "INSERT INTO calendar_feeds (guild_id, secret, rotated_at) VALUES (?, ?, ?)",
            (guild_id, secret, to_unix(now)),
        )
        return secret


async def rotate_secret(db: Database, guild_id: int, now: datetime) -> str:
    """A new secret; the old URL stops working at once."""
    secret = secrets.token_urlsafe(24)
    await db.execute(
        "INSERT INTO calendar_feeds (guild_id, secret, rotated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET secret = excluded.secret,"
        " rotated_at = excluded.rotated_at",
        (guild_id, secret, to_unix(now)),
    )
    return secret


async def get_secret(db: Database, guild_id: int) -> str | None:
    """The server's feed secret if it has one (never creates one)."""
    row = await db.fetchone("SELECT secret FROM calendar_feeds WHERE guild_id = ?", (guild_id,))
    return None if row is None else str(row["secret"])


async def get_guild_for_secret(db: Database, secret: str) -> int | None:
    row = await db.fetchone("SELECT guild_id FROM calendar_feeds WHERE secret = ?", (secret,))
    return None if row is None else int(row["guild_id"])


def feed_url(public_base_url: str, secret: str) -> str:
    return f"{public_base_url.rstrip('/')}/calendar/{secret}.ics"


def render_ics(calendar_name: str, events: Sequence[CalendarEvent], now: datetime) -> bytes:
    """iCalendar text (RFC 5545) via the icalendar library, imported on first use."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Hamming//Cohort calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", calendar_name)
    for event in sorted(events, key=lambda e: (e.start, e.uid)):
        entry = icalendar.Event()
        entry.add("uid", event.uid)
        entry.add("dtstamp", now)
        entry.add("dtstart", event.start)
        if event.end is not None:
            entry.add("dtend", event.end)
        entry.add("summary", event.summary)
        if event.description:
            entry.add("description", event.description)
        if event.url:
            entry.add("url", event.url)
        calendar.add_component(entry)
    data: bytes = calendar.to_ical()
    return data
