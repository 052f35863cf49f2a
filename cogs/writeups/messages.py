"""Write-up text and embeds (no Discord I/O): list cards, the announcement, the nudge, stats."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import discord
from discord.utils import escape_markdown

from bot.features import FeatureStatus
from bot.time import discord_timestamp
from bot.ui import clip, embed
from cogs.writeups.logic import STAGE_LABELS, STAGES, recognise_link
from cogs.writeups.store import Writeup, WriteupSettings

CHART_NAME = "writeups.png"
LIST_SHOWN = 20  # lines per list; the description stays far below 4096 characters


def title_text(w: Writeup) -> str:
    return f"**{escape_markdown(w.title)}**"


def venue_text(link: str | None) -> str:
    """ "LessWrong: <url>" for a stored (already checked) link; "" without one."""
    if not link:
        return ""
    return f"{recognise_link(link).venue}: <{link}>"


def writeup_line(w: Writeup, *, mine: bool) -> str:
    parts = [f"`#{w.id}` {title_text(w)}", STAGE_LABELS[w.stage]]
    parts.append(f"since {discord_timestamp(w.stage_since, 'R')}")
    if w.link:
        parts.append(venue_text(w.link))
    if mine and w.private:
        parts.append("🔒 private")
    return " · ".join(parts)


def list_card(owner_id: int, writeups: Sequence[Writeup], *, mine: bool) -> discord.Embed:
    if not writeups:
        text = (
            "You have no write-ups yet. `/writeup add title:` starts one."
            if mine
            else f"<@{owner_id}> has no write-ups shared with the cohort."
        )
        return embed("Write-ups", text)
    lines = [writeup_line(w, mine=mine) for w in writeups[:LIST_SHOWN]]
    if len(writeups) > LIST_SHOWN:
        lines.append(f"… and {len(writeups) - LIST_SHOWN} more.")
    heading = "Your write-ups" if mine else "Write-ups"
    return embed(heading, clip(f"<@{owner_id}>\n" + "\n".join(lines), 4096))


def saved_reply(w: Writeup, verb: str) -> str:
    where = "only you see it" if w.private else "the cohort sees it in `/writeup list`"
    text = f"{verb} {title_text(w)} (`#{w.id}`): {STAGE_LABELS[w.stage]}; {where}."
    if w.stage not in ("feedback", "published"):
        text += " Want a reviewer? Press **Request feedback**."
    return clip(text, 2000)


def announcement(w: Writeup) -> discord.Embed:
    card = embed("📣 New write-up published", f"{title_text(w)} by <@{w.author_id}>")
    if w.link:
        card.add_field(name=recognise_link(w.link).venue, value=clip(w.link, 1024), inline=False)
    return card


def nudge_text(w: Writeup, weeks: int) -> str:
    return clip(
        f"👋 A gentle nudge: your write-up {title_text(w)} has been at "
        f"{STAGE_LABELS[w.stage]} for {weeks} week(s). Is it still moving? "
        "`/writeup update` moves it on (or keeps it where it is, which is fine too); "
        "`/writeup nudges off` stops these messages.",
        2000,
    )


def digest_lines(published: Sequence[Writeup]) -> tuple[str, ...]:
    lines = []
    for w in published:
        line = f"{title_text(w)} by <@{w.author_id}>"
        if w.link:
            line += f" ({venue_text(w.link)})"
        lines.append(clip(line, 300))
    return tuple(lines)


def stats_card(
    counts: Mapping[str, tuple[int, int]], months: Sequence[tuple[str, int]], chart_png: bytes
) -> tuple[discord.Embed, discord.File]:
    total = sum(all_ for all_, _ in counts.values())
    card = embed("Write-up stats", f"{total} write-up(s) in the cohort.")
    for stage in STAGES:
        all_, private = counts[stage]
        note = f" ({private} private)" if private else ""
        card.add_field(name=STAGE_LABELS[stage], value=f"{all_}{note}", inline=True)
    published = sum(n for _, n in months)
    card.add_field(name="Published in the last 12 months", value=str(published), inline=False)
    card.set_image(url=f"attachment://{CHART_NAME}")
    return card, discord.File(io.BytesIO(chart_png), filename=CHART_NAME)


def feature_status(settings: WriteupSettings, count: int) -> FeatureStatus:
    where = f"announced in <#{settings.channel_id}>" if settings.channel_id else "not announced"
    nudge = f"nudge after {settings.nudge_weeks} week(s)" if settings.nudge_weeks else "no nudges"
    return FeatureStatus(
        "Write-ups",
        settings.channel_id is not None,
        f"{count} write-up(s); publications {where}; {nudge}.",
    )


def shown_settings(s: WriteupSettings) -> dict[str, str]:
    return {
        "writeups.channel": f"<#{s.channel_id}>" if s.channel_id else "none",
        "writeups.nudge_weeks": str(s.nudge_weeks),
    }
