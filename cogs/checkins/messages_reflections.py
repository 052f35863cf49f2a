"""What the Hamming loop says: the plan follow-up panel, the answer card's plan line, the
history lines and the private drift DM. Text and embed builders only, no Discord I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord

from bot.ui import clip, embed
from cogs.checkins.reflections import (
    ON_PATH_LABELS,
    PLAN_MARK_LABELS,
    Completion,
    Reflected,
    drifting,
)
from cogs.checkins.weeks import week_title

HAMMING_QUESTION = "Did this week's work move your most important problem?"
CARD_PLAN_MAX = 300  # the answer card's plan line: enough to recognise the plan
_MARK_ICONS = {"done": "✅", "partly": "◐", "not_done": "✗", "changed": "↪"}


@dataclass(frozen=True)
class FollowupState:
    """What the follow-up panel shows for one member and round (read again on every click)."""

    round_id: int
    user_id: int
    week: str
    plan: str | None  # the full "next week" answer it follows up, if any
    plan_week: str | None
    plan_mark: str | None
    plan_note: str | None
    on_path: str | None
    share_blocker: bool
    can_share: bool  # a public round, and the member wrote a blocker


def followup_embed(state: FollowupState, *, ask_on_path: bool) -> discord.Embed:
    """The plan in full with its mark, and (after answering) Hamming's question."""
    lines: list[str] = []
    if state.plan is not None:
        when = f" ({week_title(state.plan_week)})" if state.plan_week else ""
        lines += [f"**Last week you planned{when}:**", state.plan, ""]
        if state.plan_mark is None:
            lines.append("How did it go? One click: Done, Partly, Not done or Plan changed.")
        else:
            lines.append(f"Marked: **{PLAN_MARK_LABELS[state.plan_mark]}**.")
            if state.plan_note:
                lines.append(f"Why: {state.plan_note}")
    if ask_on_path:
        lines += ["", f"**{HAMMING_QUESTION}**"]
        if state.on_path is not None:
            lines.append(f"Your answer: **{ON_PATH_LABELS[state.on_path]}**.")
        if state.can_share:
            shared = "shared with the cohort" if state.share_blocker else "kept private"
            lines.append(f"Your blocker is {shared} (you can change it until the close).")
    return embed("Your week, looking back", clip("\n".join(lines).strip(), 4096))


def card_plan_field(plan: str, mark: str | None) -> tuple[str, str] | None:
    """The answer card's line for last week's plan, once it is marked (public rounds)."""
    if mark is None:
        return None
    label = f"{_MARK_ICONS[mark]} {PLAN_MARK_LABELS[mark]}"
    return ("Last week's plan", clip(f"{label} — {plan}", CARD_PLAN_MAX))


def history_loop_lines(
    rates: Mapping[int, Completion], history: Sequence[Reflected], weeks: int, *, private: bool
) -> list[str]:
    """The history card's "Plans and direction" lines. `private` (the member or a moderator)
    adds the member's own on-path answers and the drift rule; others see only the rates."""
    lines = ["**Plans followed through**"]
    lines += [f"Last {window} weeks: {rate.text()}." for window, rate in sorted(rates.items())]
    if not private:
        return lines
    lines += ["", "**Direction check** (the member's own answers, latest last)"]
    recent = history[-weeks:]
    if not recent:
        lines.append("No answers yet: after each check-in, one click says how the plan went.")
    for r in recent:
        plan = PLAN_MARK_LABELS[r.plan_mark] if r.plan_mark else "not marked"
        moved = ON_PATH_LABELS[r.on_path] if r.on_path else "not answered"
        lines.append(f"{week_title(r.week)}: plan {plan} · moved the problem: {moved}")
    if drifting(history, weeks):
        lines.append(
            f"For {weeks} rounds in a row your own answer (or your plan) says the work is off"
            " your most important problem. If it is not on the path, why not? `/agenda edit`"
            " lets you revisit your agenda."
        )
    return lines


def drift_dm_text(guild_name: str, weeks: int) -> str:
    """The one private note on drift: kind, Hamming's follow-up, and where to revisit."""
    return (
        f"A quiet note from the check-ins in **{guild_name}**, just for you: for the last"
        f" {weeks} weeks your own answers said this week's work did not move your most"
        " important problem (or the plan did not happen). That happens to everyone:"
        " detours, groundwork, life.\n\n"
        "Hamming's follow-up is worth a minute: *if what you are working on is not on the"
        " path to your most important problem, why not?* Maybe the problem has changed, or"
        " the next step is unclear.\n\n"
        "If your agenda needs a rewrite, `/agenda edit` opens it. No one else sees this"
        " message, and I will not mention it again until the run is broken."
    )
