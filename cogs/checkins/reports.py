"""What `/checkin history` and `/checkin stats` show: gathered from the store, built as embeds."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.charts import participation_chart_png
from bot.time import discord_timestamp
from bot.ui import clip, embed
from cogs.checkins import store
from cogs.checkins.drift import drift, drift_message
from cogs.checkins.logic import (
    DID_INDEX,
    EMBED_TOTAL_MAX,
    PARTICIPATION_WEEKS,
    PROBLEMS_INDEX,
    answers_text,
    fit_fields,
    participation,
)
from cogs.checkins.weeks import shift_week, week_title, weeks_ending

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.checkins.answers import Answers

CHART_NAME = "checkins.png"
STREAKS_SHOWN = 15


async def history_embed(
    bot: HammingBot, answers: Answers, guild_id: int, member: discord.Member, weeks: int
) -> discord.Embed:
    """The member's last `weeks` weeks of rounds, their streak and the drift check."""
    now = bot.clock.now()
    settings = await store.get_settings(bot.db, guild_id)
    current_week, _ = await answers.current_week(guild_id, now)
    rounds = await store.list_rounds(
        bot.db, guild_id, since_week=shift_week(current_week, 1 - weeks)
    )
    answered = await store.list_member_answers(bot.db, guild_id, member.id)
    by_round = {answer.round_id: answer for _, answer in answered}
    skipped = await store.list_member_skips(bot.db, guild_id, member.id)
    current, longest = await answers.streaks(guild_id, member.id, now)

    title = clip(f"Check-in history · {member.display_name}", 256)
    shown = sum(1 for r in rounds if r.id in by_round)
    lines = [
        f"Streak: **{current}** week(s) in a row · longest {longest} · answered {shown} of"
        f" the {len(rounds)} round(s) in the last {weeks} week(s)."
    ]
    with_did = [(r, a) for r, a in answered if len(a.answers) > DID_INDEX]
    if with_did:
        report = drift(
            [a.answers[PROBLEMS_INDEX] for _, a in with_did],
            [(r.week, a.answers[DID_INDEX]) for r, a in with_did],
            weeks=settings.drift_weeks,
        )
        lines += ["", "**Direction check**", drift_message(report)]
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


async def stats_embed(
    bot: HammingBot, answers: Answers, guild_id: int, viewer_id: int, *, everyone: bool
) -> tuple[discord.Embed, discord.File]:
    """Participation over the last 12 weeks as a PNG chart, plus streaks.

    With `everyone` the streaks of all members are listed; otherwise only the viewer's
    (answers visible to moderators only should not reveal who skipped).
    """
    now = bot.clock.now()
    current_week, _ = await answers.current_week(guild_id, now)
    window = weeks_ending(current_week, PARTICIPATION_WEEKS)
    rounds = await store.list_rounds(bot.db, guild_id, since_week=window[0])
    counts = await store.count_answers_by_week(bot.db, guild_id, window[0])
    rows = participation([r.week for r in rounds], counts, {r.week: r.cohort_size for r in rounds})
    png = await asyncio.to_thread(
        participation_chart_png,
        [row.chart_row() for row in rows],
        f"Check-ins, last {PARTICIPATION_WEEKS} weeks",
    )
    streaks = await answers.all_streaks(guild_id, now)

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
    return card, discord.File(io.BytesIO(png), filename=CHART_NAME)


def next_round_text(upcoming: datetime | None) -> str:
    if upcoming is None:
        return (
            "No check-in is open, and none is scheduled: a moderator sets one up with"
            " `/config checkins schedule`."
        )
    return (
        "No check-in is open right now. The next one opens"
        f" {discord_timestamp(upcoming, 'F')} ({discord_timestamp(upcoming, 'R')})."
    )
