"""What check-ins say: the prompt, answer cards, reminders, history and stats cards, and the
replies and audit values of the settings. Text and embed builders only, no Discord I/O."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import discord

from bot.sending import schedule_reply_text, when_text
from bot.time import discord_timestamp
from bot.timeparse import WEEKDAYS
from bot.ui import clip, embed
from cogs.checkins.logic import (
    EMBED_TOTAL_MAX,
    Question,
    answer_embed_fields,
    answers_text,
    fit_fields,
    question_field_value,
)
from cogs.checkins.participation import PARTICIPATION_WEEKS, WeekParticipation
from cogs.checkins.reflections import Completion
from cogs.checkins.store import Answer, CheckinSettings, Round
from cogs.checkins.weeks import week_number, week_range, week_title

CHART_NAME = "checkins.png"
STREAKS_SHOWN = 15


def jump_url(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    tail = f"/{message_id}" if message_id else ""
    return f"https://discord.com/channels/{guild_id}/{channel_id}{tail}"


def questions_text(questions: Sequence[Question]) -> str:
    """The questions as the moderator's edit modal shows them, one per line."""
    return "\n".join(question_field_value(q) for q in questions)


# --- the round ------------------------------------------------------------------------------


def questions_list(questions: Sequence[Question]) -> str:
    return "\n".join(
        f"{number}. **{q.label}** — {q.text}" for number, q in enumerate(questions, start=1)
    )


def prompt_embed(
    round_: Round, *, answered: int | None = None, extra_line: str | None = None
) -> discord.Embed:
    """The weekly prompt; with `answered` it is the closed version. `extra_line`: the
    blank-slate invitation, on the rounds that carry it."""
    monday, sunday = week_range(round_.week)
    lines = [f"**{week_title(round_.week)}**", "", questions_list(round_.questions), ""]
    if answered is None:
        lines.append(
            f"Closes {discord_timestamp(round_.closes_at, 'F')}"
            f" ({discord_timestamp(round_.closes_at, 'R')})."
        )
        where = (
            "your answers are posted in the thread below"
            if round_.visibility == "public"
            else "your answers are seen by moderators only"
        )
        lines.append(f"Press **Check in** to answer ({where}). Away? `/checkin skip`.")
        if extra_line:
            lines += ["", extra_line]
    else:
        lines.append(
            f"Closed {discord_timestamp(round_.closes_at, 'F')}: {answered} of"
            f" {max(round_.cohort_size, answered)} checked in. Thank you!"
        )
    card = embed(f"Weekly Hamming check-in · Week {week_number(round_.week)}", "\n".join(lines))
    card.set_footer(text=f"{monday:%d %b} – {sunday:%d %b %Y}")
    return card


def thread_name(round_: Round) -> str:
    return clip(f"Check-ins · {week_title(round_.week)}", 100)


def answer_embed(
    round_: Round,
    author: str,
    answers: Sequence[str],
    updated: datetime,
    *,
    edited: bool,
    extra: tuple[str, str] | None = None,
) -> discord.Embed:
    """A member's answer card; `extra` is one more field (last week's plan and its mark)."""
    title = clip(f"{author} · Week {week_number(round_.week)}", 256)
    footer = "edited" if edited else "checked in"
    card = embed(title)
    budget = EMBED_TOTAL_MAX - len(title) - len(footer) - sum(map(len, extra or ()))
    for name, value in answer_embed_fields(round_.questions, answers, budget=budget):
        card.add_field(name=name, value=value, inline=False)
    if extra is not None:
        card.add_field(name=extra[0], value=extra[1], inline=False)
    card.set_footer(text=footer)
    card.timestamp = updated
    return card


def reminder_text(guild_name: str, round_: Round) -> str:
    return (
        f"A gentle reminder: this week's Hamming check-in in **{guild_name}**"
        f" ({week_title(round_.week)}) closes {discord_timestamp(round_.closes_at, 'F')}"
        f" ({discord_timestamp(round_.closes_at, 'R')}). Press **Check in** to answer;"
        " if you are away this week, press **I'm away this week** and your streak is kept."
    )


def reminder_fallback_text(round_: Round) -> str:
    return (
        f"a gentle reminder (your DMs are closed, so it is here): this week's check-in closes"
        f" {discord_timestamp(round_.closes_at, 'R')}. Press **Check in** to answer."
    )


def next_round_text(upcoming: datetime | None) -> str:
    if upcoming is None:
        return (
            "No check-in is open, and none is scheduled: a moderator sets one up with"
            " `/config checkins schedule`."
        )
    return f"No check-in is open right now. The next one opens {when_text(upcoming)}."


# --- history and stats ----------------------------------------------------------------------


def history_embed(
    display_name: str,
    weeks: int,
    now: datetime,
    rounds: Sequence[Round],
    answered: Sequence[tuple[Round, Answer]],
    skipped: set[str],
    streaks: tuple[int, int],
    loop_lines: Sequence[str],
) -> discord.Embed:
    """The member's last `weeks` weeks of rounds, their streak, and how their plans went and
    the drift check (`loop_lines`, messages_reflections.history_loop_lines)."""
    current, longest = streaks
    by_round = {answer.round_id: answer for _, answer in answered}
    title = clip(f"Check-in history · {display_name}", 256)
    shown = sum(1 for r in rounds if r.id in by_round)
    lines = [
        f"Streak: **{current}** week(s) in a row · longest {longest} · answered {shown} of"
        f" the {len(rounds)} round(s) in the last {weeks} week(s)."
    ]
    if loop_lines:
        lines += ["", *loop_lines]
    description = clip("\n".join(lines), 4096)

    pairs: list[tuple[str, str]] = []
    for round_ in reversed(rounds):
        answer = by_round.get(round_.id)
        if answer is not None:
            value = answers_text(round_.questions, answer.answers)
        elif round_.week in skipped:
            value = "Away (skipped): the streak is kept."
        elif round_.is_open(now):
            value = f"Open until {discord_timestamp(round_.closes_at, 'F')}; not answered yet."
        else:
            value = "No check-in."
        pairs.append((week_title(round_.week), value))
    if not pairs:
        pairs.append(("No rounds yet", f"Nothing in the last {weeks} week(s)."))
    card = embed(title, description)
    budget = EMBED_TOTAL_MAX - len(title) - len(description)
    for name, value in fit_fields(pairs, budget=budget):
        card.add_field(name=name, value=value, inline=False)
    return card


def stats_card(
    rows: Sequence[WeekParticipation],
    chart_png: bytes,
    streaks: Mapping[int, tuple[int, int]],
    viewer_id: int,
    *,
    everyone: bool,
    plan_rates: Mapping[int, Completion] | None = None,
) -> tuple[discord.Embed, discord.File]:
    """Participation over the last 12 weeks as a PNG chart, plus streaks.

    With `everyone` the streaks of all members are listed; otherwise only the viewer's
    (answers visible to moderators only should not reveal who skipped).
    """
    if rows:
        average = sum(row.rate for row in rows) / len(rows)
        latest = rows[-1]
        summary = (
            f"{len(rows)} round(s) in the last {PARTICIPATION_WEEKS} weeks; on average"
            f" {average:.0%} of the cohort checked in. Latest ({latest.week}):"
            f" {latest.answered} of {latest.cohort_size}."
        )
    else:
        summary = f"No check-in rounds in the last {PARTICIPATION_WEEKS} weeks yet."
    card = embed("Check-in stats", summary)
    card.set_image(url=f"attachment://{CHART_NAME}")
    if everyone:
        ranked = sorted(
            ((user_id, cur, best) for user_id, (cur, best) in streaks.items() if cur > 0),
            key=lambda item: (-item[1], -item[2], item[0]),
        )
        lines = [f"<@{u}> — {cur} week(s) (longest {best})" for u, cur, best in ranked]
        more = len(lines) - STREAKS_SHOWN
        text = "\n".join(lines[:STREAKS_SHOWN]) + (f"\n… and {more} more" if more > 0 else "")
        card.add_field(name="Current streaks", value=clip(text or "No streaks yet.", 1024))
    else:
        cur, best = streaks.get(viewer_id, (0, 0))
        card.add_field(name="Your streak", value=f"{cur} week(s) in a row (longest {best})")
    if plan_rates:
        # The viewer's own rates only: how others' plans went is not for other members.
        text = "; ".join(f"last {w} weeks: {r.text()}" for w, r in sorted(plan_rates.items()))
        card.add_field(name="Your plans followed through", value=text, inline=False)
    return card, discord.File(io.BytesIO(chart_png), filename=CHART_NAME)


# --- settings -------------------------------------------------------------------------------


def shown_settings(settings: CheckinSettings) -> dict[str, str]:
    """Each audited setting as people read it (the audit's names and values)."""
    return {
        "checkins.enabled": "on" if settings.enabled else "off",
        "checkins.channel": f"<#{settings.channel_id}>" if settings.channel_id else "none",
        "checkins.day": WEEKDAYS[settings.weekday],
        "checkins.time": settings.prompt_time,
        "checkins.close_after_hours": str(settings.close_after_hours),
        "checkins.reminder_hours_before_close": str(settings.reminder_hours_before_close),
        "checkins.visibility": settings.visibility,
        "checkins.questions": json.dumps(
            [question_field_value(q) for q in settings.questions], ensure_ascii=False
        ),
        "checkins.drift_weeks": str(settings.drift_weeks),
        "checkins.blank_slate_weeks": str(settings.blank_slate_weeks),
        "checkins.delivery": settings.delivery,
    }


def blank_slate_reply(weeks: int) -> str:
    """The answer to `/config checkins blank-slate`."""
    if weeks == 0:
        return "Blank-slate rewrites are off: check-ins no longer invite members to rewrite."
    return (
        f"Check-in rounds {weeks}, {2 * weeks}, {3 * weeks}, … of this server (counted from its"
        " first round) invite members to rewrite their research agenda from a blank slate,"
        " without seeing the old one. The audit log has the change."
    )


DELIVERY_PHRASES = {
    "channel": "prompted in the channel",
    "dm": "prompted by DM at each member's own local time",
    "both": "prompted in the channel and by DM at each member's own local time",
}


def delivery_reply(settings: CheckinSettings) -> str:
    """The answer to `/config checkins delivery`: the mode in words."""
    at = settings.prompt_time
    replies = {
        "channel": "Prompts are posted in the check-in channel only; no prompt DMs.",
        "dm": f"Each cohort member gets the prompt by DM at {at} on their own clock (their"
        " `/me timezone`, else the server's), during the round. The channel still gets the"
        " round's card and thread, noting that prompts go by DM.",
        "both": "The prompt is posted in the check-in channel as before, and each cohort member"
        f" also gets it by DM at {at} on their own clock (their `/me timezone`, else the"
        " server's).",
    }
    return replies[settings.delivery] + (
        "" if settings.enabled else " Check-ins are off: `/config checkins schedule` turns them on."
    )


def _reminder_phrase(settings: CheckinSettings, template: str, none: str) -> str:
    hours = settings.reminder_hours_before_close
    return template.format(hours=hours) if hours else none


def settings_summary(settings: CheckinSettings) -> str:
    """How a schedule reads in a sentence (without the next date)."""
    reminder = _reminder_phrase(settings, "reminder {hours} h before close", "no reminder")
    return (
        f"{WEEKDAYS[settings.weekday]}s at {settings.prompt_time} in <#{settings.channel_id}>,"
        f" open {settings.close_after_hours} h, {reminder}, answers {settings.visibility},"
        f" {len(settings.questions)} questions, {DELIVERY_PHRASES[settings.delivery]}"
    )


def schedule_reply(settings: CheckinSettings, zone_name: str, upcoming: datetime | None) -> str:
    """The answer to `/config checkins schedule`: the schedule in words and the next prompt."""
    when = when_text(upcoming) if upcoming else "not planned"
    reminder = _reminder_phrase(settings, "one reminder {hours} h before the close", "no reminder")
    readers = "posted in the thread" if settings.visibility == "public" else "for moderators only"
    lines = [
        f"Check-ins are on: every **{WEEKDAYS[settings.weekday]}** at"
        f" **{settings.prompt_time}** ({zone_name} time) in <#{settings.channel_id}>.",
        f"Each round is open {settings.close_after_hours} h, with {reminder}; answers are"
        f" {readers}.",
        f"Next prompt: {when}. The local time stays put when the clocks change.",
    ]
    return schedule_reply_text(
        lines, zone_name, "Edit the questions with `/config checkins questions`."
    )
