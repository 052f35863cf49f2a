"""What write-up commands and buttons do: validation, transactions, the announcement and nudge
plans, and the feedback-swap events' stage moves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import discord

from bot.charts import counts_chart_png
from bot.client import HammingBot
from bot.db import Transaction
from bot.guild_settings import GuildSettings
from bot.ui import UserError
from cogs.writeups import messages, store
from cogs.writeups.jobs import Jobs
from cogs.writeups.logic import (
    after_draft_created,
    after_swap_completed,
    check_stage,
    clean_title,
    months_back,
    published_per_month,
    recognise_link,
    stage_counts,
)
from cogs.writeups.store import Writeup, WriteupSettings

log = logging.getLogger(__name__)

STATS_MONTHS = 12


@dataclass(frozen=True)
class Changes:
    """What `/writeup update` (or publish) asked to change; None leaves a field alone."""

    title: str | None = None
    link: str | None = None
    stage: str | None = None
    private: bool | None = None


class Service:
    def __init__(self, bot: HammingBot, jobs: Jobs) -> None:
        self.bot = bot
        self.jobs = jobs
        self.settings = GuildSettings(
            bot.db,
            bot.clock,
            read=store.get_settings,
            write=store.upsert_settings,
            shown=messages.shown_settings,
        )

    async def save_settings(
        self, guild_id: int, actor_id: int, change: Callable[[WriteupSettings], WriteupSettings]
    ) -> WriteupSettings:
        """Change the settings, audited; a new nudge interval moves every pending nudge."""

        async def replan(tx: Transaction, old: WriteupSettings, new: WriteupSettings) -> None:
            if old.nudge_weeks != new.nudge_weeks:
                await self.jobs.replan_guild(guild_id, new.nudge_weeks)

        return (await self.settings.save(guild_id, actor_id, change, after=replan)).new

    async def own(self, guild_id: int, user_id: int, value: str) -> Writeup:
        """The member's own write-up picked from autocomplete; anyone else's is refused."""
        found = None
        if value.strip().lstrip("#").isdigit():
            found = await store.get_writeup(self.bot.db, int(value.strip().lstrip("#")))
        if found is None or found.guild_id != guild_id or found.author_id != user_id:
            raise UserError(
                "I could not find that write-up among yours. Pick one of your write-ups from "
                "the list as you type (you can only change your own)."
            )
        return found

    async def add(
        self,
        guild_id: int,
        user_id: int,
        *,
        title: str,
        link: str | None,
        stage: str,
        private: bool,
    ) -> Writeup:
        text = clean_title(title)
        url = recognise_link(link).url if link else None
        check_stage(stage)
        now = self.bot.clock.now()
        settings = await self.settings.get(guild_id)
        async with self.bot.db.transaction() as tx:
            writeup_id = await store.insert_writeup(
                tx,
                guild_id=guild_id,
                author_id=user_id,
                title=text,
                link=url,
                stage=stage,
                private=private,
                now=now,
            )
            w = await store.get_writeup(tx, writeup_id)
            assert w is not None  # inserted just now, in this transaction
            await self.jobs.plan_nudge(w, settings.nudge_weeks)
            key = await self.jobs.schedule_announcement(w, now) if stage == "published" else None
        log.info("guild %s: %s added write-up %s (%s)", guild_id, user_id, w.id, stage)
        await self._announce(key)
        return w

    async def update(self, guild_id: int, user_id: int, value: str, changes: Changes) -> Writeup:
        w = await self.own(guild_id, user_id, value)
        title = clean_title(changes.title) if changes.title is not None else w.title
        link = recognise_link(changes.link).url if changes.link is not None else w.link
        stage = check_stage(changes.stage) if changes.stage is not None else w.stage
        private = changes.private if changes.private is not None else w.private
        if stage == "published" and not link:
            raise UserError(
                "A published write-up needs its link: use `/writeup publish writeup: url:`."
            )
        now = self.bot.clock.now()
        settings = await self.settings.get(guild_id)
        async with self.bot.db.transaction() as tx:
            new = await store.update_writeup(
                tx, w, title=title, link=link, stage=stage, private=private, now=now
            )
            await self.jobs.plan_nudge(new, settings.nudge_weeks)
            key = await self.jobs.schedule_announcement(new, now) if stage == "published" else None
        log.info("guild %s: %s updated write-up %s (%s)", guild_id, user_id, w.id, stage)
        await self._announce(key)
        return new

    async def publish(self, guild_id: int, user_id: int, value: str, url: str) -> Writeup:
        recognise_link(url)  # a bad URL is refused before anything else is looked at
        return await self.update(guild_id, user_id, value, Changes(link=url, stage="published"))

    async def _announce(self, key: str | None) -> None:
        # After the commit: the occurrence is in the ledger, so a crash here still posts it
        # once (at start-up), and a second publish finds its key taken.
        if key is not None:
            await self.bot.scheduler.run_now(key)

    async def remove(self, guild_id: int, user_id: int, writeup_id: int) -> Writeup | None:
        w = await store.get_writeup(self.bot.db, writeup_id)
        if w is None:
            return None
        if w.guild_id != guild_id or w.author_id != user_id:
            raise UserError("You can only remove your own write-ups.")
        async with self.bot.db.transaction() as tx:
            await store.delete_writeup(tx, w.id)
        log.info("guild %s: %s removed write-up %s", guild_id, user_id, w.id)
        return w

    async def set_nudges(self, guild_id: int, user_id: int, on: bool) -> None:
        async with self.bot.db.transaction() as tx:
            await store.set_nudges_on(tx, guild_id, user_id, on, self.bot.clock.now())

    # -- feedback swaps' events ----------------------------------------------------------------

    async def draft_created(
        self, guild_id: int, user_id: int, draft_id: int, writeup_id: int
    ) -> None:
        """The member's feedback-swap draft for a write-up exists: it is out for feedback."""
        w = await store.get_writeup(self.bot.db, writeup_id)
        if w is None or w.guild_id != guild_id or w.author_id != user_id:
            return
        now = self.bot.clock.now()
        settings = await self.settings.get(guild_id)
        async with self.bot.db.transaction() as tx:
            await store.set_feedback_draft(tx, w.id, draft_id, now)
            stage = after_draft_created(w.stage)
            if stage is not None:
                new = await store.update_writeup(
                    tx, w, title=w.title, link=w.link, stage=stage, private=w.private, now=now
                )
                await self.jobs.plan_nudge(new, settings.nudge_weeks)
        log.info("guild %s: write-up %s has feedback draft %s", guild_id, w.id, draft_id)

    async def swap_completed(self, guild_id: int, draft_id: int) -> None:
        """A review of the write-up's draft is done: time to revise."""
        w = await store.get_writeup_by_draft(self.bot.db, draft_id)
        if w is None or w.guild_id != guild_id:
            return
        stage = after_swap_completed(w.stage)
        if stage is None:
            return
        now = self.bot.clock.now()
        settings = await self.settings.get(guild_id)
        async with self.bot.db.transaction() as tx:
            new = await store.update_writeup(
                tx, w, title=w.title, link=w.link, stage=stage, private=w.private, now=now
            )
            await self.jobs.plan_nudge(new, settings.nudge_weeks)
        log.info("guild %s: write-up %s moved to revising after its feedback swap", guild_id, w.id)

    # -- reading -------------------------------------------------------------------------------

    async def stats(self, guild_id: int) -> tuple[discord.Embed, discord.File]:
        now = self.bot.clock.now()
        months = months_back(now, STATS_MONTHS)
        since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=31 * (STATS_MONTHS - 1)
        )
        series = published_per_month(
            await store.list_published_times(self.bot.db, guild_id, since), months
        )
        counts = stage_counts(await store.list_stages(self.bot.db, guild_id))
        png = await asyncio.to_thread(
            counts_chart_png,
            series,
            f"Write-ups published, last {STATS_MONTHS} months",
            "posts",
            "Nothing published yet",
        )
        return messages.stats_card(counts, series, png)
