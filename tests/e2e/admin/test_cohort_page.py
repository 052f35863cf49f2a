"""The cohort page end to end: /config web on|rotate|off, what the page shows (and never
shows), caching, and the page in a real browser (headless Chromium) in a forced time zone."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import check_in, configure, only_prompt
from tests.e2e.grants.helpers import add_grant, setup_grants
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
MARKERS = {
    "answer": "MARKER-ANSWER-7f3a",
    "blocker": "MARKER-BLOCKER-19cd",
    "agenda": "MARKER-AGENDA-55e0",
    "reminder": "MARKER-REMINDER-a1b2",
    "opportunity": "MARKER-OPPORTUNITY-c3d4",
    "amount": "MARKER-AMOUNT-e5f6",
    "writeup": "MARKER-PRIVATE-WRITEUP-0a9b",
}


async def get(url: str, **headers: str) -> tuple[int, str, CIMultiDict[str]]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, await response.text(), CIMultiDict(response.headers)


def page_path(reply: str) -> str:
    found = re.search(r"/cohort/[A-Za-z0-9_-]+", reply)
    assert found, reply
    return found.group(0)


async def fill_the_server(
    fake: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> None:
    """Sessions, deadlines, a reading list and a published write-up; and private things."""
    g = cohort.guild
    reading = fake.add_text_channel(g, "reading-group")
    await fake.invoke(g, cohort.owner, "config reading setup", {"channel": reading})
    await fake.invoke(g, cohort.alice, "reading add", {"title": "The Bottom Line"})
    await fake.invoke(g, cohort.alice, "reading add", {"title": "Risks from Learned Optimization"})
    scheduled = await fake.invoke(
        g, cohort.alice, "reading schedule", {"when": "in 2 days at 18:00"}
    )
    await scheduled.final()
    (announcement,) = [m for m in fake.messages(reading) if m.components]
    await fake.click(announcement, cohort.bob, label="Going · 0")
    await setup_grants(fake, cohort, offsets="7d")
    await add_grant(fake, cohort, "LTFF round", deadline="in 20 days", funder="EA Funds")
    await add_grant(fake, cohort, "Manifund", rolling=True)
    # A published, shared write-up; and a private one.
    for title, private in (("Sparse probes for lying", False), (MARKERS["writeup"], True)):
        added = await fake.invoke(
            g, cohort.alice, "writeup add", {"title": title, "private": private}
        )
        writeup = (added.content or "").split("(`#", 1)[1].split("`", 1)[0]
        await fake.invoke(
            g,
            cohort.alice,
            "writeup publish",
            {"writeup": writeup, "url": "https://www.lesswrong.com/posts/abc/sparse-probes"},
        )
    # Private things of every kind.
    await configure(fake, cohort)
    opened = await fake.invoke(g, cohort.owner, "checkin prompt-now")
    await opened.final()
    answers = {
        "Most important problems in your field": MARKERS["answer"],
        "What you are doing about them": "x",
        "What you did this week": "y",
        "What is blocking you": MARKERS["blocker"],
        "Next week": "z",
    }
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice, answers)
    opened = await fake.invoke(g, cohort.bob, "agenda edit")
    assert opened.modal is not None
    labels = [field["label"] for field in opened.modal.fields]
    await fake.submit_modal(
        opened, cohort.bob, {labels[0]: MARKERS["agenda"]} | dict.fromkeys(labels[1:], "w")
    )
    await fake.invoke(
        g, cohort.bob, "remind me", {"when": "in 3 days", "what": MARKERS["reminder"]}
    )
    await fake.invoke(
        g, cohort.bob, "grants mine add", {"name": MARKERS["opportunity"], "deadline": "in 9 days"}
    )
    await fake.invoke(
        g,
        cohort.bob,
        "grants applied",
        {"grant": "LTFF round", "submitted": "today", "amount": MARKERS["amount"]},
    )


async def test_the_page_shows_the_cohort_and_nothing_private(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    runner.overrides["public_base_url"] = "https://hamming.example.org"
    bot = await runner.start()
    fake, g = fake_discord, cohort.guild
    refused = await fake.invoke(g, cohort.alice, "config web on")
    assert "Only moderators" in (refused.content or "")
    turned_on = await fake.invoke(g, cohort.owner, "config web on")
    assert turned_on.ephemeral and "https://hamming.example.org/cohort/" in turned_on.content
    path = page_path(turned_on.content)
    base = f"http://127.0.0.1:{bot.web.port if bot.web else 0}"
    await fill_the_server(fake, cohort, runner, bot)

    status, html, headers = await get(base + path)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for shown in (
        "The Bottom Line",
        "Risks from Learned Optimization",
        "going 1",
        "LTFF round",
        "Manifund",
        "Sparse probes for lying",
        "LessWrong",
        "Check-ins",
        "<svg",
        'lang="en"',
        "<time datetime=",
    ):
        assert shown in html, shown
    for private in MARKERS.values():
        assert private not in html, private
    # Autoescaped: a member's title can never become markup.
    assert "<script>alert" not in html

    # A refresh is cheap: the same page answers 304 to its ETag.
    assert headers["Cache-Control"] == "private, max-age=60"
    again, body, _ = await get(base + path, **{"If-None-Match": headers["ETag"]})
    assert again == 304 and body == ""

    # /about and /help link to it; the audit never holds the secret.
    about = await fake.invoke(g, cohort.alice, "about")
    assert path in json.dumps(about.embeds)
    audit = rows(
        runner, "SELECT setting, old_value, new_value FROM config_audit WHERE setting = 'web.page'"
    )
    assert [tuple(r) for r in audit] == [("web.page", "off", "on")]

    # Rotated: the old link is a 404 exactly like a path that never existed.
    rotated = await fake.invoke(g, cohort.owner, "config web rotate")
    new_path = page_path(rotated.content)
    assert new_path != path
    old = await get(base + path)
    never = await get(base + "/cohort/never-existed-at-all-000000000")
    assert old[0] == never[0] == 404 and old[1] == never[1]
    assert (await get(base + new_path))[0] == 200
    await fake.invoke(g, cohort.owner, "config web off")
    assert (await get(base + new_path))[0] == 404


def test_a_member_title_is_escaped_and_links_are_http_only() -> None:
    from datetime import UTC, datetime

    from bot.page import Page, PageItem, PageSection, render

    html = render(
        Page(
            cohort="<b>Cohort</b>",
            sections=(
                PageSection(
                    "Reading list",
                    (
                        PageItem("<script>alert(1)</script>", link="javascript:alert(1)"),
                        PageItem("Fine", link="https://www.lesswrong.com/posts/x"),
                    ),
                ),
            ),
            generated_at=datetime(2026, 12, 6, tzinfo=UTC),
        )
    )
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and 'href="https://www.lesswrong.com/posts/x"' in html
    assert "&lt;b&gt;Cohort&lt;/b&gt;" in html


@pytest.mark.browser
async def test_the_page_in_a_real_browser_shows_local_times(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    """Headless Chromium (Debian's chromium and chromium-driver), with the browser's zone
    forced to Asia/Tokyo: times render in the viewer's zone; without script, in UTC."""
    driver = chromium_driver("Asia/Tokyo")
    try:
        runner.overrides["public_base_url"] = "https://hamming.example.org"
        bot = await runner.start()
        fake, g = fake_discord, cohort.guild
        path = page_path((await fake.invoke(g, cohort.owner, "config web on")).content)
        await setup_grants(fake, cohort, offsets="7d")
        due = (runner.clock.now() + timedelta(days=20)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        await add_grant(fake, cohort, "LTFF round", deadline=f"{due:%Y-%m-%d} 00:00 UTC")
        url = f"http://127.0.0.1:{bot.web.port if bot.web else 0}{path}"
        import asyncio

        await asyncio.to_thread(driver.get, url)
        text: str = await asyncio.to_thread(lambda: driver.find_element("tag name", "main").text)
        assert "LTFF round" in text
        # 00:00 UTC is 09:00 in Tokyo (JST, no daylight saving), and the zone is named.
        assert "09:00" in text and ("GMT+9" in text or "JST" in text), text
        assert "00:00 UTC" not in text  # the script replaced the UTC fallback
        title: Any = await asyncio.to_thread(lambda: driver.title)
        assert "Hamming" in title
        ARTIFACTS.mkdir(exist_ok=True)
        await asyncio.to_thread(driver.save_screenshot, str(ARTIFACTS / "cohort-page.png"))
    finally:
        driver.quit()


def chromium_driver(zone: str) -> Any:
    import shutil

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail(
            "The browser tests need Debian's chromium and chromium-driver:"
            " apt-get install -y chromium chromium-driver (.ci/run installs them)."
        )
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=420,900",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    service = Service(shutil.which("chromedriver"), env={**os.environ, "TZ": zone})
    return webdriver.Chrome(service=service, options=options)
