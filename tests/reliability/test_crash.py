"""Crash at any point: SIGKILL the real bot process at random moments of a weekly fan-out.

The fan-out (a check-in prompt, its reminders to 200 cohort members, a feedback round's 12
announcements, a grant's channel reminder and 20 subscribers' reminders) is seeded a week ago
and falls due the moment `python -m bot` starts. Each trial starts it from the same seeded
database, kills it with SIGKILL after a random delay (seeded), restarts it and lets it finish.
Half the trials run with the server's nonce deduplication off (window 0), so that only our
ledger stands between a kill and a double post; the other half with Discord's window on.
`--trials N` sets the number of kill points (CI default 6).
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from tests.fake_discord import FakeDiscord
from tests.fake_discord.messaging import NonceIndex
from tests.reliability.harness import (
    BotProcess,
    Tally,
    bot_messages_since,
    build_world,
    copy_database,
    in_doubt,
    message_watermark,
    process_env,
    seed_fanout,
    tally,
    wait_quiescent,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MEMBERS = 200
# An uninterrupted run finishes the whole fan-out about 5-6 s after the process is spawned on a
# 2-core machine (about 1.5 s of that is start-up): kill moments are spread over that span.
KILL_FROM, KILL_UNTIL = 0.2, 6.0
DISCORD_NONCE_WINDOW = 300.0


@dataclass
class Trial:
    window: float
    kill_after: float
    sent_before_kill: int
    claimed_at_kill: int  # occurrences in doubt (claimed, not confirmed) when killed
    accepted_in_doubt: int  # of those, sends Discord had already accepted
    tally: Tally


def log_errors(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        is_json = line.startswith("{")
        if (is_json and json.loads(line).get("level") in ("ERROR", "CRITICAL")) or (
            "Traceback" in line
        ):
            found.append(line)
    return found


async def run_trial(
    fake: FakeDiscord, template: Path, folder: Path, window: float, kill_after: float
) -> Trial:
    fake.nonces = NonceIndex(window)
    database = folder / "hamming.sqlite3"
    copy_database(template, database)
    watermark = message_watermark(fake)
    bot = BotProcess(process_env(fake, database, folder), folder, folder / "bot.log")
    await bot.start()
    await asyncio.sleep(kill_after)
    await bot.kill()
    await asyncio.sleep(0.1)  # let the server finish a request that was in flight
    sent_before = len(bot_messages_since(fake, watermark))
    claimed, accepted = in_doubt(fake, database, watermark)
    await bot.start()
    await wait_quiescent(database, bot, timeout=90)
    assert await bot.stop() == 0
    errors = log_errors(bot.logs())
    assert errors == [], "\n".join(errors[:5])
    counted = tally(fake, database, watermark)
    return Trial(window, kill_after, sent_before, claimed, accepted, counted)


async def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing_discord_keeps(
    fake_discord: FakeDiscord, tmp_path: Path, trials: int, trials_seed: int
) -> None:
    fake = fake_discord
    world = build_world(fake, MEMBERS)
    template = tmp_path / "template.sqlite3"
    await seed_fanout(fake, world, template)
    rng = random.Random(trials_seed)
    results: list[Trial] = []
    for number in range(trials):
        window = 0.0 if number % 2 == 0 else DISCORD_NONCE_WINDOW
        kill_after = round(rng.uniform(KILL_FROM, KILL_UNTIL), 3)
        trial = await run_trial(fake, template, tmp_path / f"trial{number}", window, kill_after)
        results.append(trial)

    summary = {
        "trials": len(results),
        "expected_per_trial": results[0].tally.expected,
        "kills_before_any_send": sum(1 for t in results if t.sent_before_kill == 0),
        "kills_mid_fanout": sum(1 for t in results if 0 < t.sent_before_kill < t.tally.expected),
        "kills_after_all_sent": sum(1 for t in results if t.sent_before_kill >= t.tally.expected),
        "misses": sum(t.tally.misses for t in results),
        "duplicates_window_off": sum(t.tally.duplicates for t in results if t.window == 0),
        "duplicates_window_on": sum(t.tally.duplicates for t in results if t.window > 0),
        "in_doubt_at_kill": sum(t.claimed_at_kill for t in results),
        "in_doubt_already_accepted": sum(t.accepted_in_doubt for t in results),
        "in_doubt_already_accepted_window_on": sum(
            t.accepted_in_doubt for t in results if t.window > 0
        ),
    }
    print("crash trials:", json.dumps(summary))  # the figures for docs/RELIABILITY.md
    (tmp_path / "crash-trials.json").write_text(
        json.dumps({"summary": summary, "trials": [asdict(t) for t in results]}, indent=1)
    )
    for trial in results:
        assert trial.tally.reminders == MEMBERS, trial
        assert trial.tally.misses == 0, trial
        assert trial.tally.not_done == [], trial
        if trial.window > 0:
            # Discord's nonce window closes the in-doubt gap: every message exactly once.
            assert trial.tally.duplicates == 0, trial
        else:
            # Without it, the only possible double is a send Discord accepted just before the
            # kill, before the ledger recorded it as done.
            assert trial.tally.duplicates <= trial.accepted_in_doubt, trial


async def test_sigterm_in_the_middle_of_a_fanout_leaves_nothing_in_doubt(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A deploy's graceful stop mid fan-out: sends in flight finish, the exit is clean (no
    error logged), and the restart completes the rest with no Discord dedup to lean on."""
    fake = fake_discord
    world = build_world(fake, MEMBERS)
    template = tmp_path / "template.sqlite3"
    await seed_fanout(fake, world, template)
    fake.nonces = NonceIndex(0.0)
    database = tmp_path / "run" / "hamming.sqlite3"
    copy_database(template, database)
    watermark = message_watermark(fake)
    bot = BotProcess(process_env(fake, database, tmp_path), tmp_path, tmp_path / "bot.log")
    await bot.start()
    for _ in range(600):
        if len(bot_messages_since(fake, watermark)) >= 60:
            break
        await asyncio.sleep(0.02)
    assert await bot.stop() == 0
    claimed, _ = in_doubt(fake, database, watermark)
    assert claimed == 0
    await bot.start()
    await wait_quiescent(database, bot, timeout=90)
    assert await bot.stop() == 0
    errors = log_errors(bot.logs())
    assert errors == [], "\n".join(errors[:3])
    counted = tally(fake, database, watermark)
    assert (counted.misses, counted.duplicates, counted.reminders) == (0, 0, MEMBERS)
