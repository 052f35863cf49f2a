"""Feedback swaps' text and embed builders: announcements, notices, status cards, reports.

No Discord I/O and no database: jobs and the service read what a message needs and pass it in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import discord

from bot.features import FeatureStatus
from bot.sending import schedule_reply_text, when_text
from bot.time import discord_timestamp
from bot.timeparse import WEEKDAYS
from bot.ui import clip, embed
from cogs.feedback_swaps.logic import (
    LAPSES_TO_PAUSE,
    Ledger,
    completion,
    member_reason,
    topics_text,
)
from cogs.feedback_swaps.store import DraftRow, FeedbackSettings, ReviewerRow
from cogs.feedback_swaps.store_rounds import AssignmentRow, IdleRow, RoundRow, UnmatchedRow

FIELD_MAX = 1000
STATUS_WORDS = {
    "active": "in progress",
    "done": "done",
    "cancelled": "declined",
    "lapsed": "lapsed",
    "withdrawn": "withdrawn",
}


# The name the feature's modules use for the shared "full date (relative)" text.
when = when_text


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


# --- settings -------------------------------------------------------------------------------
def settings_summary(settings: FeedbackSettings) -> str:
    every = "Every" if settings.cadence == "weekly" else "Every other"
    per = settings.reviewers_per_draft
    return (
        f"{every} {WEEKDAYS[settings.weekday]} at {settings.round_time}, "
        f"{per} reviewer{'s' if per != 1 else ''} per draft, private threads in "
        f"<#{settings.channel_id}> for closed DMs"
    )


def shown_settings(s: FeedbackSettings) -> dict[str, str]:
    """How each setting reads in the audit log (/config audit)."""
    return {
        "feedback.enabled": "on" if s.enabled else "off",
        "feedback.channel": f"<#{s.channel_id}>" if s.channel_id else "none",
        "feedback.cadence": s.cadence,
        "feedback.day": WEEKDAYS[s.weekday],
        "feedback.time": s.round_time,
        "feedback.reviewers_per_draft": str(s.reviewers_per_draft),
        "feedback.draft_limit": str(s.draft_limit),
        "feedback.repeat_window": str(s.repeat_window),
        "feedback.topics": json.dumps(list(s.topics), ensure_ascii=False),
    }


def schedule_reply(settings: FeedbackSettings, zone: str, next_round: datetime | None) -> str:
    """The moderator's answer to /config feedback schedule."""
    lines = [
        f"Feedback swaps are on: {settings_summary(settings)} ({zone} time).",
        f"Members may have {settings.draft_limit} open draft(s); a pair meets again only after "
        f"{settings.repeat_window} round(s) unless there is no other way.",
        f"Next round: {when(next_round) if next_round else 'not planned'}.",
    ]
    return schedule_reply_text(lines, zone, "Edit the topic list with `/config feedback topics`.")


# --- the draft and the private messages about it -------------------------------------------
def draft_card(draft: DraftRow, *, heading: str | None = None) -> discord.Embed:
    """The draft as reviewers and authors see it: title, link, what is wanted, due date."""
    card = embed(clip(heading or draft.title, 256), clip(draft.wanted, 1500))
    card.url = draft.link
    card.add_field(name="Draft", value=clip(f"[{draft.title}]({draft.link})", 1024), inline=False)
    card.add_field(name="Length", value=clip(draft.length, 100))
    card.add_field(name="Topics", value=clip(topics_text(draft.topics), 1024))
    card.add_field(name="Feedback needed by", value=when(draft.due_at), inline=False)
    return card


def _title(draft: DraftRow) -> str:
    return f"**{clip(draft.title, 200)}**"


def reviewer_announcement(a: AssignmentRow, draft: DraftRow) -> str:
    return clip(
        f"You are reviewing {_title(draft)} by <@{a.author_id}> in this feedback swap.\n"
        f"Why you: {a.reason}.\n"
        f"Please send your feedback by {when(a.due_at)}: comments on the draft, or a message to "
        f"<@{a.author_id}>. Press a button below when you have sent it, if you need three more "
        "days, or if you cannot do it (the draft then finds another reviewer).",
        2000,
    )


def author_announcement(a: AssignmentRow, draft: DraftRow) -> str:
    return clip(
        f"<@{a.reviewer_id}> will review your draft {_title(draft)} in this feedback swap.\n"
        f"Why them: {a.reason}.\n"
        f"They are asked to send their feedback by {discord_timestamp(a.due_at, 'F')}. When it "
        "arrives, press the button below to confirm and rate how helpful it was.",
        2000,
    )


def followup_text(a: AssignmentRow, draft: DraftRow) -> str:
    return (
        f"Did you send your feedback on {_title(draft)} to <@{a.author_id}>? It is due "
        f"{when(a.due_at)}."
    )


def rate_text(a: AssignmentRow, draft: DraftRow) -> str:
    return (
        f"<@{a.reviewer_id}> says they sent their feedback on {_title(draft)}. Once you have "
        "it, how helpful was it? (1 = not much, 5 = very; only you and the moderators' "
        "totals see this.)"
    )


def notice_text(
    what: str,
    draft: DraftRow,
    a: AssignmentRow | None,
    *,
    next_round: datetime | None,
    reason: str = "",
    others_active: int = 0,
    lapses: int = 1,
) -> str | None:
    """One private notice about a draft or an assignment (None: no such notice).

    `reason` is why a draft went short this round (carried, partial), `others_active` how many
    of its reviewers are still on it (dropped), `lapses` the reviewer's count (lapsed).
    """
    title = f"**{draft.title[:200]}**"

    def who(member_id: int, fallback: str) -> str:
        return f"<@{member_id}>" if member_id else fallback

    next_text = (
        f"the next round ({discord_timestamp(next_round, 'F')})" if next_round else "the next round"
    )
    if what == "carried":
        return (
            f"No reviewer for your draft {title} this round ({reason}). It stays open "
            f"and goes first in {next_text}."
        )
    if what == "partial":
        return (
            f"Your draft {title} got fewer reviewers than asked this round ({reason}). "
            "The reviewers it got will be in touch."
        )
    if what == "expired":
        return (
            f"Your draft {title} was closed without a reviewer: it needs feedback by "
            f"{discord_timestamp(draft.due_at, 'F')}, less than a day after the round. "
            "Request again with `/feedback request` and a later date if you still want it."
        )
    if a is None:
        return None
    if what == "dropped":
        tail = (
            f"Your other reviewer{'s are' if others_active > 1 else ' is'} still on it."
            if others_active
            else f"Your draft is open again and goes first in {next_text}."
        )
        return f"{who(a.reviewer_id, 'Your reviewer')} can't review {title} after all. {tail}"
    if what == "extended":
        return (
            f"<@{a.reviewer_id}> needs three more days for {title}: their feedback is now "
            f"due {discord_timestamp(a.due_at, 'F')}."
        )
    if what == "withdrawn":
        return (
            f"{who(a.author_id, 'The author')} withdrew {title}, so you do not need to "
            "review it. Thank you!"
        )
    if what == "lapsed":
        return (
            f"Your review of {title} lapsed: I heard nothing by "
            f"{discord_timestamp(a.due_at, 'F')} plus two days. That is {lapses} of "
            f"{LAPSES_TO_PAUSE}; at {LAPSES_TO_PAUSE} you are paused from the pool. If you "
            "did send it, press Yes on the earlier question and it still counts."
        )
    if what == "paused":
        return (
            f"Your review of {title} lapsed, and that is {LAPSES_TO_PAUSE} lapsed reviews, "
            "so I have paused you in the feedback-swap reviewer pool: you will not get new "
            "drafts to review. Nothing else changes. Press the button when you are ready "
            "to review again."
        )
    if what == "lapsed-author":
        return (
            f"<@{a.reviewer_id}> did not confirm their feedback on {title} by the due date. "
            "If it never arrived, `/feedback request` puts your draft up again."
        )
    return None


# --- what members and moderators read -------------------------------------------------------
def status_embed(
    *,
    now: datetime,
    drafts: Sequence[tuple[DraftRow, Sequence[AssignmentRow]]],
    reviews: Sequence[AssignmentRow],
    titles: Mapping[int, DraftRow],
    reviewer: ReviewerRow | None,
    idle: IdleRow | None,
    ledger: Ledger,
    next_round: datetime | None,
) -> discord.Embed:
    """A member's /feedback status: their drafts, their reviews, the pool and their ledger."""
    card = embed("Your feedback swaps")
    draft_lines = []
    for d, assignments in drafts:
        reviewers = [
            f"<@{a.reviewer_id}> ({STATUS_WORDS[a.status]})"
            for a in assignments
            if a.status != "cancelled"
        ]
        state = (
            "reviewers: " + ", ".join(reviewers)
            if d.status == "in_review" and reviewers
            else "waiting for the next round"
            + (f" (waited {d.carried_rounds})" if d.carried_rounds else "")
        )
        draft_lines.append(
            f"**{clip(d.title, 80)}**: needed by {discord_timestamp(d.due_at, 'R')}; {state}"
        )
    card.add_field(
        name="Your open drafts",
        value=_lines(draft_lines, FIELD_MAX, "None. Ask for feedback with `/feedback request`."),
        inline=False,
    )
    review_lines = [
        f"[{clip(titles[a.draft_id].title, 80)}]({titles[a.draft_id].link}) by "
        f"<@{a.author_id}>: due {discord_timestamp(a.due_at, 'R')}"
        for a in reviews
        if a.draft_id in titles
    ]
    card.add_field(
        name="Drafts you are reviewing",
        value=_lines(review_lines, FIELD_MAX, "None right now."),
        inline=False,
    )
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
        if idle is not None:
            pool += f"\nLast round you got no draft: {member_reason(idle.reason)}."
    card.add_field(name="Reviewer pool", value=clip(pool, 1024), inline=False)
    card.add_field(name="Ledger", value=ledger.describe(), inline=False)
    if next_round is not None:
        card.add_field(name="Next round", value=discord_timestamp(next_round, "F"), inline=False)
    return card


def no_round_yet_embed() -> discord.Embed:
    return embed(
        "Feedback swaps report",
        "No round has run yet. Set the schedule with `/config feedback schedule`, or run "
        "`/feedback match-now`.",
    )


def report_embed(
    *,
    recent: Sequence[RoundRow],
    assignments: Sequence[AssignmentRow],
    unmatched: Sequence[UnmatchedRow],
    idle: Sequence[IdleRow],
    drafts: Mapping[int, DraftRow],
    recent_statuses: Iterable[str],
) -> discord.Embed:
    """The moderators' /feedback report on the latest of the `recent` rounds (newest first)."""
    latest = recent[0]

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
    overall = completion(recent_statuses)
    card.add_field(
        name="Completion",
        value=f"This round: {this_round.describe()}\n"
        f"Last {len(recent)} round{'s' if len(recent) != 1 else ''}: {overall.describe()}",
        inline=False,
    )
    return card


def feature_status(
    settings: FeedbackSettings, pool: int, waiting: int, next_round: datetime | None
) -> FeatureStatus:
    """The feature's line in /about and /config show."""
    counts = f"{pool} in the reviewer pool, {waiting} draft(s) waiting"
    if not settings.enabled or settings.channel_id is None:
        return FeatureStatus(
            "Feedback swaps",
            False,
            f"No schedule. A moderator sets it with `/config feedback schedule` ({counts}).",
        )
    at = f"; next round {discord_timestamp(next_round, 'R')}" if next_round else ""
    return FeatureStatus("Feedback swaps", True, f"{settings_summary(settings)}; {counts}{at}.")


NOTHING_MATCHED = (
    "Nothing was matched: every waiting draft's due date was less than a day away (their "
    "authors were told), or the round could not run. `/feedback report` shows the last round."
)


def match_now_text(
    assignments: Sequence[AssignmentRow],
    unmatched: Sequence[UnmatchedRow],
    idle: Sequence[IdleRow],
) -> str:
    """The moderator's answer after `/feedback match-now` made a round."""
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
