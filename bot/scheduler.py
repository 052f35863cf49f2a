"""The scheduler: APScheduler for waking up, the delivery ledger for what happens.

The database is the source of truth. APScheduler holds only a wake-up job for the earliest
pending occurrence, a periodic sweep as a safety net, and features' periodic maintenance
jobs; all of it is rebuilt from the database at start-up. Each occurrence runs at most once:
it is claimed in the database before its handler sends anything (see bot/ledger.py).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import ledger
from bot.clock import Clock
from bot.db import Database, Transaction, detach_transaction
from bot.ledger import Occurrence
from bot.metrics import Metrics

log = logging.getLogger(__name__)

Handler = Callable[[Occurrence], Awaitable[None]]
Planner = Callable[[datetime], Awaitable[None]]
SWEEP_EVERY = timedelta(seconds=30)
RETRY_BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
# Recording an outcome after the send (claimed -> done, or back to pending) is retried for
# about 100 s: a claim left behind is resent, and the sooner, the likelier Discord still
# deduplicates it by its nonce.
CONFIRM_RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 30.0)
# A claim this old whose task is not running was abandoned (its confirmation failed for
# good): the sweep puts it back, as start-up does, rather than leave it until a restart.
STALE_CLAIM_AFTER = timedelta(minutes=5)


def fan_out_key(parent_key: str, who: int | str) -> str:
    """A child keyed under its parent's own key: `<parent key>:<member id or channel>`."""
    return f"{parent_key}:{who}"


class SkipOccurrence(Exception):
    """Raised by a handler when the occurrence no longer makes sense (e.g. channel deleted)."""


@dataclass(frozen=True)
class Kind:
    """A kind of scheduled occurrence, declared once by its feature.

    It builds its own keys, so no key string is written out twice: `Kind("checkin-prompt",
    grace, ("guild", "week")).key(guild_id, "2026-W48")` is `checkin-prompt:<guild>:2026-W48`,
    and `.prefix(guild_id)` selects every occurrence of the kind for that server.
    """

    name: str
    # How late an occurrence may still be performed (e.g. after downtime); later is skipped.
    grace: timedelta
    parts: tuple[str, ...] = ("guild",)  # what the key is made of, after the name
    max_attempts: int = 4

    def key(self, *values: object) -> str:
        if len(values) != len(self.parts):
            raise ValueError(f"{self.name} keys are made of {self.parts}, not {values!r}")
        return ":".join((self.name, *(str(v) for v in values)))

    def parent_key(self, *values: object) -> str:
        """The key of the fan-out a child of this kind belongs to: all but its last part."""
        if len(values) != len(self.parts) - 1:
            raise ValueError(f"a parent of {self.name} names all of {self.parts[:-1]}")
        return ":".join((self.name, *(str(v) for v in values)))

    def prefix(self, *values: object) -> str:
        """The start of every key whose first parts are `values` (all of the kind: none)."""
        if len(values) >= len(self.parts):
            raise ValueError(f"a prefix of {self.name} names fewer parts than {self.parts}")
        return ":".join((self.name, *(str(v) for v in values))) + ":"


@dataclass(frozen=True)
class _Registered:
    kind: Kind
    handler: Handler


@dataclass(frozen=True)
class Periodic:
    name: str
    func: Callable[[], Awaitable[object]]
    every: timedelta


class Scheduler:
    def __init__(
        self, db: Database, clock: Clock, metrics: Metrics, *, concurrency: int = 40
    ) -> None:
        self.db = db
        self.clock = clock
        self.metrics = metrics
        self._kinds: dict[str, _Registered] = {}
        # Servers that removed the bot: their occurrences are skipped when due and nothing new
        # is planned for them, so every feature's schedules stop at once without each feature
        # knowing. Re-adding the bot replans: planners are idempotent by key, and done
        # occurrences keep their keys, so nothing is sent twice.
        self.removed_guilds: set[int] = set()
        self._planners: list[tuple[str, Planner]] = []
        self._periodic: dict[str, Periodic] = {}
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(concurrency)
        self._sweep_lock = asyncio.Lock()
        self._jobs: set[asyncio.Task[object]] = set()  # APScheduler runs in flight
        self._stopping = False
        self.started = False
        metrics.describe("hamming_occurrences_total", "Scheduled occurrences by kind and outcome")

    # -- registration (cogs, during setup) -------------------------------------------------

    def register(
        self,
        kind: Kind | str,
        handler: Handler,
        *,
        grace: timedelta | None = None,
        max_attempts: int = 4,
    ) -> None:
        if isinstance(kind, str):  # the older spelling: a bare name and its grace
            assert grace is not None, "a kind registered by name needs its grace"
            kind = Kind(kind, grace, max_attempts=max_attempts)
        if kind.name in self._kinds:
            raise ValueError(f"occurrence kind {kind.name!r} is registered twice")
        self._kinds[kind.name] = _Registered(kind, handler)

    def unregister(self, kind: Kind | str) -> None:
        """Forget a kind (its feature was unloaded); its occurrences wait in the ledger."""
        self._kinds.pop(kind if isinstance(kind, str) else kind.name, None)

    def add_planner(self, name: str, planner: Planner) -> None:
        """A planner makes sure the next occurrences exist (run at start-up)."""
        self._planners.append((name, planner))

    def remove_planner(self, name: str) -> None:
        self._planners = [(n, p) for n, p in self._planners if n != name]

    def remove_periodic(self, name: str) -> None:
        self._periodic.pop(name, None)
        if self._aps.get_job(f"periodic:{name}") is not None:
            self._aps.remove_job(f"periodic:{name}")

    def add_periodic(
        self, name: str, func: Callable[[], Awaitable[object]], every: timedelta
    ) -> None:
        """Maintenance that is not a message (feed refresh, retention purge).

        It runs every `every`, counted from its last successful run as recorded in the
        database, not from start-up: a job that is due runs at start-up.
        """
        if name in self._periodic:
            raise ValueError(f"periodic job {name!r} is added twice")
        periodic = Periodic(name, func, every)
        self._periodic[name] = periodic
        if self.started:  # a feature loaded after start-up

            async def start_late() -> None:
                await self._job(lambda: self._start_periodic(periodic, read=True))()

            task: asyncio.Task[object] = asyncio.create_task(start_late())
            self._jobs.add(task)  # so that shutdown can stop it before it begins
            task.add_done_callback(self._jobs.discard)

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Rebuild from the database: recover in-doubt claims, plan, then catch up."""
        in_doubt = await ledger.requeue_in_doubt(self.db)
        for key in in_doubt:
            log.warning("occurrence %s was in doubt after a stop; retrying with its nonce", key)
        now = self.clock.now()
        for name, planner in self._planners:
            try:
                # One transaction per planner: one commit (one fsync) for all of its servers,
                # not one per server. A planner that fails leaves the ledger as it was.
                async with self.db.transaction():
                    await planner(now)
            except Exception:
                log.exception("planner %s failed at start-up", name)
        # Overdue maintenance before the catch-up: a member due for purge gets nothing more.
        last_runs = await ledger.list_periodic_runs(self.db)
        for periodic in self._periodic.values():
            await self._start_periodic(periodic, last_runs.get(periodic.name))
        self._aps.add_job(
            self._job(self.run_due),
            IntervalTrigger(seconds=SWEEP_EVERY.total_seconds(), timezone=UTC),
            id="sweep",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self._aps.start()
        self.started = True
        await self.run_due()

    async def shutdown(self, grace: float = 5.0) -> None:
        """Stop waking up; let sends in flight finish briefly so they are not left in doubt."""
        if self._aps.running:
            self._aps.shutdown(wait=False)
        self.started = False
        self._stopping = True  # occurrences not yet claimed stay pending for the next start
        tasks = list(self._running.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        # A sweep still running would touch the database after it closes (or be cancelled
        # when the loop ends, which APScheduler logs as an error): stop it here.
        jobs = list(self._jobs)
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)

    @property
    def running(self) -> bool:
        return self.started and bool(self._aps.running)

    # -- what features call -------------------------------------------------------------------

    async def schedule(
        self,
        key: str,
        kind: Kind | str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: Mapping[str, Any] | None = None,
        user_id: int | None = None,
    ) -> bool:
        """Record an occurrence (joining the caller's transaction if any). Idempotent by key.

        `user_id` names the member a send is for, so forgetting them removes it.
        """
        if isinstance(kind, Kind):
            kind = kind.name
        if kind not in self._kinds:
            raise ValueError(f"unknown occurrence kind {kind!r}")
        if guild_id in self.removed_guilds:
            return False
        async with self.db.transaction() as tx:
            added = await ledger.insert_occurrence(
                tx,
                key=key,
                kind=kind,
                guild_id=guild_id,
                due_at=due_at,
                payload=payload or {},
                now=self.clock.now(),
                user_id=user_id,
            )
        if added:
            self._arm(due_at)
        return added

    async def replan(self, planners: Sequence[tuple[str, Planner]] | None = None) -> None:
        """Run the given planners again (default: every one), then what became due.

        Every planner after a server added the bot back; a reloaded feature's own ones.
        """
        now = self.clock.now()
        for name, planner in list(self._planners if planners is None else planners):
            try:
                async with self.db.transaction():
                    await planner(now)
            except Exception:
                log.exception("planner %s failed while replanning", name)
        await self.run_due()

    async def fan_out(
        self,
        child: Kind,
        parent: Sequence[object] | str,
        recipients: Iterable[int | None],
        due_at: datetime,
        *,
        guild_id: int | None,
        payload: Mapping[str, Any],
    ) -> int:
        """One `child` occurrence per recipient, in one transaction; returns how many are new.

        A child's key is `child.key(*parent, <member id>)` (`channel` for None): the parent's
        values, then who it is for; or, when `parent` is the parent's key itself (kinds whose
        children were always keyed under their parent), `fan_out_key(parent, <member id>)`.
        Its payload is `payload` plus `user_id`, and it names its member, so /me forget
        removes it. Idempotent: a fan-out that runs again after a crash adds only the children
        it had not added.
        """
        added = 0
        async with self.db.transaction():
            for recipient in recipients:
                who = "channel" if recipient is None else recipient
                added += await self.schedule(
                    fan_out_key(parent, who)
                    if isinstance(parent, str)
                    else child.key(*parent, who),
                    child,
                    due_at,
                    guild_id=guild_id,
                    payload={**payload, "user_id": recipient},
                    user_id=recipient,
                )
        return added

    async def run_now(self, key: str) -> None:
        """Perform one occurrence a command has just made due, without the global sweep.

        Waits until it is done. Does nothing to an occurrence that is not pending and due
        (the claim checks both), and joins a sweep that is already performing it.
        """
        # No await between looking and registering: a sweep that starts the same key
        # either finds this task or was found here, so the key is never performed twice.
        running = self._running.get(key)
        if running is None:
            if self._stopping:
                return
            running = self._start(key)
        await asyncio.wait([running])

    def wake(self) -> None:
        """Sweep now, in the background, for occurrences made due in a transaction that has
        since committed (a command, a gateway event): the wake-up armed inside it may have
        fired before the commit and found nothing, leaving them to the 30-second sweep."""
        if not self.started:
            return  # start-up sweeps by itself

        async def sweep() -> None:
            await self._job(self.run_due)()

        task: asyncio.Task[object] = asyncio.create_task(sweep())
        self._jobs.add(task)  # so that shutdown stops it
        task.add_done_callback(self._jobs.discard)

    async def reschedule(self, key: str, due_at: datetime) -> bool:
        async with self.db.transaction() as tx:
            moved = await ledger.move_pending(tx, key, due_at)
        if moved:
            self._arm(due_at)
        return moved

    async def cancel(self, *, key: str | None = None, prefix: str | None = None) -> int:
        async with self.db.transaction() as tx:
            return await ledger.cancel_pending(tx, key=key, prefix=prefix)

    async def run_due(self) -> int:
        """Perform every pending occurrence that is due now; returns how many were started.

        Waits for them to finish, so tests that move the clock can call it and then look.
        """
        async with self._sweep_lock:
            started: list[asyncio.Task[None]] = []
            if not self._stopping:
                try:
                    await self.requeue_stale_claims()
                except sqlite3.Error:
                    # The sends that are due must not wait for this; the next sweep tries again.
                    log.warning("could not requeue stuck claims", exc_info=True)
            while True:
                keys = await ledger.list_due_keys(self.db, self.clock.now(), limit=500)
                fresh = [k for k in keys if k not in self._running]
                if not fresh:
                    break
                started += [self._start(key) for key in fresh]
                # wait, not gather: cancelling this sweep (the bot stopping) must not cancel
                # sends in flight, which would leave them in doubt; shutdown lets them finish.
                await asyncio.wait(started)
            await self._rearm_from_database()
            return len(started)

    async def requeue_stale_claims(self) -> list[str]:
        """Claims older than STALE_CLAIM_AFTER and not in flight go back to pending."""
        cutoff = self.clock.now() - STALE_CLAIM_AFTER
        stuck = [
            key
            for key in await ledger.list_claimed_before(self.db, cutoff)
            if key not in self._running
        ]
        requeued = []
        for key in stuck:
            async with self.db.transaction() as tx:
                if not await ledger.requeue_claim(
                    tx, key, cutoff, "in doubt: its confirmation was never recorded"
                ):
                    continue
            requeued.append(key)
            log.warning(
                "occurrence %s was stuck claimed since before %s with nothing running it;"
                " retrying with its nonce",
                key,
                cutoff.isoformat(),
            )
        return requeued

    # -- internals ---------------------------------------------------------------------------

    def _start(self, key: str) -> asyncio.Task[None]:
        """Perform `key` in a task of its own, registered as running until it ends (the sweep
        and run_now both look here first, so a key never runs twice at once)."""
        task = asyncio.create_task(self._perform(key), name=f"occurrence:{key}")
        self._running[key] = task
        task.add_done_callback(self._forget_task)
        return task

    def _forget_task(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task.get_name().removeprefix("occurrence:"), None)

    async def _perform(self, key: str) -> None:
        # This task was created by a sweep that may run in a context copied from a
        # transaction long since committed: the claim, handler and finish start outside it.
        detach_transaction()
        async with self._slots:
            if self._stopping:
                return
            now = self.clock.now()
            async with self.db.transaction() as tx:
                current = await ledger.claim(tx, key, now)
                if current is None:
                    return  # someone else has it, or it is no longer pending
                registered = self._kinds.get(current.kind)
                if registered is None:
                    await ledger.finish(tx, key, "failed", now, "no handler for this kind")
                    log.error("occurrence %s has unknown kind %s", key, current.kind)
                    self._count(current.kind, "failed")
                    return
                kind = registered.kind
                late = now - current.due_at
                if late > kind.grace:
                    reason = f"missed by {late} (grace {kind.grace})"
                    await ledger.finish(tx, key, "skipped", now, reason)
                    log.warning("skipped %s: %s", key, reason)
                    self._count(current.kind, "skipped")
                    return
            await self._run_handler(registered, current)

    async def _run_handler(self, registered: _Registered, occurrence: Occurrence) -> None:
        key = occurrence.key
        kind = registered.kind
        try:
            if occurrence.guild_id in self.removed_guilds:
                raise SkipOccurrence("the bot was removed from this server")
            await registered.handler(occurrence)
        except SkipOccurrence as exc:
            await self._finish(key, "skipped", str(exc))
            log.info("skipped %s: %s", key, exc)
            self._count(kind.name, "skipped")
        except Exception as exc:
            reference = secrets.token_hex(4)
            error = f"{type(exc).__name__}: {exc} (ref {reference})"
            if occurrence.attempts < kind.max_attempts:
                backoff = RETRY_BACKOFF[min(occurrence.attempts - 1, len(RETRY_BACKOFF) - 1)]
                retry_at = self.clock.now() + backoff
                await self._record(
                    key, "a retry", lambda tx: ledger.release_for_retry(tx, key, retry_at, error)
                )
                self._arm(retry_at)
                log.warning(
                    "occurrence %s failed (attempt %d, ref %s); retrying at %s",
                    key,
                    occurrence.attempts,
                    reference,
                    retry_at.isoformat(),
                    exc_info=True,
                )
                self._count(kind.name, "retried")
            else:
                await self._finish(key, "failed", error)
                log.exception("occurrence %s failed for good (ref %s)", key, reference)
                self._count(kind.name, "failed")
        else:
            await self._finish(key, "done", None)
            self._count(kind.name, "done")

    async def _finish(self, key: str, state: ledger.State, error: str | None) -> None:
        await self._record(
            key, state, lambda tx: ledger.finish(tx, key, state, self.clock.now(), error)
        )

    async def _record(
        self, key: str, what: str, write: Callable[[Transaction], Awaitable[None]]
    ) -> None:
        """Record an outcome after the send, retrying with backoff: a claim left behind is
        sent again, so a full disk or a long-busy database must not end the task here."""
        for delay in (*CONFIRM_RETRY_DELAYS, None):
            try:
                async with self.db.transaction() as tx:
                    await write(tx)
                return
            except sqlite3.Error as exc:
                if delay is None:
                    log.error(
                        "occurrence %s: could not record %s (%s); it stays claimed and the"
                        " sweep retries it with its nonce after %s",
                        key,
                        what,
                        exc,
                        STALE_CLAIM_AFTER,
                    )
                    return
                log.warning(
                    "occurrence %s: recording %s failed (%s); retrying in %.1f s",
                    key,
                    what,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)

    def _count(self, kind: str, outcome: str) -> None:
        self.metrics.inc("hamming_occurrences_total", kind=kind, outcome=outcome)

    def _arm(self, due_at: datetime, *, rearming: bool = False) -> None:
        """Make sure a wake-up fires no later than `due_at` (on the injected clock)."""
        if not self._aps.running:
            return
        if self._sweep_lock.locked() and not rearming and due_at <= self.clock.now():
            # A sweep is running: it performs what is due before it ends and re-arms from the
            # database. A wake-up now would only be refused by APScheduler (one run_due at a
            # time), logging a warning per scheduled child of a fan-out.
            return
        wait = max((due_at - self.clock.now()).total_seconds(), 0.0)
        run_at = datetime.now(UTC) + timedelta(seconds=wait)
        job = self._aps.get_job("wake")
        if job is not None and job.next_run_time is not None and job.next_run_time <= run_at:
            return
        self._aps.add_job(
            self._job(self.run_due),
            DateTrigger(run_date=run_at, timezone=UTC),
            id="wake",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _rearm_from_database(self) -> None:
        next_due = await ledger.get_next_due(self.db)
        job = self._aps.get_job("wake") if self._aps.running else None
        if job is not None:
            job.remove()
        if next_due is not None:
            self._arm(next_due, rearming=True)

    def _job(self, func: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        """An APScheduler job that shutdown can cancel; a cancel is a stop, not an error."""

        async def run() -> None:
            # APScheduler's timer was armed wherever add_job was last called, perhaps inside a
            # transaction: its context (copied into this job) must not carry that in.
            detach_transaction()
            task = asyncio.current_task()
            if task is not None:
                self._jobs.add(task)
            try:
                await func()
            except asyncio.CancelledError:
                log.debug("a scheduler job was stopped by shutdown")
            finally:
                if task is not None:
                    self._jobs.discard(task)

        return run

    async def _start_periodic(
        self, periodic: Periodic, last_run: datetime | None = None, *, read: bool = False
    ) -> None:
        """Run the job now if it is due by its recorded last run, then every interval."""
        if read:
            last_run = (await ledger.list_periodic_runs(self.db)).get(periodic.name)
        now = self.clock.now()
        if last_run is None or now - last_run >= periodic.every:
            await self._run_periodic(periodic)
            wait = periodic.every
        else:
            wait = periodic.every - (now - last_run)
        # add_job works before APScheduler starts too: the job then waits for the start.
        self._aps.add_job(
            self._job(lambda: self._run_periodic(periodic)),
            IntervalTrigger(seconds=periodic.every.total_seconds(), timezone=UTC),
            id=f"periodic:{periodic.name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC) + wait,
        )

    async def _run_periodic(self, periodic: Periodic) -> None:
        """One run; only a success is recorded, so a failed run is tried at the next start."""
        started_at = self.clock.now()
        try:
            await periodic.func()
        except Exception:
            log.exception("periodic job %s failed", periodic.name)
            return
        try:
            async with self.db.transaction() as tx:
                await ledger.record_periodic_run(tx, periodic.name, started_at)
        except sqlite3.Error:
            # It ran; at worst it runs once more at the next start-up.
            log.warning("could not record the run of periodic job %s", periodic.name, exc_info=True)
