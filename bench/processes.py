"""Benchmarks 3 and 4, memory and start-up: `python -m bot` vs a bare discord.py bot process.

    python bench/processes.py [--quick]

3. Memory: resident memory (VmRSS from /proc/<pid>/status) one second after READY, with one
   10,000-member server and a year of history, vs the bare bot (bench/bare_bot.py) on the same
   server. Target ratio <= 1.3. Also checks that heavy imports (matplotlib, numpy, icalendar)
   are not loaded by importing the bot and every feature.
4. Start-up: 500 configured servers with 10,000 pending occurrences; time from spawning the
   process to ready with every job rebuilt (Hamming logs "scheduler started"; the bare bot
   prints READY from on_ready). Target: under 2x the bare bot.

The local Discord server runs in this process; the bots are separate processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    BARE_READY,
    HAMMING_READY,
    NOW,
    ROOT,
    Row,
    add_bare_guilds,
    bare_bot_argv,
    build_world,
    fmt_ratio,
    hamming_argv,
    hamming_env,
    migrate,
    process_env,
    render,
    seed_history,
    skip_contract_checks,
    spawned,
    unix,
)
from tests.fake_discord import FakeDiscord

TARGET_MEMORY = 1.3
TARGET_STARTUP = 2.0
HEAVY = ("matplotlib", "numpy", "icalendar", "PIL", "scipy")
READY_TIMEOUT = 900.0
# discord.py sends one member request (op 8) per server at start-up, and its gateway allows 120
# sends a minute: past ~110 servers both bots wait whole minutes for it (500 servers: ~4 min
# each). The default run stays under that; `--servers 500` measures it (see the README).
SERVERS = 100
STARTUP_RUNS = 3


@dataclass(frozen=True)
class Sample:
    seconds: float  # spawn to ready
    rss_kib: int  # after ready and a settling second


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def _run_until_ready(argv: list[str], env: dict[str, str], marker: str) -> Sample:
    async with spawned(argv, env, marker, ready_within=READY_TIMEOUT) as bot:
        await asyncio.sleep(1.0)  # let the first sweep, chunk handling and GC settle
        return Sample(bot.seconds, rss_kib(bot.process.pid))


async def bare_process(fake: FakeDiscord) -> Sample:
    return await _run_until_ready(bare_bot_argv(), process_env(fake), BARE_READY)


async def hamming_process(fake: FakeDiscord, database: Path) -> Sample:
    env = hamming_env(fake, database, LOG_LEVEL="INFO")
    return await _run_until_ready(hamming_argv(), env, HAMMING_READY)


async def _fresh_fake() -> FakeDiscord:
    fake = FakeDiscord()
    await fake.start()
    return fake


async def memory(members: int, weeks: int, folder: Path) -> tuple[Sample, Sample]:
    """(hamming, bare) on one server with `members` members and `weeks` of history."""
    results = []
    for which in ("hamming", "bare"):
        fake = await _fresh_fake()
        try:
            world = build_world(fake, members)
            if which == "bare":
                results.append(await bare_process(fake))
                continue
            path = folder / f"memory-{members}.sqlite3"
            await migrate(path)
            seed_history(path, world, weeks=weeks)
            results.append(await hamming_process(fake, path))
        finally:
            await fake.stop()
    return results[0], results[1]


def seed_servers(path: Path, guilds: list[int], channels: dict[int, int], pending: int) -> None:
    """Every server configured (zone, check-ins on) and `pending` occurrences due in the future."""
    stamp = unix(NOW)
    with sqlite3.connect(path) as conn:
        for guild in guilds:
            conn.execute(
                "INSERT INTO guild_settings (guild_id, timezone, created_at, updated_at)"
                " VALUES (?, 'Europe/Berlin', ?, ?)",
                (guild, stamp, stamp),
            )
            conn.execute(
                "INSERT INTO checkin_settings (guild_id, channel_id, enabled, updated_at)"
                " VALUES (?, ?, 1, ?)",
                (guild, channels[guild], stamp),
            )
        rows = []
        for i in range(pending):
            guild = guilds[i % len(guilds)]
            # The bot process runs on the real clock: due after it, or start-up would be
            # measuring thousands of catch-up sends instead of rebuilding the schedule.
            due = unix(datetime.now(UTC) + timedelta(days=2, minutes=i))
            payload = json.dumps({"grant_id": i, "offset": "7d", "user_id": i})
            rows.append(
                (f"grant-reminder:{i}:7d:{i}", "grant-reminder", guild, due, payload, stamp)
            )
        conn.executemany(
            "INSERT INTO deliveries (key, kind, guild_id, due_at, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


async def startup(servers: int, pending: int, folder: Path) -> tuple[Sample, Sample]:
    results = []
    for which in ("hamming", "bare"):
        fake = await _fresh_fake()
        try:
            guilds = add_bare_guilds(fake, servers)
            if which == "bare":
                results.append(await bare_process(fake))
                continue
            channels = {g: fake.world.guilds[g].channel_ids[0] for g in guilds}
            path = Path(tempfile.mkdtemp(dir=folder)) / f"startup-{servers}.sqlite3"
            await migrate(path)
            seed_servers(path, guilds, channels, pending)
            results.append(await hamming_process(fake, path))
        finally:
            await fake.stop()
    return results[0], results[1]


async def heavy_imports() -> list[str]:
    """Heavy modules loaded by importing the bot and every feature (should be none)."""
    code = (
        "import importlib, sys\n"
        "from bot.client import feature_packages\n"
        "for name in feature_packages():\n"
        "    importlib.import_module(f'cogs.{name}')\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    return [m for m in out.decode().strip().split(",") if m]


async def measure(quick: bool, folder: Path, servers_full: int = SERVERS) -> list[Row]:
    members, weeks = (300, 4) if quick else (10_000, 52)
    servers, pending = (20, 200) if quick else (servers_full, 10_000)
    ham, bare = await memory(members, weeks, folder)
    memory_ratio = ham.rss_kib / bare.rss_kib
    heavy = await heavy_imports()
    # Start-up times move by ±30% between runs on a shared machine: the median of three
    # alternating runs (each on a fresh database and server).
    runs = [await startup(servers, pending, folder) for _ in range(1 if quick else STARTUP_RUNS)]
    start_ratios = sorted(h.seconds / b.seconds for h, b in runs)
    start_ratio = statistics.median(start_ratios)
    ham_seconds = statistics.median(h.seconds for h, _ in runs)
    bare_seconds = statistics.median(b.seconds for _, b in runs)
    spread = f" ({start_ratios[0]:.2f}-{start_ratios[-1]:.2f})" if len(runs) > 1 else ""
    return [
        Row(
            "3 memory",
            f"RSS after READY, {members:,} members, {weeks} weeks",
            f"{ham.rss_kib / 1024:.0f} MiB",
            f"{bare.rss_kib / 1024:.0f} MiB",
            fmt_ratio(memory_ratio),
            f"<= {TARGET_MEMORY}",
            memory_ratio <= TARGET_MEMORY,
        ),
        Row(
            "3 memory",
            "heavy modules loaded at start-up",
            ", ".join(heavy) or "none",
            "",
            "",
            "none",
            not heavy,
        ),
        Row(
            "4 start-up",
            f"spawn to ready, {servers} servers, {pending:,} pending, median of {len(runs)}",
            f"{ham_seconds:.2f} s",
            f"{bare_seconds:.2f} s",
            fmt_ratio(start_ratio) + spread,
            f"< {TARGET_STARTUP}",
            start_ratio < TARGET_STARTUP,
        ),
    ]


def rows(quick: bool, folder: Path, servers: int = SERVERS) -> list[Row]:
    skip_contract_checks()
    return asyncio.run(measure(quick, folder, servers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--servers", type=int, help=f"start-up servers (default {SERVERS})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        table = rows(args.quick, Path(folder), args.servers or SERVERS)
    print(render(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
