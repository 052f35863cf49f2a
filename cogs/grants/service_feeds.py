"""Importing deadlines from iCalendar feeds: /grants import and the daily refresh (upsert by UID).

The refresh's occurrence is planned and performed in jobs.py, which calls refresh_guild.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot import guilds
from cogs.grants import store
from cogs.grants.feed_parse import FeedError, ParsedFeed
from cogs.grants.feed_worker import parse_in_worker
from cogs.grants.feeds import check_feed_url, fetch_calendar, redact_url
from cogs.grants.jobs import GrantJobs
from cogs.grants.logic import Grant, GrantError, name_key, unique_name, upsert_action

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# Each parse is a child process of up to 512 MiB; two at once bound what imports can cost.
PARSE_SLOTS = 2


@dataclass
class ImportReport:
    url: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    past: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.removed:
            parts.append(f"{len(self.removed)} removed (cancelled in the feed)")
        if self.past:
            parts.append(f"{self.past} past, not imported")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts)


class FeedImporter:
    def __init__(self, bot: HammingBot, jobs: GrantJobs) -> None:
        self.bot = bot
        self.jobs = jobs
        self._parse_slots = asyncio.Semaphore(PARSE_SLOTS)

    async def import_url(self, guild_id: int, url_text: str, actor_id: int) -> ImportReport:
        """Fetch, parse and upsert one feed; FeedError (nothing changed) if it is unusable."""
        url = str(check_feed_url(url_text))
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        body = await fetch_calendar(url, allow_private=self.bot.settings.fetch_allow_private)
        now = self.bot.clock.now()
        async with self._parse_slots:
            # Off the event loop, in a process that is killed at its time and memory limits.
            parsed = await parse_in_worker(body, zone, now)
        if not parsed.events:
            why = f" ({'; '.join(parsed.skipped[:3])})" if parsed.skipped else ""
            raise FeedError(f"The feed has no events I can use{why}.")
        async with self.bot.db.transaction() as tx:
            feed = await store.get_or_insert_feed(tx, guild_id, url, actor_id, now)
            report = await self._upsert(guild_id, feed.id, url, parsed, actor_id, now)
            await store.update_feed_status(self.bot.db, feed.id, fetched_at=now, error=None)
        await self.jobs.ensure_refresh(guild_id, now)
        log.info(
            "guild %s: %s imported %s: %s", guild_id, actor_id, redact_url(url), report.summary()
        )
        return report

    async def refresh_guild(self, guild_id: int) -> list[tuple[str, ImportReport | str]]:
        """Re-read every feed of a server; each feed's outcome (a report or the error).

        A feed that fails, for whatever reason, records its error and the next feed is still
        read: one bad feed must not stop a server's other feeds from refreshing every day.
        """
        outcomes: list[tuple[str, ImportReport | str]] = []
        for feed in await store.list_feeds(self.bot.db, guild_id):
            try:
                report = await self.import_url(guild_id, feed.url, feed.added_by)
            except (FeedError, GrantError) as exc:
                error = str(exc)
                log.warning(
                    "guild %s: refreshing feed %s (%s) failed: %s",
                    guild_id,
                    feed.id,
                    redact_url(feed.url),
                    exc,
                )
            except Exception:
                error = "an unexpected error while importing it (the bot's log has the details)"
                log.exception(
                    "guild %s: refreshing feed %s (%s) failed",
                    guild_id,
                    feed.id,
                    redact_url(feed.url),
                )
            else:
                outcomes.append((feed.url, report))
                continue
            await store.update_feed_status(
                self.bot.db, feed.id, fetched_at=self.bot.clock.now(), error=error
            )
            outcomes.append((feed.url, error))
        return outcomes

    async def _upsert(
        self,
        guild_id: int,
        feed_id: int,
        url: str,
        parsed: ParsedFeed,
        actor_id: int,
        now: datetime,
    ) -> ImportReport:
        """Inside the caller's transaction: add, update or remove grants by the feed's UIDs."""
        report = ImportReport(url, skipped=list(parsed.skipped))
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        taken = await store.list_name_keys(self.bot.db, guild_id)
        async with self.bot.db.transaction() as tx:
            for event in parsed.events:
                existing = await store.get_grant_by_source(self.bot.db, feed_id, event.uid)
                action = upsert_action(existing, event)
                if action == "unchanged":
                    report.unchanged += 1
                elif action == "remove" and existing is not None:
                    await store.delete_grant(tx, guild_id, existing.id)
                    await self.jobs.cancel(existing.id)
                    taken.discard(name_key(existing.name))
                    report.removed.append(existing.name)
                elif action == "add":
                    if event.deadline <= now:
                        report.past += 1
                        continue
                    name = unique_name(event.name, taken, event.deadline, zone)
                    grant = await store.insert_grant(
                        tx,
                        guild_id=guild_id,
                        name=name,
                        deadline=event.deadline,
                        deadline_zone=zone.key,
                        rolling=False,
                        url=event.url,
                        funder=None,
                        notes=event.notes,
                        # a daily refresh of a forgotten member's feed credits nobody
                        created_by=actor_id or None,
                        now=now,
                        feed_id=feed_id,
                        source_uid=event.uid,
                        source_hash=event.fingerprint,
                    )
                    taken.add(name_key(name))
                    await self.jobs.ensure(grant, now)
                    report.added.append(name)
                elif action == "update" and existing is not None:
                    taken.discard(name_key(existing.name))
                    name = unique_name(event.name, taken, event.deadline, zone)
                    taken.add(name_key(name))
                    moved = existing.deadline != event.deadline
                    updated: Grant = dataclasses.replace(
                        existing,
                        name=name,
                        deadline=event.deadline,
                        deadline_zone=zone.key if moved else existing.deadline_zone,
                        rolling=False,
                        url=event.url,
                        notes=event.notes,
                        source_hash=event.fingerprint,
                        schedule_rev=existing.schedule_rev + (1 if moved else 0),
                    )
                    await store.update_grant(tx, updated, now)
                    if moved:
                        await self.jobs.cancel(existing.id)
                        await self.jobs.ensure(updated, now)
                        # A feed moving a deadline tells people, as an edit does.
                        await self.jobs.announce_move(existing, updated, now)
                    report.updated.append(name)
        return report
