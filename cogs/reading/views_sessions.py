"""The goal prompt's persistent components: "Set my goal" (a one-field modal) and the
Done / Partly / Not this time answers at the end.

Each custom_id carries the session id; everything else is read from the database when
pressed. What members write is posted in the session's thread with no pings at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from bot.checks import hamming
from bot.client import HammingBot
from bot.ui import HammingModal, HammingView, PersistentButton, UserError, reports_errors
from cogs.reading import store_series, store_sessions
from cogs.reading.messages_sessions import (
    MAX_GOAL,
    OUTCOME_LABELS,
    goal_posted_text,
    outcome_text,
)

MODAL_TIMEOUT = 60 * 60.0


async def _session(
    interaction: discord.Interaction[HammingBot], session_id: int
) -> store_sessions.ReadingSession:
    session = await store_sessions.get_session(hamming(interaction).db, session_id)
    if session is None or session.guild_id != interaction.guild_id:
        raise UserError("This session no longer exists.")
    if session.status == "cancelled":
        raise UserError("This session was cancelled.")
    return session


async def _post_quietly(
    interaction: discord.Interaction[HammingBot], session: store_sessions.ReadingSession, text: str
) -> None:
    channel = hamming(interaction).get_partial_messageable(
        session.discussion_channel_id, guild_id=session.guild_id
    )
    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())


class GoalModal(HammingModal, title="What will you get done?"):
    goal: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your goal for this session",
        placeholder="e.g. a first draft of section 3",
        max_length=MAX_GOAL,
    )

    def __init__(self, session_id: int) -> None:
        super().__init__(timeout=MODAL_TIMEOUT)
        self.session_id = session_id

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        session = await _session(interaction, self.session_id)
        bot = hamming(interaction)
        if session.status == "done" or session.ends_at <= bot.clock.now():
            raise UserError("This session is over; goals are set at its start.")
        text = " ".join(self.goal.value.split())
        if not text:
            raise UserError("Your goal is empty; write what you want to get done in a line.")
        async with bot.db.transaction() as tx:
            await store_series.upsert_goal(
                tx, session.id, interaction.user.id, bot.clock.now(), goal=text
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _post_quietly(interaction, session, goal_posted_text(interaction.user.id, text))
        await interaction.followup.send(
            "Your goal is posted in the thread; at the end I'll ask how it went.", ephemeral=True
        )


class GoalButton(PersistentButton, template=r"session:goal:(?P<session>\d+)"):
    def __init__(self, session: int) -> None:
        super().__init__(f"session:goal:{session}", "Set my goal", discord.ButtonStyle.primary)
        self.session = session

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await _session(interaction, self.session)
        await interaction.response.send_modal(GoalModal(self.session))


class OutcomeButton(
    PersistentButton, template=r"session:outcome:(?P<session>\d+):(?P<outcome>done|partly|not)"
):
    STYLES: Mapping[str, discord.ButtonStyle] = {
        "done": discord.ButtonStyle.success,
        "partly": discord.ButtonStyle.primary,
        "not": discord.ButtonStyle.secondary,
    }

    def __init__(self, session: int, outcome: str) -> None:
        super().__init__(
            f"session:outcome:{session}:{outcome}", OUTCOME_LABELS[outcome], self.STYLES[outcome]
        )
        self.session = session
        self.outcome = outcome

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        session = await _session(interaction, self.session)
        bot = hamming(interaction)
        async with bot.db.transaction() as tx:
            await store_series.upsert_goal(
                tx, session.id, interaction.user.id, bot.clock.now(), outcome=self.outcome
            )
        goal = await store_series.get_goal(bot.db, session.id, interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _post_quietly(
            interaction,
            session,
            outcome_text(interaction.user.id, self.outcome, goal.goal if goal else None),
        )
        await interaction.followup.send(
            f"Recorded: **{OUTCOME_LABELS[self.outcome]}**. Thanks for checking in.",
            ephemeral=True,
        )


def goal_view(session_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(GoalButton(session_id))
    return view


def outcome_view(session_id: int) -> HammingView:
    view = HammingView(timeout=None)
    for outcome in OUTCOME_LABELS:
        view.add_item(OutcomeButton(session_id, outcome))
    return view
