"""7. The cohort page: rendering one server's page (bot/page.py) against rendering the same
server's calendar feed (bot/calendar.py), run alongside as the baseline.

The page is rendered on the event loop, so it must stay cheap: target p99 under 25 ms for a
busy server (50 sessions, 100 deadlines, 200 readings, 12 weeks of check-ins), a refresh
within a minute being a 304 anyway.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Row, fmt_ratio, percentile
from bot.calendar import CalendarEvent, render_ics
from bot.page import Page, PageChart, PageItem, PageSection, render

TARGET_P99_MS = 25.0
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def world(sessions: int, grants: int, readings: int) -> tuple[Page, list[CalendarEvent]]:
    session_items = tuple(
        PageItem(
            f"Session {n}: Risks from Learned Optimization, part {n}",
            when=NOW + timedelta(days=n, hours=6),
            detail=f"Reading group · going {n % 9}, maybe {n % 4}",
            link=f"https://discord.com/events/1/{1000 + n}",
            countdown=True,
        )
        for n in range(sessions)
    )
    grant_items = tuple(
        PageItem(
            f"Grant round {n}",
            when=NOW + timedelta(days=3 * n + 1),
            detail="EA Funds",
            link=f"https://example.org/grants/{n}",
            countdown=True,
        )
        for n in range(grants)
    )
    reading_items = tuple(
        PageItem(f"Reading {n}", link=f"https://www.lesswrong.com/posts/{n}", detail="notes")
        for n in range(readings)
    )
    chart = PageChart(tuple(str(w) for w in range(1, 13)), tuple(w / 12 for w in range(12)), "c")
    page = Page(
        "Alignment cohort",
        (
            PageSection("Upcoming sessions", session_items, order=10),
            PageSection("Grant deadlines", grant_items, order=20),
            PageSection("Reading list", reading_items, order=30),
            PageSection("Check-ins", chart=chart, order=40),
        ),
        NOW,
    )
    events = [
        CalendarEvent(
            uid=f"s{n}@hamming",
            start=i.when or NOW,
            end=None,
            summary=i.title,
            description=i.detail,
        )
        for n, i in enumerate(session_items + grant_items)
    ]
    return page, events


def timed(func: object, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()  # type: ignore[operator]
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def rows(quick: bool, folder: Path) -> list[Row]:
    sizes = (5, 10, 20) if quick else (50, 100, 200)
    page, events = world(*sizes)
    repeat = 20 if quick else 200
    render(page)  # the first render compiles the template; a running bot does it once
    ours = timed(lambda: render(page), repeat)
    base = timed(lambda: render_ics("Cohort", events, NOW), repeat)
    p50, p99 = statistics.median(ours), percentile(ours, 99)
    size = f"{sizes[0]} sessions, {sizes[1]} deadlines, {sizes[2]} readings"
    return [
        Row(
            "7 page",
            f"render p50 / p99, {size}",
            f"{p50:.1f} / {p99:.1f} ms",
            f"{statistics.median(base):.1f} / {percentile(base, 99):.1f} ms (calendar feed)",
            fmt_ratio(p50 / statistics.median(base)),
            f"p99 < {TARGET_P99_MS:.0f} ms",
            p99 < TARGET_P99_MS,
        )
    ]
