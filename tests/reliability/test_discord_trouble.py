"""Discord trouble: 429 bursts (global and per route), 5xx bursts, slow answers and a dropped
gateway connection in the middle of a fan-out lose nothing, crash nothing, retry a bounded
number of times, and show up in /metrics and the logs."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.ledger import list_occurrences
from bot.metrics import DISCORD_HTTP_ERRORS
from tests.conftest import BotRunner, Cohort, free_port
from tests.fake_discord import FakeDiscord
from tests.fake_discord.messaging import NonceIndex
from tests.reliability.harness import (
    BotProcess,
    bot_messages_since,
    build_world,
    copy_database,
    message_watermark,
    process_env,
    seed_fanout,
    tally,
    wait_quiescent,
)

pytestmark = pytest.mark.e2e

MESSAGES = r"^/channels/\d+/messages$"
DM_OPEN = r"^/users/@me/channels$"


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.status == 200
        return await r.text()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus text (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
async def test_fanout_survives_429s_5xx_slow_answers_and_a_dropped_gateway(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    world = build_world(fake, 200)
    database = tmp_path / "data" / "hamming.sqlite3"
    await seed_fanout(fake, world, tmp_path / "template.sqlite3")
    copy_database(tmp_path / "template.sqlite3", database)
    # No deduplication by Discord: a retry that doubled a message would show.
    fake.nonces = NonceIndex(0.0)
    watermark = message_watermark(fake)
    requests_before = len(fake.requests)
    served_429s_before = fake.served_429s
    # Trouble from the first request of the fan-out on:
    fake.set_latency(0.03)  # every REST answer is slow
    fake.set_global_budget(50, burst=50)  # Discord's global limit: beyond it, global 429s
    # Per-route bursts (the check-in channel, opening DMs) and a global burst on every send;
    # no single request meets more than 4 refusals, so discord.py's own 5 tries absorb them
    # (a 5th would be raised to the handler and retried by the ledger 30 s later).
    fake.rate_limit("POST", rf"^/channels/{world.checkins_channel}/messages$", count=1)
    fake.rate_limit("POST", DM_OPEN, count=3, retry_after=0.5)
    fake.rate_limit("POST", MESSAGES, count=2, retry_after=1.0, is_global=True)
    fake.fail_next("POST", DM_OPEN, status=502, count=1)  # retried by discord.py after 1 s
    fake.fail_next("POST", MESSAGES, status=500, count=1)
    port = free_port()
    bot = BotProcess(
        process_env(fake, database, tmp_path, http_port=port), tmp_path, tmp_path / "bot.log"
    )
    await bot.start()
    sessions_before = len(fake.gateway.sessions)
    try:
        for _ in range(1200):  # the gateway drops once a third of the messages are out
            if len(bot_messages_since(fake, watermark)) >= 80:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the fan-out did not get going")
        await fake.drop_gateway()
        await wait_quiescent(database, bot, timeout=120)
        # The bot came back on the gateway (resumed or identified again) and still answers.
        for _ in range(200):
            if any(c.ws is not None and not c.ws.closed for c in fake.gateway.connections):
                break
            await asyncio.sleep(0.05)
        about = await fake.invoke(world.guild, world.owner, "about", timeout=10)
        assert about.embeds
        metrics = await scrape(port)
    finally:
        exit_code = await bot.stop()
    assert exit_code == 0, bot.logs()[-3000:]

    counted = tally(fake, database, watermark)
    assert (counted.misses, counted.duplicates, counted.not_done) == (0, 0, [])
    assert counted.reminders == 200 and counted.expected == 234
    served_429s = fake.served_429s - served_429s_before
    assert served_429s >= 6
    # Bounded: each message went out once, plus one retry per refused attempt.
    posts = [r for r in fake.requests[requests_before:] if r.method == "POST"]
    message_posts = [r for r in posts if re.search(MESSAGES, r.path)]
    refused = [r for r in message_posts if r.status >= 400]
    assert len(message_posts) - len(refused) == len(bot_messages_since(fake, watermark))
    assert len(refused) <= served_429s + 1
    # Visible: Discord's errors in /metrics, the 429s and the reconnect in the logs.
    assert metric(metrics, DISCORD_HTTP_ERRORS, method="POST", status="429") == served_429s
    assert metric(metrics, DISCORD_HTTP_ERRORS, method="POST", status="500") == 1
    assert metric(metrics, DISCORD_HTTP_ERRORS, method="POST", status="502") == 1
    assert metric(metrics, "hamming_occurrences_total", kind="checkin-reminder", outcome="done")
    lines = [json.loads(line) for line in bot.logs().splitlines() if line.startswith("{")]
    warnings = [line["message"] for line in lines if line["level"] == "WARNING"]
    assert any("rate limit" in text for text in warnings)
    assert len(fake.gateway.sessions) >= sessions_before
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]
    # Warnings say something: no APScheduler noise per scheduled child of the fan-out.
    assert not [text for text in warnings if "maximum number of running instances" in text]


async def test_a_failing_route_is_retried_with_backoff_then_given_up_visibly(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    """A 503 burst: the occurrence retries on its backoff (not in a loop) and succeeds; a route
    that keeps failing is given up after the kind's attempts, counted and logged with a ref."""
    fake = fake_discord
    bot = await runner.start()
    now = runner.clock.now()
    sent: list[int] = []

    async def handler(occurrence: object) -> None:
        from bot.delivery import send_dm_or_fallback

        assert hasattr(occurrence, "payload") and hasattr(occurrence, "nonce")
        user = int(occurrence.payload["user"])
        await send_dm_or_fallback(
            bot,
            guild_id=cohort.guild,
            user_id=user,
            nonce=occurrence.nonce(),
            fallback_channel_id=None,
            content="Your reminder",
        )
        sent.append(user)

    bot.scheduler.register("test-dm", handler, grace=timedelta(days=1))
    fake.fail_next("POST", MESSAGES, status=503, count=2)
    await bot.scheduler.schedule("test-dm:alice", "test-dm", now, payload={"user": cohort.alice})
    await bot.scheduler.run_due()
    assert sent == [] and fake.dm_messages(cohort.alice) == []
    runner.clock.advance(timedelta(seconds=30))
    await bot.scheduler.run_due()  # the second attempt meets the second 503
    runner.clock.advance(timedelta(minutes=2))
    await bot.scheduler.run_due()
    assert [m.content for m in fake.dm_messages(cohort.alice)] == ["Your reminder"]

    fake.fail_next("POST", MESSAGES, status=503, count=100)
    later = runner.clock.now()
    await bot.scheduler.schedule("test-dm:bob", "test-dm", later, payload={"user": cohort.bob})
    for wait in (0, 30, 120, 600, 600):
        runner.clock.advance(timedelta(seconds=wait))
        await bot.scheduler.run_due()
    (failed,) = await list_occurrences(bot.db, kind="test-dm", states=("failed",))
    assert (failed.key, failed.attempts) == ("test-dm:bob", 4)
    assert "ref" in (failed.last_error or "")
    dm_posts = fake.requests_matching("POST", MESSAGES)
    assert len([r for r in dm_posts if r.status == 503]) == 2 + 4  # bounded: 4 attempts, no loop
    assert bot.web is not None
    metrics = await scrape(bot.web.port)
    assert metric(metrics, "hamming_occurrences_total", kind="test-dm", outcome="retried") == 2 + 3
    assert metric(metrics, "hamming_occurrences_total", kind="test-dm", outcome="failed") == 1
    assert metric(metrics, "hamming_occurrences_total", kind="test-dm", outcome="done") == 1
    assert metric(metrics, DISCORD_HTTP_ERRORS, method="POST", status="503") == 6
