"""Benchmark 2, fan-out: weekly check-in reminders to 2,000 members under a global rate limit.

    python bench/fanout.py [--quick]

The local server enforces a global budget (scaled up to 500 requests/s, burst 50, so the run is
short). Hamming sends its real reminders: the `checkin-reminders` parent occurrence inserts one
child per member and each child sends one DM (open DM channel + send). The baseline is a bare
discord.py bot sending the same DMs with the same concurrency (40) from a plain loop.
Reported: achieved requests/s as a share of the limit (target >= 90%), the 429s served, and how
many requests were sent during a global cool-down the bot had already been told about (target 0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    NOW,
    QUESTIONS,
    Row,
    build_world,
    fmt_ratio,
    iso_week,
    migrate,
    render,
    running_bare_bot,
    running_hamming,
    seed_history,
    skip_contract_checks,
    unix,
)
from tests.fake_discord import FakeDiscord

MEMBERS, QUICK_MEMBERS = 2000, 60
RATE, QUICK_RATE = 100.0, 100.0
CONCURRENCY = 40  # the scheduler's default (bot/scheduler.py)
TARGET_SHARE = 0.90
LEARN = 0.05  # a request sent this long after a 429 was sent knowing about it


@dataclass(frozen=True)
class Fanout:
    requests: int
    seconds: float
    served_429s: int
    ignored: int  # sent during a global cool-down announced more than LEARN s before
    failed: int = 0  # sends that gave up (discord.py raises after 5 tries of 429)

    def share(self, rate: float) -> float:
        return self.requests / self.seconds / rate if self.seconds else 0.0


def _dm_requests(fake: FakeDiscord, since: float) -> list[tuple[float, int, float]]:
    """(started, status, retry_after) of every DM-related request since `since`."""
    found = []
    for record in fake.requests:
        if record.time < since:
            continue
        if record.path == "/users/@me/channels" or record.path.startswith("/channels/"):
            retry = 0.0
            if record.status == 429 and isinstance(record.response, dict):
                retry = float(record.response.get("retry_after") or 0.0)
            found.append((record.time, record.status, retry))
    return found


def _summarise(fake: FakeDiscord, since: float, seconds: float, failed: int = 0) -> Fanout:
    records = _dm_requests(fake, since)
    ignored = 0
    cool_windows = [(s + LEARN, s + r) for s, st, r in records if st == 429]
    for started, _, _ in records:
        if any(a < started < b for a, b in cool_windows):
            ignored += 1
    ok = sum(1 for _, status, _ in records if status < 400)
    return Fanout(ok, seconds, sum(1 for _, st, _ in records if st == 429), ignored, failed)


async def baseline(members: int, rate: float) -> Fanout:
    fake = FakeDiscord()
    await fake.start()
    try:
        world = build_world(fake, members)
        async with running_bare_bot(fake) as bot:
            slots = asyncio.Semaphore(CONCURRENCY)

            async def send(user_id: int) -> None:
                async with slots:
                    user = bot.get_user(user_id) or await bot.fetch_user(user_id)
                    await user.send("Reminder: this week's check-in closes in 24 hours.")

            fake.set_global_budget(rate, burst=rate / 10)
            since = fake.clock.monotonic()
            start = time.perf_counter()
            results = await asyncio.gather(
                *(send(u) for u in world.members), return_exceptions=True
            )
            failed = sum(1 for r in results if isinstance(r, BaseException))
            return _summarise(fake, since, time.perf_counter() - start, failed)
    finally:
        await fake.stop()


async def hamming(members: int, rate: float, folder: Path) -> Fanout:
    fake = FakeDiscord()
    await fake.start()
    try:
        world = build_world(fake, members)
        path = folder / f"fanout-{members}.sqlite3"
        await migrate(path)
        seed_history(path, world, weeks=4, with_feedback=False, with_reading=False)
        round_id = _open_round(path, world.guild, world.channel, fake)
        # Discord's global limit is 50/s; the server here is scaled to `rate`, and the bot is
        # told so, as an operator would (DISCORD_GLOBAL_RATE_LIMIT; bot/pacing.py).
        async with running_hamming(fake, path, discord_global_rate_limit=rate) as bot:
            fake.set_global_budget(rate, burst=rate / 10)
            since = fake.clock.monotonic()
            start = time.perf_counter()
            await bot.scheduler.schedule(
                f"checkin-reminders:{round_id}",
                "checkin-reminders",
                bot.clock.now(),
                guild_id=world.guild,
                payload={"round_id": round_id},
            )
            await bot.scheduler.run_due()
            seconds = time.perf_counter() - start
            failed = await _failed_reminders(path)
            fake.set_global_budget(None)
            return _summarise(fake, since, seconds, failed)
    finally:
        await fake.stop()


async def _failed_reminders(path: Path) -> int:
    """Reminders not done at once (retried later or failed): sends that gave up on 429s."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE kind = 'checkin-reminder' AND state != 'done'"
        ).fetchone()
    return int(row[0])


def _open_round(path: Path, guild: int, channel: int, fake: FakeDiscord) -> int:
    """This week's round, posted and open for another day, with its thread."""
    import sqlite3

    thread = fake.add_text_channel(guild, "check-in thread")  # a fallback target only
    opens = NOW - timedelta(days=1)
    week = iso_week(opens)
    with sqlite3.connect(path) as conn:
        cur = conn.execute(
            "INSERT INTO checkin_rounds (guild_id, week, channel_id, prompt_key, opens_at,"
            " closes_at, reminder_at, visibility, questions, cohort_size, message_id,"
            " thread_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'public', ?, 0, 1, ?, ?)",
            (
                guild,
                week,
                channel,
                f"checkin-prompt:{guild}:{week}",
                unix(opens),
                unix(NOW + timedelta(days=1)),
                unix(NOW),
                QUESTIONS,
                thread,
                unix(opens),
            ),
        )
        return int(cur.lastrowid or 0)


async def measure(members: int, rate: float, folder: Path) -> list[Row]:
    base = await baseline(members, rate)
    ham = await hamming(members, rate, folder)
    label = f"{members} DMs at {rate:.0f} req/s"
    share_h, share_b = ham.share(rate), base.share(rate)
    return [
        Row(
            "2 fan-out",
            f"share of the limit, {label}",
            f"{share_h:.0%} ({ham.requests / ham.seconds:.0f}/s)",
            f"{share_b:.0%} ({base.requests / base.seconds:.0f}/s)",
            fmt_ratio(share_h / share_b if share_b else None),
            f">= {TARGET_SHARE:.0%}",
            share_h >= TARGET_SHARE,
        ),
        Row(
            "2 fan-out",
            "429s served / sent in a known cool-down / sends given up",
            f"{ham.served_429s} / {ham.ignored} / {ham.failed}",
            f"{base.served_429s} / {base.ignored} / {base.failed}",
            "",
            "_ / 0 / 0",
            ham.ignored == 0 and ham.failed == 0,
        ),
    ]


def rows(quick: bool, folder: Path) -> list[Row]:
    skip_contract_checks()
    if quick:
        return asyncio.run(measure(QUICK_MEMBERS, QUICK_RATE, folder))
    return asyncio.run(measure(MEMBERS, RATE, folder))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--members", type=int)
    parser.add_argument("--rate", type=float)
    args = parser.parse_args()
    skip_contract_checks()
    members = args.members or (QUICK_MEMBERS if args.quick else MEMBERS)
    rate = args.rate or (QUICK_RATE if args.quick else RATE)
    with tempfile.TemporaryDirectory() as folder:
        table = asyncio.run(measure(members, rate, Path(folder)))
    print(render(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
