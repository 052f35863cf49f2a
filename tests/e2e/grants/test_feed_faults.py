"""Feed imports with odd dates, recurring events, several feeds, and who sees feed links."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp import web

from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.grants.helpers import days, import_feed, reply_text, run_at
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


@dataclass
class Feeds:
    """Several feeds on 127.0.0.1, one body per path."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = self.bodies.get(request.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(body=body, headers={"Content-Type": "text/calendar"})


@pytest_asyncio.fixture
async def feeds() -> AsyncIterator[Feeds]:
    state = Feeds()
    app = web.Application()
    app.router.add_get("/{tail:.*}", state.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state.port = runner.addresses[0][1]
    yield state
    await runner.cleanup()


def calendar(*events: list[str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//funder//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def event(uid: str, summary: str, *lines: str) -> list[str]:
    return [f"UID:{uid}", f"SUMMARY:{summary}", *lines]


ODD_DATES = [
    event("ancient@x", "Ancient", "DTSTART;TZID=Asia/Tokyo:00010101T000000"),
    event("far@x", "Far", "DTSTART;TZID=America/New_York:99991231T230000"),
    event("clock@x", "Clock", "DTSTART;VALUE=TIME:120000"),
]


async def test_odd_dates_are_skipped_with_reasons_and_the_good_events_imported(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feeds: Feeds
) -> None:
    runner.overrides["fetch_allow_private"] = True
    await runner.start()
    soon = (runner.clock.now() + days(10)).strftime("%Y%m%dT%H%M%SZ")
    feeds.bodies["/odd.ics"] = calendar(*ODD_DATES, event("good@x", "Good", f"DTSTART:{soon}"))
    result = await import_feed(fake_discord, cohort, feeds.url("/odd.ics"))
    text = reply_text(result)
    assert "Something went wrong" not in text
    assert "1 added" in text and "3 skipped" in text, text
    for name in ("Ancient", "Far", "Clock"):
        assert f"'{name}'" in text, text
    assert [r["source_uid"] for r in rows(runner, "SELECT source_uid FROM grants")] == ["good@x"]


async def test_one_failing_feed_never_stops_the_others_and_its_error_is_kept(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feeds: Feeds
) -> None:
    runner.overrides["fetch_allow_private"] = True
    bot = await runner.start()
    now = runner.clock.now().replace(second=0, microsecond=0)

    def at(delta: timedelta) -> str:
        return f"DTSTART:{now + delta:%Y%m%dT%H%M%SZ}"

    feeds.bodies["/a.ics"] = calendar(event("a1@x", "A one", at(days(30))))
    feeds.bodies["/b.ics"] = calendar(event("b1@x", "B one", at(days(30))))
    for path in ("/a.ics", "/b.ics"):
        assert "1 added" in reply_text(await import_feed(fake_discord, cohort, feeds.url(path)))

    # Feed a now holds only an event whose date has no UTC instant; feed b gained an event.
    feeds.bodies["/a.ics"] = calendar(ODD_DATES[0])
    feeds.bodies["/b.ics"] = calendar(
        event("b1@x", "B one", at(days(30))), event("b2@x", "B two", at(days(40)))
    )
    refresh = now.replace(hour=6, minute=0)
    if refresh <= now:
        refresh += days(1)
    await run_at(runner, bot, refresh + timedelta(hours=1))
    uids = {r["source_uid"] for r in rows(runner, "SELECT source_uid FROM grants")}
    assert uids == {"a1@x", "b1@x", "b2@x"}  # b refreshed although a failed; a's grant kept
    errors = {
        r["url"]: r["last_error"] for r in rows(runner, "SELECT url, last_error FROM grant_feeds")
    }
    assert errors[feeds.url("/b.ics")] is None
    assert "'Ancient'" in (errors[feeds.url("/a.ics")] or "")

    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "grants import-refresh")
    text = reply_text(await shown.final())
    assert "Something went wrong" not in text
    assert "'Ancient'" in text and "2 unchanged" in text, text


async def test_a_recurring_deadline_is_imported_for_the_next_months(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feeds: Feeds
) -> None:
    runner.overrides["fetch_allow_private"] = True
    await runner.start()
    now = runner.clock.now()
    first = now - days(400)  # the series began long ago; its next dates are ahead
    feeds.bodies["/monthly.ics"] = calendar(
        event(
            "monthly@x",
            "Monthly round",
            f"DTSTART:{first:%Y%m%dT120000Z}",
            "RRULE:FREQ=MONTHLY",
        )
    )
    result = await import_feed(fake_discord, cohort, feeds.url("/monthly.ics"))
    text = reply_text(result)
    assert "past" not in text, text
    found = rows(runner, "SELECT source_uid, deadline_at FROM grants ORDER BY deadline_at")
    assert len(found) in (12, 13), text  # one a month for the next 12 months
    assert all(r["source_uid"].startswith("monthly@x/") for r in found)
    assert len({r["source_uid"] for r in found}) == len(found)
    assert all(now.timestamp() < r["deadline_at"] <= (now + days(366)).timestamp() for r in found)


async def test_feed_links_are_offered_to_moderators_only_and_never_logged(
    fake_discord: FakeDiscord,
    cohort: Cohort,
    runner: BotRunner,
    feeds: Feeds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner.overrides["fetch_allow_private"] = True
    await runner.start()
    secret = "/calendar/ical/private-5f2b9c1e0d/basic.ics"
    soon = (runner.clock.now() + days(10)).strftime("%Y%m%dT%H%M%SZ")
    feeds.bodies[secret] = calendar(event("s@x", "Secret round", f"DTSTART:{soon}"))
    url = feeds.url(secret) + "?token=hunter2"
    with caplog.at_level(logging.DEBUG):
        assert "1 added" in reply_text(await import_feed(fake_discord, cohort, url))
        member = await fake_discord.autocomplete(
            cohort.guild, cohort.alice, "grants import-stop", "url", ""
        )
        moderator = await fake_discord.autocomplete(
            cohort.guild, cohort.owner, "grants import-stop", "url", ""
        )
        stopped = await fake_discord.invoke(
            cohort.guild, cohort.owner, "grants import-stop", {"url": url}
        )
    assert member == []
    assert [c["value"] for c in moderator] == [url]
    assert "Stopped following" in (stopped.content or "")
    # Our own logs (discord.py's DEBUG lines echo raw gateway payloads; see the notes)
    ours = [r for r in caplog.records if r.name.startswith(("bot", "cogs"))]
    logged = "\n".join(r.getMessage() for r in ours)
    assert "imported" in logged and "stopped feed" in logged
    assert "private-5f2b9c1e0d" not in logged and "hunter2" not in logged
