"""What the application and private-opportunity commands and buttons do: checks, one
transaction each, and the DMs they plan. Everything here belongs to one member and is shown
only to them (the digest gets counts, and names only of news a member chose to share)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import guilds
from bot.ui import clip
from cogs.grants import store_applications as store
from cogs.grants.applications import (
    ASK_AGAIN,
    DECIDED,
    PERSONAL_MAX,
    Application,
    ApplicationError,
    Personal,
    check_decision,
    clean_amount,
    default_decision,
    first_ask_at,
    month_counts,
    month_start,
    read_decision,
    read_submitted,
    starts_anew,
    status_from,
)
from cogs.grants.jobs_applications import ApplicationJobs
from cogs.grants.logic import ReminderPlan, clean_name, format_offsets, http_url, plan_reminders
from cogs.grants.messages_applications import answered_text, digest_application_lines

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.grants.service import GrantService

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Applied:
    """What a member typed into /grants applied (each None when not given)."""

    status: str | None = None
    submitted: str | None = None
    amount: str | None = None
    decision_by: str | None = None
    share: bool | None = None


def _kept_decision(current: Application | None, status: str, now: datetime) -> datetime:
    """When a decided application was decided: now, unless it keeps its decision (a change
    of amount or sharing, or the same status again)."""
    if current is not None and current.status == status and current.decided_at is not None:
        return current.decided_at
    return now


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


class ApplicationService:
    def __init__(self, bot: HammingBot, jobs: ApplicationJobs, grants: GrantService) -> None:
        self.bot = bot
        self.jobs = jobs
        self.grants = grants

    # -- applications -----------------------------------------------------------------------------

    async def record(
        self, guild_id: int, user_id: int, grant_text: str, typed: Applied
    ) -> tuple[Application, bool]:
        """Record or update the member's open application to a grant; plans the one question
        a week after the decision is due. Returns it, and whether its decision date is the
        30-day guess (no `decision_by:`, and the grant has no decision_days)."""
        grant = await self.grants.find(guild_id, grant_text)
        zone = await guilds.get_reading_zone(self.bot.db, guild_id, user_id)
        now = self.bot.clock.now()
        current = await store.get_latest_application(self.bot.db, guild_id, user_id, grant.id)
        if current is not None and starts_anew(current, typed.status, typed.submitted):
            current = None
        status = status_from(
            typed.status, typed.submitted is not None, current.status if current else None
        )
        if status == "drafting" and typed.submitted is not None:
            raise ApplicationError(
                "A draft has no submission date: leave out `submitted:`, or pick"
                " `status: submitted`."
            )
        submitted = read_submitted(typed.submitted, zone, now) if typed.submitted else None
        submitted = submitted or (current.submitted_at if current else None)
        if status == "submitted" and submitted is None:
            submitted = now  # "I sent it" with no date: today
        decision_days = await store.get_decision_days(self.bot.db, grant.id)
        decision: datetime | None = None
        guessed = False
        if typed.decision_by is not None:
            decision = read_decision(typed.decision_by, zone, now)
        elif current is not None and current.decision_at is not None and not typed.submitted:
            decision = current.decision_at
        elif submitted is not None:
            decision = default_decision(submitted, decision_days, zone)
            guessed = decision_days is None
        if decision is not None:
            check_decision(decision, submitted, zone)
        app = Application(
            id=current.id if current else 0,
            guild_id=guild_id,
            user_id=user_id,
            grant_id=grant.id,
            grant_name=grant.name,
            status=status,
            submitted_at=submitted,
            decision_at=decision,
            amount=clean_amount(typed.amount)
            if typed.amount
            else (current.amount if current else None),
            share=typed.share if typed.share is not None else bool(current and current.share),
            ask_rev=current.ask_rev if current else 0,
            next_ask_at=None,
            decided_at=None if status not in DECIDED else _kept_decision(current, status, now),
            created_at=current.created_at if current else now,
        )
        app = self._with_question(app, current, now)
        async with self.bot.db.transaction() as tx:
            if current is None:
                app = await store.insert_application(tx, app, now)
            else:
                await store.update_application(tx, app, now)
                if app.ask_rev != current.ask_rev or app.next_ask_at is None:
                    await self.jobs.cancel_asks(app.id)
            await self.jobs.ensure_ask(app)
        log.info(
            "guild %s: member %s recorded application %s (%s)", guild_id, user_id, app.id, status
        )
        return app, guessed

    @staticmethod
    def _with_question(app: Application, current: Application | None, now: datetime) -> Application:
        """The question's number and time: unchanged if the submitted application keeps its
        decision date, a fresh one (a new key) if that date is new, none once decided."""
        if app.status != "submitted" or app.decision_at is None:
            return dataclasses.replace(app, next_ask_at=None)
        if (
            current is not None
            and current.status == "submitted"
            and current.decision_at == app.decision_at
            and current.next_ask_at is not None
        ):
            return dataclasses.replace(app, next_ask_at=current.next_ask_at)
        return dataclasses.replace(
            app,
            ask_rev=current.ask_rev + 1 if current is not None else 0,
            next_ask_at=first_ask_at(app.decision_at, now),
        )

    async def own(self, app_id: int, user_id: int) -> Application:
        """The member's own application; another member's (or none) is refused alike."""
        app = await store.get_application(self.bot.db, app_id)
        if app is None or app.user_id != user_id:
            raise ApplicationError(
                "These buttons belong to another member's application: only they can answer"
                " them. Nothing was changed."
            )
        return app

    async def answer(
        self, app_id: int, ask: int, user_id: int, answer: str
    ) -> tuple[Application, str]:
        """A press on the decision DM: funded, declined, withdrawn, or still waiting (which
        plans the next question two weeks on, under a new key)."""
        app = await self.own(app_id, user_id)
        if app.status != "submitted" or app.ask_rev != ask:
            raise ApplicationError(
                f"You've answered this one already: it's recorded as {app.status.replace('_', ' ')}"
                " (`/grants applications` shows it; `/grants applied` changes it)."
            )
        now = self.bot.clock.now()
        if answer == "waiting":
            new = dataclasses.replace(app, ask_rev=app.ask_rev + 1, next_ask_at=now + ASK_AGAIN)
        else:
            new = dataclasses.replace(app, status=answer, decided_at=now, next_ask_at=None)  # type: ignore[arg-type]  # the button's template allows only statuses
        async with self.bot.db.transaction() as tx:
            if not await store.update_application(tx, new, now, expected=app):
                raise ApplicationError("That was answered a moment ago; nothing else changed.")
            await self.jobs.cancel_asks(app.id)
            await self.jobs.ensure_ask(new)
        log.info("application %s: member %s answered %s", app.id, user_id, answer)
        return new, answered_text(new, answer)

    async def set_decision_days(self, grant_id: int, days: int | None) -> None:
        async with self.bot.db.transaction() as tx:
            await store.update_decision_days(tx, grant_id, days)

    async def digest_lines(self, guild_id: int, now: datetime) -> list[str]:
        since = month_start(now, await guilds.get_guild_zone(self.bot.db, guild_id))
        apps = await store.list_applications_since(self.bot.db, guild_id, since)
        return digest_application_lines(month_counts(apps, since, now))

    # -- private opportunities --------------------------------------------------------------------

    async def add_personal(
        self,
        guild_id: int,
        user_id: int,
        name: str,
        deadline: str,
        url: str | None,
        offsets: str | None,
    ) -> tuple[Personal, ReminderPlan]:
        clean = clean_name(name)
        link = http_url(url) if url else None
        wanted = await self.grants.read_offsets(guild_id, offsets)
        when, zone, _notes = await self.grants.read_deadline(guild_id, user_id, deadline)
        mine = await store.list_member_personal(self.bot.db, guild_id, user_id)
        if len(mine) >= PERSONAL_MAX:
            raise ApplicationError(
                f"You keep {PERSONAL_MAX} private opportunities already; remove one with"
                " `/grants mine remove` first."
            )
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            entry = await store.insert_personal(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                name=clean,
                deadline=when,
                zone=zone,
                url=link,
                offsets=wanted,
                now=now,
            )
            await self.jobs.ensure_personal(entry, now)
        plan = plan_reminders(entry.deadline, entry.offsets, entry.zone, now)
        return entry, plan

    async def find_personal(self, guild_id: int, user_id: int, text: str) -> Personal:
        """One of the member's own entries, by the autocomplete's id or its name."""
        for entry in await store.list_member_personal(self.bot.db, guild_id, user_id):
            if text.strip() == str(entry.id) or text.strip().casefold() == entry.name.casefold():
                return entry
        raise ApplicationError(
            f"You have no private opportunity called '{clip(text, 100)}'; pick one from the"
            " list as you type (`/grants mine list` shows them)."
        )

    async def remove_personal(self, guild_id: int, user_id: int, text: str) -> Personal:
        entry = await self.find_personal(guild_id, user_id, text)
        async with self.bot.db.transaction() as tx:
            await store.delete_personal(tx, guild_id, user_id, entry.id)
            await self.jobs.cancel_personal(entry.id)
        return entry

    # -- the member's data ------------------------------------------------------------------------

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        apps = await store.list_member_applications(self.bot.db, guild_id, user_id)
        mine = await store.list_member_personal(self.bot.db, guild_id, user_id)
        return {
            "applications": [
                {
                    "grant": a.grant_name,
                    "status": a.status,
                    "submitted": _iso(a.submitted_at),
                    "decision_expected": _iso(a.decision_at),
                    "amount": a.amount,
                    "share_news": a.share,
                    "next_question": _iso(a.next_ask_at),
                    "decided": _iso(a.decided_at),
                    "recorded": _iso(a.created_at),
                }
                for a in apps
            ],
            "private_opportunities": [
                {
                    "name": e.name,
                    "deadline": _iso(e.deadline),
                    "deadline_zone": e.deadline_zone,
                    "url": e.url,
                    "offsets_before_deadline": format_offsets(e.offsets),
                }
                for e in mine
            ],
        }
