"""Read-only views of feedback swaps: a member's status, the moderators' report, the checklist."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.features import FeatureStatus
from bot.time import discord_timestamp
from bot.ui import clip, embed
from cogs.feedback_swaps import store
from cogs.feedback_swaps.rounds import Rounds, settings_summary
from cogs.feedback_swaps.rules import LAPSES_TO_PAUSE, completion, member_reason, topics_text

if TYPE_CHECKING:
    from bot.client import HammingBot

FIELD_MAX = 1000
REPORT_ROUNDS = 6  # completion rates over this many recent rounds
STATUS_WORDS = {
    "active": "in progress",
    "done": "done",
    "cancelled": "declined",
    "lapsed": "lapsed",
    "withdrawn": "withdrawn",
}


def _lines(lines: list[str], limit: int, empty: str) -> str:
    """Join lines within `limit` characters, saying how many did not fit."""
    if not lines:
        return empty
    shown: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        more = f"… and {len(lines) - i} more"
        if used + len(line) + 1 > limit - len(more) - 1:
            shown.append(more)
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown)


def _when(instant: datetime) -> str:
    return discord_timestamp(instant, "R")


async def status_embed(
    bot: HammingBot, rounds: Rounds, guild_id: int, user_id: int
) -> discord.Embed:
    db = bot.db
    now = bot.clock.now()
    card = embed("Your feedback swaps")
    drafts = await store.list_member_drafts(db, guild_id, user_id)
    draft_lines = []
    for d in drafts:
        reviewers = [
            f"<@{a.reviewer_id}> ({STATUS_WORDS[a.status]})"
            for a in await store.list_draft_assignments(db, d.id)
            if a.status != "cancelled"
        ]
        state = (
            "reviewers: " + ", ".join(reviewers)
            if d.status == "in_review" and reviewers
            else "waiting for the next round"
            + (f" (waited {d.carried_rounds})" if d.carried_rounds else "")
        )
        draft_lines.append(f"**{clip(d.title, 80)}**: needed by {_when(d.due_at)}; {state}")
    card.add_field(
        name="Your open drafts",
        value=_lines(draft_lines, FIELD_MAX, "None. Ask for feedback with `/feedback request`."),
        inline=False,
    )
    reviews = await store.list_member_reviews(db, guild_id, user_id)
    titles = await store.list_drafts_by_id(db, [a.draft_id for a in reviews])
    review_lines = [
        f"[{clip(titles[a.draft_id].title, 80)}]({titles[a.draft_id].link}) by "
        f"<@{a.author_id}>: due {_when(a.due_at)}"
        for a in reviews
        if a.draft_id in titles
    ]
    card.add_field(
        name="Drafts you are reviewing",
        value=_lines(review_lines, FIELD_MAX, "None right now."),
        inline=False,
    )
    reviewer = await store.get_reviewer(db, guild_id, user_id)
    if reviewer is None or not reviewer.active:
        pool = "Not in the reviewer pool. Join with `/feedback join` (give to get)."
    else:
        pool = (
            f"In the pool: up to {reviewer.per_round} per round; topics: "
            f"{topics_text(reviewer.topics)}; lapses {reviewer.lapses} of {LAPSES_TO_PAUSE}."
        )
        if reviewer.paused_reason == "lapses":
            pool += " Paused after lapsed reviews: `/feedback join` to rejoin."
        elif reviewer.paused_until is not None and reviewer.paused_until > now:
            pool += f" Paused until {discord_timestamp(reviewer.paused_until, 'F')}."
        latest = await store.list_rounds(db, guild_id, 1)
        idle = await store.get_idle(db, latest[0].id, user_id) if latest else None
        if idle is not None:
            pool += f"\nLast round you got no draft: {member_reason(idle.reason)}."
    card.add_field(name="Reviewer pool", value=clip(pool, 1024), inline=False)
    ledger = await store.get_ledger(db, guild_id, user_id)
    card.add_field(name="Ledger", value=ledger.describe(), inline=False)
    upcoming = await rounds.next_round(guild_id)
    if upcoming is not None:
        card.add_field(name="Next round", value=discord_timestamp(upcoming, "F"), inline=False)
    return card


async def report_embed(bot: HammingBot, guild_id: int) -> discord.Embed:
    db = bot.db
    recent = await store.list_rounds(db, guild_id, REPORT_ROUNDS)
    if not recent:
        return embed(
            "Feedback swaps report",
            "No round has run yet. Set the schedule with `/config feedback schedule`, or run "
            "`/feedback match-now`.",
        )
    latest = recent[0]
    assignments = await store.list_round_assignments(db, latest.id)
    unmatched = await store.list_unmatched(db, latest.id)
    idle = await store.list_idle(db, latest.id)
    drafts = await store.list_drafts_by_id(
        db, sorted({a.draft_id for a in assignments} | {u.draft_id for u in unmatched})
    )

    def title(draft_id: int) -> str:
        d = drafts.get(draft_id)
        return f"**{clip(d.title, 60)}** (<@{d.author_id}>)" if d else f"draft {draft_id}"

    lines = [
        f"{title(a.draft_id)} ← <@{a.reviewer_id}> · {STATUS_WORDS[a.status]}"
        + (f" · {a.rating}/5" if a.rating else "")
        + f"\n  {clip(a.reason, 200)}"
        for a in assignments
    ]
    how = f"match-now by <@{latest.triggered_by}>" if latest.triggered_by else "scheduled"
    card = embed(
        f"Feedback round of {latest.started_at:%d %b %Y}",
        f"{discord_timestamp(latest.started_at, 'F')} ({how}); "
        f"{latest.reviewers_per_draft} reviewer(s) per draft.\n\n"
        + _lines(lines, 2800, "No assignments."),
    )
    card.add_field(
        name="Drafts short of reviewers",
        value=_lines(
            [f"{title(u.draft_id)}: {clip(u.reason, 150)}" for u in unmatched],
            FIELD_MAX,
            "None: every draft got its reviewers.",
        ),
        inline=False,
    )
    card.add_field(
        name="Reviewers without a draft",
        value=_lines([f"<@{i.user_id}>: {clip(i.reason, 150)}" for i in idle], FIELD_MAX, "None."),
        inline=False,
    )
    this_round = completion(a.status for a in assignments)
    overall = completion(
        await store.list_guild_assignment_statuses(db, guild_id, [r.id for r in recent])
    )
    card.add_field(
        name="Completion",
        value=f"This round: {this_round.describe()}\n"
        f"Last {len(recent)} round{'s' if len(recent) != 1 else ''}: {overall.describe()}",
        inline=False,
    )
    return card


async def feature_status(bot: HammingBot, rounds: Rounds, guild_id: int) -> FeatureStatus:
    settings = await store.get_settings(bot.db, guild_id)
    pool = [r for r in await store.list_reviewers(bot.db, guild_id) if r.available(bot.clock.now())]
    waiting = await store.list_drafts(bot.db, guild_id, ("open",))
    counts = f"{len(pool)} in the reviewer pool, {len(waiting)} draft(s) waiting"
    if not settings.enabled or settings.channel_id is None:
        return FeatureStatus(
            "Feedback swaps",
            False,
            f"No schedule. A moderator sets it with `/config feedback schedule` ({counts}).",
        )
    upcoming = await rounds.next_round(guild_id)
    when = f"; next round {discord_timestamp(upcoming, 'R')}" if upcoming else ""
    return FeatureStatus("Feedback swaps", True, f"{settings_summary(settings)}; {counts}{when}.")


async def match_now_text(bot: HammingBot, guild_id: int, slot: str) -> str:
    """The moderator's answer after `/feedback match-now`."""
    found = await store.get_round_by_slot(bot.db, guild_id, slot)
    if found is None:
        return (
            "Nothing was matched: every waiting draft's due date was less than a day away (their "
            "authors were told), or the round could not run. `/feedback report` shows the last "
            "round."
        )
    assignments = await store.list_round_assignments(bot.db, found.id)
    unmatched = await store.list_unmatched(bot.db, found.id)
    idle = await store.list_idle(bot.db, found.id)
    drafts = len({a.draft_id for a in assignments} | {u.draft_id for u in unmatched})
    carried = sum(1 for u in unmatched if u.assigned == 0)
    partial = len(unmatched) - carried
    reviewers = len({a.reviewer_id for a in assignments})
    lines = [
        f"Round done: {len(assignments)} assignment(s) for {drafts} draft(s) by {reviewers} "
        "reviewer(s); both sides were told privately."
    ]
    if carried:
        lines.append(
            f"{carried} draft(s) got no reviewer: their authors were told, and they go "
            "first next round."
        )
    if partial:
        lines.append(f"{partial} draft(s) got fewer reviewers than asked (authors told).")
    if idle:
        lines.append(f"{len(idle)} reviewer(s) got no draft this round.")
    lines.append("Details and reasons: `/feedback report`.")
    return "\n".join(lines)
