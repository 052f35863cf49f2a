"""Importing deadlines from an iCalendar feed served on 127.0.0.1, end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.grants.helpers import (
    FeedServer,
    days,
    ics,
    import_feed,
    reply_text,
    run_at,
    setup_grants,
    stamp,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def grants_by_uid(runner: BotRunner) -> dict[str, tuple[str, int]]:
    found = rows(runner, "SELECT source_uid, name, deadline_at FROM grants ORDER BY id")
    return {r["source_uid"]: (r["name"], r["deadline_at"]) for r in found}


async def test_import_upserts_by_uid_and_refuses_a_malformed_feed(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feed: FeedServer
) -> None:
    runner.overrides["fetch_allow_private"] = True  # the feed is served on 127.0.0.1
    bot = await runner.start()
    channel = await setup_grants(fake_discord, cohort, offsets="7d")
    now = runner.clock.now().replace(second=0, microsecond=0)
    one, two = now + days(10), now + days(20)
    feed.body = ics(("r1@funder", "Round one", one), ("r2@funder", "Round two", two))
    imported = await import_feed(fake_discord, cohort, feed.url)
    assert imported.type == 5  # deferred before fetching
    assert "2 added, 0 updated, 0 unchanged" in reply_text(imported)
    assert grants_by_uid(runner) == {
        "r1@funder": ("Round one", int(one.timestamp())),
        "r2@funder": ("Round two", int(two.timestamp())),
    }

    moved = two + days(5)
    feed.body = ics(("r1@funder", "Round one", one), ("r2@funder", "Round two (extended)", moved))
    again = await fake_discord.invoke(
        cohort.guild, cohort.owner, "grants import", {"url": feed.url}
    )
    await again.final()
    assert "0 added, 1 updated, 1 unchanged" in reply_text(again)
    assert grants_by_uid(runner) == {
        "r1@funder": ("Round one", int(one.timestamp())),
        "r2@funder": ("Round two (extended)", int(moved.timestamp())),
    }
    assert len(rows(runner, "SELECT * FROM grant_feeds")) == 1

    feed.body = b"BEGIN:VCALENDAR\r\nthis is not a calendar\r\n"
    broken = await fake_discord.invoke(
        cohort.guild, cohort.owner, "grants import", {"url": feed.url}
    )
    await broken.final()
    assert "malformed" in reply_text(broken)
    assert len(grants_by_uid(runner)) == 2

    # a feed that moves a deadline says so once, as an edit does
    await run_at(runner, bot, runner.clock.now())
    notices = [m for m in fake_discord.messages(channel) if "moved from" in m.content]
    assert len(notices) == 1 and "Round two (extended)" in notices[0].content
    assert stamp(two, "F") in notices[0].content and stamp(moved, "F") in notices[0].content

    # reminders follow the feed's moved deadline: none for the old one
    def reminders() -> list[str]:
        return [
            m.content
            for m in fake_discord.messages(channel)
            if "Round two" in m.content and "moved from" not in m.content
        ]

    await run_at(runner, bot, two - days(7))
    assert reminders() == []
    await run_at(runner, bot, moved - days(7))
    assert len(reminders()) == 1 and stamp(moved, "R") in reminders()[0]


async def test_feeds_are_refreshed_daily_and_on_demand(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feed: FeedServer
) -> None:
    runner.overrides["fetch_allow_private"] = True
    bot = await runner.start()
    now = runner.clock.now().replace(second=0, microsecond=0)
    feed.body = ics(("r1@funder", "Round one", now + days(30)))
    first = await fake_discord.invoke(
        cohort.guild, cohort.owner, "grants import", {"url": feed.url}
    )
    await first.final()
    feed.body = ics(
        ("r1@funder", "Round one", now + days(30)), ("r3@funder", "Round three", now + days(40))
    )
    # An hour past the next 06:00 (the server's zone is UTC) refresh, whatever time it is now:
    # "a day later" skipped it as missed when the tests ran between midnight and 02:00.
    refresh = now.replace(hour=6, minute=0)
    if refresh <= now:
        refresh += days(1)
    await run_at(runner, bot, refresh + timedelta(hours=1))
    assert len(feed.hits) == 2  # the import, then the daily refresh
    assert set(grants_by_uid(runner)) == {"r1@funder", "r3@funder"}
    feed.body = b"not a calendar"
    refreshed = await fake_discord.invoke(cohort.guild, cohort.owner, "grants import-refresh")
    await refreshed.final()
    assert "malformed" in reply_text(refreshed)
    stored = rows(runner, "SELECT last_error FROM grant_feeds")
    assert stored[0]["last_error"] is not None
    assert set(grants_by_uid(runner)) == {"r1@funder", "r3@funder"}  # nothing lost


async def test_a_private_address_is_refused_with_the_default_settings(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feed: FeedServer
) -> None:
    await runner.start()
    feed.body = ics(("r1@funder", "Round one", runner.clock.now() + days(30)))
    for url in (feed.url, feed.url.replace("127.0.0.1", "localhost")):
        refused = await fake_discord.invoke(
            cohort.guild, cohort.owner, "grants import", {"url": url}
        )
        await refused.final()
        assert "private, loopback" in reply_text(refused)
    assert feed.hits == []  # the bot never even connected
    not_http = await import_feed(fake_discord, cohort, "file:///etc/passwd")
    assert not_http.ephemeral and "https://" in (not_http.content or "")
    member = await fake_discord.invoke(
        cohort.guild, cohort.alice, "grants import", {"url": feed.url}
    )
    assert "Only moderators" in (member.content or "")
    assert rows(runner, "SELECT * FROM grant_feeds") == []
    assert rows(runner, "SELECT * FROM grants") == []
