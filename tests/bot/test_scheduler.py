"""The delivery ledger and scheduler: every occurrence performed exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot import ledger
from bot import scheduler as scheduler_module
from bot.clock import ManualClock
from bot.db import Database, open_database
from bot.ledger import Occurrence
from bot.metrics import Metrics
from bot.scheduler import Scheduler, SkipOccurrence

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(tmp_path / "db.sqlite3") as database:
        yield database


def make_scheduler(db: Database, clock: ManualClock, calls: list[Occurrence]) -> Scheduler:
    scheduler = Scheduler(db, clock, Metrics())

    async def handler(occurrence: Occurrence) -> None:
        calls.append(occurrence)

    scheduler.register("note", handler, grace=timedelta(hours=1))
    return scheduler


async def test_runs_once_when_due_and_never_again(db: Database) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    due = START + timedelta(minutes=10)
    assert await scheduler.schedule("note:1", "note", due, guild_id=7, payload={"x": 1})
    assert not await scheduler.schedule("note:1", "note", due)  # same key: ignored
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(minutes=10))
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0
    assert [(c.key, c.guild_id, dict(c.payload), c.attempts) for c in calls] == [
        ("note:1", 7, {"x": 1}, 1)
    ]
    stored = await ledger.get_occurrence(db, "note:1")
    assert stored is not None and stored.state == "done"
    assert scheduler.metrics.value("hamming_occurrences_total", kind="note", outcome="done") == 1


async def test_concurrent_sweeps_perform_once(db: Database) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    for n in range(20):
        await scheduler.schedule(f"note:{n}", "note", START)
    await asyncio.gather(*(scheduler.run_due() for _ in range(5)))
    assert sorted(c.key for c in calls) == sorted(f"note:{n}" for n in range(20))


async def test_crash_between_claim_and_done_retries_with_the_same_nonce(db: Database) -> None:
    clock, calls = ManualClock(START), []
    first = make_scheduler(db, clock, calls)
    await first.schedule("note:crash", "note", START)
    async with db.transaction() as tx:  # the process claims it, then dies before confirming
        claimed = await ledger.claim(tx, "note:crash", clock.now())
    assert claimed is not None
    assert await first.run_due() == 0  # claimed rows are not picked up again while running
    restarted = make_scheduler(db, clock, calls)
    await restarted.start()
    await restarted.shutdown()
    assert [c.key for c in calls] == ["note:crash"]
    assert calls[0].attempts == 2
    assert calls[0].nonce() == claimed.nonce()
    assert len(calls[0].nonce()) <= 25


async def test_crash_after_done_is_not_repeated(db: Database) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    await scheduler.schedule("note:done", "note", START)
    await scheduler.run_due()
    restarted = make_scheduler(db, clock, calls)
    await restarted.start()
    await restarted.shutdown()
    assert [c.key for c in calls] == ["note:done"]


async def test_missed_beyond_grace_is_skipped_and_within_grace_runs(db: Database) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    await scheduler.schedule("note:old", "note", START - timedelta(hours=2))
    await scheduler.schedule("note:recent", "note", START - timedelta(minutes=30))
    await scheduler.run_due()
    assert [c.key for c in calls] == ["note:recent"]
    old = await ledger.get_occurrence(db, "note:old")
    assert old is not None and old.state == "skipped"
    assert old.last_error is not None and "missed by" in old.last_error


async def test_failures_retry_with_backoff_then_fail(db: Database) -> None:
    clock = ManualClock(START)
    scheduler = Scheduler(db, clock, Metrics())
    attempts: list[int] = []

    async def flaky(occurrence: Occurrence) -> None:
        attempts.append(occurrence.attempts)
        raise RuntimeError("Discord is down")

    scheduler.register("flaky", flaky, grace=timedelta(days=1), max_attempts=3)
    await scheduler.schedule("flaky:1", "flaky", START)
    await scheduler.run_due()
    assert attempts == [1]
    await scheduler.run_due()  # not due again until the backoff passed
    assert attempts == [1]
    for _ in range(3):
        clock.advance(timedelta(minutes=15))
        await scheduler.run_due()
    assert attempts == [1, 2, 3]
    final = await ledger.get_occurrence(db, "flaky:1")
    assert final is not None and final.state == "failed"
    assert final.last_error is not None and "Discord is down" in final.last_error


async def test_skip_cancel_and_reschedule(db: Database) -> None:
    clock = ManualClock(START)
    scheduler = Scheduler(db, clock, Metrics())
    seen: list[str] = []

    async def handler(occurrence: Occurrence) -> None:
        seen.append(occurrence.key)
        if occurrence.payload.get("moot"):
            raise SkipOccurrence("channel was deleted")

    scheduler.register("k", handler, grace=timedelta(hours=1))
    await scheduler.schedule("k:moot", "k", START, payload={"moot": True})
    await scheduler.schedule("k:a:1", "k", START)
    await scheduler.schedule("k:a:2", "k", START)
    await scheduler.schedule("k:b", "k", START + timedelta(hours=1))
    assert await scheduler.cancel(prefix="k:a:") == 2
    assert await scheduler.reschedule("k:b", START + timedelta(hours=3))
    await scheduler.run_due()
    assert seen == ["k:moot"]
    clock.advance(timedelta(hours=2))  # k:b was due at +1 h, but it was moved to +3 h
    await scheduler.run_due()
    assert seen == ["k:moot"]
    moot = await ledger.get_occurrence(db, "k:moot")
    assert moot is not None and moot.state == "skipped"
    clock.advance(timedelta(hours=1))
    await scheduler.run_due()
    assert seen == ["k:moot", "k:b"]


async def test_planners_run_at_start_and_unknown_kinds_are_refused(db: Database) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    planned: list[datetime] = []

    async def planner(now: datetime) -> None:
        planned.append(now)
        await scheduler.schedule("note:planned", "note", now)

    scheduler.add_planner("test", planner)
    await scheduler.start()
    await scheduler.shutdown()
    assert planned == [START]
    assert [c.key for c in calls] == ["note:planned"]
    with pytest.raises(ValueError, match="unknown occurrence kind"):
        await scheduler.schedule("x:1", "nope", START)


async def test_nonce_is_stable_and_distinct_per_part() -> None:
    occurrence = Occurrence("checkin-prompt:1:2026-W48", "checkin-prompt", 1, START)
    assert occurrence.nonce() == occurrence.nonce()
    assert occurrence.nonce("thread") != occurrence.nonce()
    assert all(len(n) == 25 for n in (occurrence.nonce(), occurrence.nonce("x")))


async def test_a_job_armed_inside_a_transaction_claims_in_its_own(db: Database) -> None:
    """A wake-up armed inside a committed transaction must not write inside another task's."""
    clock, calls = ManualClock(START), []
    scheduler = Scheduler(db, clock, Metrics())
    handled = asyncio.Event()

    async def handler(occurrence: Occurrence) -> None:
        calls.append(occurrence)
        handled.set()

    scheduler.register("note", handler, grace=timedelta(hours=1))
    await scheduler.start()
    try:
        # As "I've sent my feedback" does: schedule() inside a transaction arms the wake-up,
        # so APScheduler's timer and job are created in a context that holds that transaction.
        due = START + timedelta(seconds=0.05)
        async with db.transaction():
            assert await scheduler.schedule("note:armed", "note", due)
        clock.advance(timedelta(seconds=1))

        async def unrelated_write_that_fails() -> None:
            with pytest.raises(RuntimeError):
                async with db.transaction() as tx:
                    await tx.execute("INSERT INTO schema_migrations VALUES (999, 'x', 'y', 'z')")
                    # The wake-up fires while this transaction is open; give it time to send.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(handled.wait(), 1.0)
                    await asyncio.sleep(0.1)
                    raise RuntimeError("an unrelated failure rolls its transaction back")

        await unrelated_write_that_fails()
        for _ in range(100):
            if calls and not scheduler._running:
                break
            await asyncio.sleep(0.02)
        await scheduler.run_due()  # the next sweep
    finally:
        await scheduler.shutdown()
    stored = await ledger.get_occurrence(db, "note:armed")
    assert stored is not None and stored.state == "done"
    assert [c.key for c in calls] == ["note:armed"]  # sent once, not again after the rollback


async def test_a_confirmation_that_fails_after_the_send_is_retried(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The send went out, then recording it failed twice (disk full, busy): it ends `done`."""
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    monkeypatch.setattr(scheduler_module, "CONFIRM_RETRY_DELAYS", (0.01, 0.01, 0.01))
    real_finish = ledger.finish
    failures = [sqlite3.OperationalError("database or disk is full")] * 2

    async def flaky_finish(*args: object, **kwargs: object) -> None:
        if failures:
            raise failures.pop()
        await real_finish(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger, "finish", flaky_finish)
    await scheduler.schedule("note:full", "note", START)
    await scheduler.run_due()
    stored = await ledger.get_occurrence(db, "note:full")
    assert stored is not None and stored.state == "done"
    assert failures == []
    assert "retrying" in caplog.text
    clock.advance(timedelta(hours=1))
    await scheduler.run_due()
    assert [c.key for c in calls] == ["note:full"]


async def test_a_stuck_claim_is_requeued_by_the_sweep_not_only_at_start_up(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A claim whose task died is retried with its nonce a few minutes later, without a restart."""
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    await scheduler.schedule("note:stuck", "note", START)
    async with db.transaction() as tx:  # claimed; then its task died before confirming
        claimed = await ledger.claim(tx, "note:stuck", clock.now())
    assert claimed is not None
    assert await scheduler.run_due() == 0  # a fresh claim may still be in flight: left alone
    clock.advance(scheduler_module.STALE_CLAIM_AFTER + timedelta(seconds=1))
    assert await scheduler.run_due() == 1
    assert [(c.key, c.attempts, c.nonce()) for c in calls] == [("note:stuck", 2, claimed.nonce())]
    stored = await ledger.get_occurrence(db, "note:stuck")
    assert stored is not None and stored.state == "done"
    assert "note:stuck" in caplog.text and "stuck" in caplog.text


async def test_a_claim_still_running_is_not_requeued(db: Database) -> None:
    clock = ManualClock(START)
    scheduler = Scheduler(db, clock, Metrics())
    release, started, calls = asyncio.Event(), asyncio.Event(), []

    async def slow(occurrence: Occurrence) -> None:
        calls.append(occurrence.key)
        started.set()
        await release.wait()

    scheduler.register("slow", slow, grace=timedelta(hours=1))
    await scheduler.schedule("slow:1", "slow", START)
    sweep = asyncio.create_task(scheduler.run_due())
    await started.wait()
    clock.advance(scheduler_module.STALE_CLAIM_AFTER * 2)
    assert await scheduler.requeue_stale_claims() == []
    release.set()
    await sweep
    await scheduler.run_due()
    assert calls == ["slow:1"]


async def test_periodic_jobs_run_at_start_up_when_due_by_their_recorded_last_run(
    db: Database,
) -> None:
    """A bot restarted every hour still purges every 6 h: due-ness comes from the database."""
    clock, runs = ManualClock(START), []

    async def purge() -> None:
        runs.append(clock.now())

    async def run_for_a_moment() -> None:
        scheduler = Scheduler(db, clock, Metrics())
        scheduler.add_periodic("purge", purge, timedelta(hours=6))
        await scheduler.start()
        await scheduler.shutdown()

    await run_for_a_moment()
    assert runs == [START]  # never ran before: it runs at its first start-up
    for _ in range(5):  # restarted every hour: ran recently, so not again at start-up
        clock.advance(timedelta(hours=1))
        await run_for_a_moment()
    assert runs == [START]
    clock.advance(timedelta(hours=1))
    await run_for_a_moment()
    assert runs == [START, START + timedelta(hours=6)]


async def test_a_failed_periodic_job_is_tried_again_at_the_next_start_up(db: Database) -> None:
    clock, runs = ManualClock(START), []

    async def broken() -> None:
        runs.append(clock.now())
        raise RuntimeError("the purge failed")

    for _ in range(2):
        scheduler = Scheduler(db, clock, Metrics())
        scheduler.add_periodic("broken", broken, timedelta(hours=6))
        await scheduler.start()
        await scheduler.shutdown()
    assert len(runs) == 2  # a failure is not recorded as a run


async def test_a_periodic_job_keeps_its_interval_and_may_be_added_after_start(
    db: Database,
) -> None:
    clock, runs = ManualClock(START), []

    async def tick() -> None:
        runs.append("tick")

    scheduler = Scheduler(db, clock, Metrics())
    await scheduler.start()
    try:
        scheduler.add_periodic("tick", tick, timedelta(seconds=0.2))
        for _ in range(100):
            if len(runs) >= 3:  # once when added (never ran), then on its interval
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.shutdown()
    assert len(runs) >= 3
    assert "tick" in await ledger.list_periodic_runs(db)


async def test_run_now_performs_one_due_occurrence_once_even_beside_a_sweep(db: Database) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    await scheduler.schedule("note:later", "note", START + timedelta(minutes=5))
    await scheduler.run_now("note:later")  # not due yet: left for the sweep
    assert calls == []
    await scheduler.schedule("note:now", "note", START)
    await asyncio.gather(
        scheduler.run_now("note:now"), scheduler.run_due(), scheduler.run_now("note:now")
    )
    assert [c.key for c in calls] == ["note:now"]
    stored = await ledger.get_occurrence(db, "note:now")
    assert stored is not None and stored.state == "done"


async def test_a_kind_builds_its_keys_and_a_fan_out_adds_one_child_per_recipient(
    db: Database,
) -> None:
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    child = scheduler_module.Kind("note-to", timedelta(hours=1), ("round", "user"))
    scheduler.register(child, lambda o: asyncio.sleep(0, calls.append(o)))  # type: ignore[func-returns-value]
    assert child.key(3, 42) == "note-to:3:42" and child.prefix(3) == "note-to:3:"
    assert child.parent_key(3) == "note-to:3"
    with pytest.raises(ValueError, match="made of"):
        child.key(3)
    added = await scheduler.fan_out(
        child, (3,), [41, 42, None], START, guild_id=7, payload={"r": 3}
    )
    again = await scheduler.fan_out(
        child, (3,), [41, 42, None], START, guild_id=7, payload={"r": 3}
    )
    assert (added, again) == (3, 0)  # idempotent after a crash and a second run
    under_parent = await scheduler.fan_out(child, "note:9", [5], START, guild_id=7, payload={})
    assert under_parent == 1
    await scheduler.run_due()
    assert sorted((c.key, c.payload.get("user_id")) for c in calls) == [
        ("note-to:3:41", 41),
        ("note-to:3:42", 42),
        ("note-to:3:channel", None),
        ("note:9:5", 5),
    ]


async def test_wake_sweeps_what_a_committed_transaction_made_due(db: Database) -> None:
    """A fan-out due now, written outside a sweep, is performed soon, not at the next sweep."""
    clock, calls = ManualClock(START), []
    scheduler = make_scheduler(db, clock, calls)
    scheduler.wake()  # before start-up: nothing to do (start-up sweeps by itself)
    await scheduler.start()
    try:
        # Inserted behind the scheduler's back, as a transaction whose armed wake-up fired
        # before its commit would leave it: nothing is armed for it.
        async with db.transaction() as tx:
            await ledger.insert_occurrence(
                tx, key="note:late", kind="note", guild_id=None, due_at=START, payload={}, now=START
            )
        scheduler.wake()
        for _ in range(100):
            if calls:
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.shutdown()
    assert [c.key for c in calls] == ["note:late"]
