"""What feedback-swap commands and buttons do: checks, one transaction, a reply.

Every refusal is raised before anything is written, so bad input changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import time
from typing import TYPE_CHECKING

import discord

from bot import guilds, ledger
from bot.db import Transaction
from bot.features import FeatureStatus
from bot.guild_settings import GuildSettings
from bot.timeparse import parse_deadline
from bot.ui import UserError
from cogs.feedback_swaps import messages, store, store_frames, store_rounds
from cogs.feedback_swaps.frames import frame_line
from cogs.feedback_swaps.jobs import ROUND, Rounds, round_key
from cogs.feedback_swaps.logic import (
    TITLE_MAX,
    check_draft_limit,
    check_due,
    check_pause,
    next_round_at,
    parse_length,
    parse_link,
    parse_topics,
    round_slot,
    topics_text,
)
from cogs.feedback_swaps.store import FeedbackSettings

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


REPORT_ROUNDS = 6  # completion rates over this many recent rounds


class Service:
    def __init__(self, bot: HammingBot, rounds: Rounds) -> None:
        self.bot = bot
        self.rounds = rounds
        self.settings = GuildSettings(
            bot.db,
            bot.clock,
            read=store.get_settings,
            write=store.upsert_settings,
            shown=messages.shown_settings,
        )

    # -- settings ----------------------------------------------------------------------------

    async def save_settings(
        self, guild_id: int, actor_id: int, change: Callable[[FeedbackSettings], FeedbackSettings]
    ) -> FeedbackSettings:
        """Change the server's settings, audited, and replan its next round: all at once."""

        async def replan(_tx: Transaction, _old: FeedbackSettings, new: FeedbackSettings) -> None:
            await self.rounds.plan_next_round(new.guild_id, self.bot.clock.now())

        saved = await self.settings.save(guild_id, actor_id, change, after=replan)
        return saved.new

    async def schedule_rounds(
        self,
        guild_id: int,
        actor_id: int,
        *,
        channel_id: int,
        day: int,
        at: time,
        cadence: str,
        reviewers_per_draft: int | None = None,
        draft_limit: int | None = None,
        repeat_window: int | None = None,
    ) -> FeedbackSettings:
        """Turn rounds on in this channel on that day, time and cadence (None: unchanged)."""
        zone = await guilds.get_guild_zone(self.bot.db, guild_id)
        first = next_round_at(
            self.bot.clock.now(), weekday=day, at=at, zone=zone, cadence="weekly", anchor=None
        )

        def change(old: FeedbackSettings) -> FeedbackSettings:
            return old.with_changes(
                enabled=True,
                channel_id=channel_id,
                cadence=cadence,
                weekday=day,
                round_time=f"{at:%H:%M}",
                # Biweekly counts fortnights from the first round after this change.
                anchor_date=round_slot(first, zone),
                reviewers_per_draft=reviewers_per_draft or old.reviewers_per_draft,
                draft_limit=draft_limit or old.draft_limit,
                repeat_window=old.repeat_window if repeat_window is None else repeat_window,
            )

        return await self.save_settings(guild_id, actor_id, change)

    # -- drafts ------------------------------------------------------------------------------

    async def check_can_request(self, guild_id: int, user_id: int) -> FeedbackSettings:
        settings = await store.get_settings(self.bot.db, guild_id)
        drafts = await store.list_member_drafts(self.bot.db, guild_id, user_id)
        check_draft_limit(len(drafts), settings.draft_limit)
        return settings

    async def submit_draft(
        self,
        guild_id: int,
        user_id: int,
        *,
        title: str,
        link: str,
        wanted: str,
        length: str,
        due: str,
        topics: Sequence[str],
        origin: str | None = None,
        frame: str = "any",
    ) -> str:
        db = self.bot.db
        now = self.bot.clock.now()
        clean_title = " ".join(title.split())[:TITLE_MAX]
        clean_wanted = wanted.strip()
        if not clean_title or not clean_wanted:
            raise UserError("Give your draft a title and say what feedback you want.")
        zone = await guilds.get_reading_zone(db, guild_id, user_id)
        upcoming = await self.rounds.next_round(guild_id)
        clean_link = parse_link(link)
        clean_length = parse_length(length)
        parsed = parse_deadline(due, zone, now)
        check_due(parsed.when, now, upcoming)
        settings = await store.get_settings(db, guild_id)
        async with db.transaction() as tx:
            drafts = await store.list_member_drafts(db, guild_id, user_id)
            check_draft_limit(len(drafts), settings.draft_limit)
            draft_id = await store.insert_draft(
                tx,
                guild_id=guild_id,
                author_id=user_id,
                title=clean_title,
                link=clean_link,
                wanted=clean_wanted,
                length=clean_length,
                topics=topics,
                due_at=parsed.when,
                now=now,
            )
            await store_frames.insert_draft_frame(tx, draft_id, frame)
        log.info("guild %s: %s requested feedback on draft %s", guild_id, user_id, draft_id)
        # For features that follow drafts (write-ups); feedback swaps never hear back.
        self.bot.dispatch("feedback_draft_created", guild_id, user_id, draft_id, origin)
        lines = [
            f"Your draft **{clean_title}** is up for feedback ({clean_length}; topics: "
            f"{topics_text(topics)}).",
            f"Feedback needed by {messages.when(parsed.when)}, read as {parsed.describe()}.",
            *parsed.notes,
            *(
                [frame_line(frame, await store_frames.get_member_fields(db, guild_id, user_id))]
                if frame != "any"
                else []
            ),
            f"It is paired with a reviewer in the next round, {messages.when(upcoming)}."
            if upcoming
            else "No round is scheduled yet; a moderator sets one up with `/config feedback "
            "schedule` or runs `/feedback match-now`.",
        ]
        reviewer = await store.get_reviewer(db, guild_id, user_id)
        if reviewer is None or not reviewer.active:
            lines.append(
                "Give to get: join the reviewer pool with `/feedback join` and you are given a "
                "draft to review in the same round."
            )
        return "\n".join(lines)

    async def withdraw(self, guild_id: int, user_id: int, draft_id: int) -> str:
        db = self.bot.db
        draft = await store.get_draft(db, draft_id)
        if draft is None or draft.guild_id != guild_id or draft.author_id != user_id:
            raise UserError(
                "I could not find that draft among yours; pick one of your open drafts from "
                "the list."
            )
        if draft.status not in store.OPEN_STATES:
            raise UserError(f"**{draft.title}** is already closed ({draft.status}).")
        now = self.bot.clock.now()
        told = 0
        async with db.transaction() as tx:
            await store.update_draft_status(tx, draft.id, "withdrawn", now)
            for a in await store_rounds.list_draft_assignments(db, draft.id):
                if not await store_rounds.update_assignment_status(tx, a.id, "withdrawn", now):
                    continue
                await self.rounds.cancel_followups(a.id)
                await self.rounds.cancel_announcement(a.id, "author")
                # A reviewer who was never told about the draft needs no news of its withdrawal.
                if not await self.rounds.cancel_announcement(a.id, "reviewer"):
                    await self.rounds.notice(guild_id, a.reviewer_id, "withdrawn", assignment=a.id)
                    told += 1
        log.info("guild %s: %s withdrew draft %s", guild_id, user_id, draft.id)
        tail = f" I let your {told} reviewer{'s' if told != 1 else ''} know." if told else ""
        return f"Withdrew **{draft.title}**.{tail}"

    # -- the reviewer pool -------------------------------------------------------------------

    async def join(
        self,
        guild_id: int,
        user_id: int,
        topics: str | None,
        per_round: int | None,
        fields: Sequence[str] | None = None,
    ) -> str:
        db = self.bot.db
        settings = await store.get_settings(db, guild_id)
        existing = await store.get_reviewer(db, guild_id, user_id)
        chosen = parse_topics(topics, settings.topics) if topics is not None else None
        if chosen is None:
            chosen = existing.topics if existing else ()
        per = per_round or (existing.per_round if existing else 1)
        async with db.transaction() as tx:
            await store.upsert_reviewer_join(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                topics=chosen,
                per_round=per,
                now=self.bot.clock.now(),
            )
            if fields is not None:
                await store_frames.upsert_member_fields(
                    tx, guild_id, user_id, fields, self.bot.clock.now()
                )
        log.info("guild %s: %s joined the reviewer pool (%d per round)", guild_id, user_id, per)
        upcoming = await self.rounds.next_round(guild_id)
        lines = [
            f"You are in the reviewer pool: up to {per} draft{'s' if per != 1 else ''} per "
            f"round; your topics: {topics_text(chosen)}.",
            f"Next round: {messages.when(upcoming)}." if upcoming else "No round is scheduled yet.",
        ]
        if fields is not None:
            lines.insert(1, f"Your fields: {topics_text(fields)}.")
        if not chosen:
            lines.append(
                "Add topics (`/feedback join topics:`) so you get drafts you know about: "
                f"{', '.join(settings.topics)}."
            )
        if existing and existing.paused_reason == "lapses":
            lines.append("Welcome back: your lapse count starts again at zero.")
        return "\n".join(lines)

    async def leave(self, guild_id: int, user_id: int) -> str:
        db = self.bot.db
        async with db.transaction() as tx:
            left = await store.update_reviewer_leave(tx, guild_id, user_id, self.bot.clock.now())
        if not left:
            raise UserError("You are not in the reviewer pool; nothing to leave.")
        log.info("guild %s: %s left the reviewer pool", guild_id, user_id)
        active = await store_rounds.list_member_reviews(db, guild_id, user_id)
        tail = (
            f" You still have {len(active)} review{'s' if len(active) != 1 else ''} in "
            "progress; `/feedback status` lists them."
            if active
            else ""
        )
        return (
            f"You left the reviewer pool: no new drafts for you.{tail} Rejoin any time with "
            "`/feedback join`."
        )

    async def pause(self, guild_id: int, user_id: int, until: str) -> str:
        db = self.bot.db
        reviewer = await store.get_reviewer(db, guild_id, user_id)
        if reviewer is None or not reviewer.active:
            raise UserError("You are not in the reviewer pool; join with `/feedback join`.")
        now = self.bot.clock.now()
        zone = await guilds.get_reading_zone(db, guild_id, user_id)
        parsed = parse_deadline(until, zone, now)
        check_pause(parsed.when, now)
        async with db.transaction() as tx:
            await store.update_reviewer_pause(
                tx, guild_id, user_id, until=parsed.when, reason="member", now=now
            )
        log.info("guild %s: %s paused reviewing until %s", guild_id, user_id, parsed.when)
        notes = "".join(f"\n{n}" for n in parsed.notes)
        return (
            f"Paused: no drafts to review for you until {messages.when(parsed.when)} (read as "
            f"{parsed.describe()}). Your open drafts still take part. `/feedback join` ends the "
            f"pause early.{notes}"
        )

    async def avoid(
        self, guild_id: int, user_id: int, member: discord.Member | discord.User, remove: bool
    ) -> str:
        if not isinstance(member, discord.Member):
            raise UserError("That person is not a member of this server.")
        if member.bot:
            raise UserError("Bots never take part in feedback swaps.")
        if member.id == user_id:
            raise UserError("You are never paired with yourself; pick someone else.")
        db = self.bot.db
        async with db.transaction() as tx:
            if remove:
                changed = await store.delete_avoid(tx, guild_id, user_id, member.id)
            else:
                changed = await store.insert_avoid(
                    tx, guild_id, user_id, member.id, self.bot.clock.now()
                )
        count = await store.count_member_avoids(db, guild_id, user_id)
        # Confidential: the log names no one, so the list stays private even to log readers.
        log.info("guild %s: %s changed their avoid list", guild_id, user_id)
        if remove:
            head = (
                f"{member.mention} is off your avoid list."
                if changed
                else f"{member.mention} was not on your avoid list."
            )
        else:
            head = (
                f"You will not be paired with {member.mention}, in either direction."
                if changed
                else f"{member.mention} is already on your avoid list."
            )
        return (
            f"{head} This is private: they are never told. Your avoid list has {count} "
            f"member{'s' if count != 1 else ''}."
        )

    # -- what members and moderators read -----------------------------------------------------

    async def status_embed(self, guild_id: int, user_id: int) -> discord.Embed:
        db = self.bot.db
        drafts = await store.list_member_drafts(db, guild_id, user_id)
        reviews = await store_rounds.list_member_reviews(db, guild_id, user_id)
        reviewer = await store.get_reviewer(db, guild_id, user_id)
        idle = None
        if reviewer is not None and reviewer.active:
            latest = await store_rounds.list_rounds(db, guild_id, 1)
            idle = await store_rounds.get_idle(db, latest[0].id, user_id) if latest else None
        return messages.status_embed(
            now=self.bot.clock.now(),
            drafts=[(d, await store_rounds.list_draft_assignments(db, d.id)) for d in drafts],
            reviews=reviews,
            titles=await store.list_drafts_by_id(db, [a.draft_id for a in reviews]),
            reviewer=reviewer,
            idle=idle,
            ledger=await store_rounds.get_ledger(db, guild_id, user_id),
            next_round=await self.rounds.next_round(guild_id),
        )

    async def report_embed(self, guild_id: int) -> discord.Embed:
        db = self.bot.db
        recent = await store_rounds.list_rounds(db, guild_id, REPORT_ROUNDS)
        if not recent:
            return messages.no_round_yet_embed()
        latest = recent[0]
        assignments = await store_rounds.list_round_assignments(db, latest.id)
        unmatched = await store_rounds.list_unmatched(db, latest.id)
        return messages.report_embed(
            recent=recent,
            assignments=assignments,
            unmatched=unmatched,
            idle=await store_rounds.list_idle(db, latest.id),
            drafts=await store.list_drafts_by_id(
                db, sorted({a.draft_id for a in assignments} | {u.draft_id for u in unmatched})
            ),
            recent_statuses=await store_rounds.list_guild_assignment_statuses(
                db, guild_id, [r.id for r in recent]
            ),
        )

    async def feature_status(self, guild_id: int) -> FeatureStatus:
        db = self.bot.db
        now = self.bot.clock.now()
        return messages.feature_status(
            await store.get_settings(db, guild_id),
            pool=sum(1 for r in await store.list_reviewers(db, guild_id) if r.available(now)),
            waiting=len(await store.list_drafts(db, guild_id, ("open",))),
            next_round=await self.rounds.next_round(guild_id),
        )

    # -- a round now ---------------------------------------------------------------------------

    async def check_can_match_now(self, guild_id: int) -> None:
        db = self.bot.db
        running = await ledger.list_occurrences(
            db, guild_id=guild_id, kind=ROUND.name, states=("claimed",)
        )
        if running:
            raise UserError(
                "A round is being computed right now; look at `/feedback report` in a minute."
            )
        if not await store.list_drafts(db, guild_id, ("open",)):
            raise UserError("Nothing to match: no drafts are waiting for a reviewer.")
        now = self.bot.clock.now()
        if not any(r.available(now) for r in await store.list_reviewers(db, guild_id)):
            raise UserError(
                "Nobody is in the reviewer pool (or everyone is paused); nothing was matched."
            )

    async def match_now(self, guild_id: int, user_id: int, interaction_id: int) -> str:
        """Run a round now, outside the schedule; the moderator's answer."""
        slot = f"now-{interaction_id}"
        key = round_key(guild_id, slot)
        await self.bot.scheduler.schedule(
            key,
            ROUND,
            self.bot.clock.now(),
            guild_id=guild_id,
            payload={"slot": slot, "by": user_id},
        )
        await self.bot.scheduler.run_now(key)
        await self.rounds.send_due_now(guild_id)
        log.info("guild %s: %s ran a feedback round now", guild_id, user_id)
        found = await store_rounds.get_round_by_slot(self.bot.db, guild_id, slot)
        if found is None:
            return messages.NOTHING_MATCHED
        return messages.match_now_text(
            await store_rounds.list_round_assignments(self.bot.db, found.id),
            await store_rounds.list_unmatched(self.bot.db, found.id),
            await store_rounds.list_idle(self.bot.db, found.id),
        )
