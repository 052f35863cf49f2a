"""Feedback-swap UI: persistent buttons and the draft and topics forms.

Buttons are DynamicItems whose custom_id carries the assignment id (or the guild and member
for "Rejoin"), so they keep working after a restart; everything else is read from the
database when they are pressed. Each acts only for the member it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.checks import require_guild
from bot.ui import (
    HammingModal,
    HammingView,
    PersistentButton,
    UserError,
    clip,
    ensure_presser,
    reports_errors,
)
from cogs.feedback_swaps.logic import FEATURE_NAME, LENGTH_MAX, MAX_TOPICS, TITLE_MAX, WANTED_MAX

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.feedback_swaps.feature import FeedbackFeature

MODAL_TIMEOUT = 60 * 60.0


def _feature(interaction: discord.Interaction[HammingBot]) -> FeedbackFeature:
    """The loaded feature (its service, answers and /config group) behind a button or a form."""
    feature = interaction.client.features.get(FEATURE_NAME)
    if feature is None:
        raise UserError("Feedback swaps are not running right now; try again in a minute.")
    return cast("FeedbackFeature", feature)


# --- persistent buttons -------------------------------------------------------------------
_REVIEW_LABELS = {"yes": "Yes", "more": "Need 3 more days", "cant": "Can't do it"}
_REVIEW_STYLES = {
    "yes": discord.ButtonStyle.success,
    "more": discord.ButtonStyle.secondary,
    "cant": discord.ButtonStyle.danger,
}


class ReviewAnswerButton(
    PersistentButton, template=r"fb:review:(?P<assignment_id>\d+):(?P<action>yes|more|cant)"
):
    """The reviewer's answer about one assignment: sent it / need 3 more days / can't."""

    def __init__(self, assignment_id: int, action: str, *, label: str | None = None) -> None:
        super().__init__(
            f"fb:review:{assignment_id}:{action}",
            label or _REVIEW_LABELS[action],
            _REVIEW_STYLES[action],
        )
        self.assignment_id = assignment_id
        self.action = action

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        feature = _feature(interaction)
        text, keep_buttons = await feature.answers.answer(
            self.assignment_id, interaction.user.id, self.action
        )
        # After "Yes": the optional checklist, in place of the buttons.
        view = await feature.checklist_view(self.assignment_id) if self.action == "yes" else None
        await _replace_message(interaction, text, keep_buttons=keep_buttons, view=view)


class ReceivedButton(PersistentButton, template=r"fb:got:(?P<assignment_id>\d+)"):
    """On the author's announcement: "I received the feedback" opens the rating buttons."""

    def __init__(self, assignment_id: int) -> None:
        super().__init__(
            f"fb:got:{assignment_id}", "I received the feedback", discord.ButtonStyle.primary
        )
        self.assignment_id = assignment_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        text = await _feature(interaction).answers.check_rating(
            self.assignment_id, interaction.user.id
        )
        await interaction.response.send_message(
            text, view=rating_view(self.assignment_id), ephemeral=True
        )


class RateButton(PersistentButton, template=r"fb:rate:(?P<assignment_id>\d+):(?P<stars>[1-5])"):
    """The author's helpfulness rating, 1 to 5."""

    def __init__(self, assignment_id: int, stars: int) -> None:
        super().__init__(
            f"fb:rate:{assignment_id}:{stars}", f"{stars} ★", discord.ButtonStyle.secondary
        )
        self.assignment_id = assignment_id
        self.stars = stars

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        text = await _feature(interaction).answers.rate(
            self.assignment_id, interaction.user.id, self.stars
        )
        await _replace_message(interaction, text, keep_buttons=False)


class RejoinButton(PersistentButton, template=r"fb:rejoin:(?P<guild_id>\d+):(?P<user_id>\d+)"):
    """Sent with the "paused after 3 lapses" notice: back into the reviewer pool."""

    def __init__(self, guild_id: int, user_id: int) -> None:
        super().__init__(
            f"fb:rejoin:{guild_id}:{user_id}",
            "Rejoin the reviewer pool",
            discord.ButtonStyle.primary,
        )
        self.guild_id = guild_id
        self.user_id = user_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        ensure_presser(
            interaction,
            self.user_id,
            "This button belongs to the member it was sent to. To join the reviewer pool "
            "yourself, use `/feedback join`.",
        )
        text = await _feature(interaction).answers.rejoin(self.guild_id, self.user_id)
        await _replace_message(interaction, text, keep_buttons=False)


DYNAMIC_ITEMS = (ReviewAnswerButton, ReceivedButton, RateButton, RejoinButton)


async def _replace_message(
    interaction: discord.Interaction[HammingBot],
    text: str,
    *,
    keep_buttons: bool,
    view: discord.ui.View | None = None,
) -> None:
    """Show the outcome on the message the button is on (its buttons go once answered, or
    give way to `view`)."""
    original = interaction.message.content if interaction.message else ""
    content = clip(f"{original}\n\n{text}" if original else text, 2000)
    if keep_buttons:
        await interaction.response.edit_message(content=content)
    else:
        await interaction.response.edit_message(content=content, view=view)


def review_view(assignment_id: int, *, announcement: bool = False) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(
        ReviewAnswerButton(
            assignment_id, "yes", label="I've sent my feedback" if announcement else None
        )
    )
    view.add_item(ReviewAnswerButton(assignment_id, "more"))
    view.add_item(ReviewAnswerButton(assignment_id, "cant"))
    return view


def received_view(assignment_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(ReceivedButton(assignment_id))
    return view


def rating_view(assignment_id: int) -> HammingView:
    view = HammingView(timeout=None)
    for stars in range(1, 6):
        view.add_item(RateButton(assignment_id, stars))
    return view


def rejoin_view(guild_id: int, user_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(RejoinButton(guild_id, user_id))
    return view


# --- forms --------------------------------------------------------------------------------
class DraftModal(HammingModal, title="Request feedback on a draft"):
    draft_title: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Title", max_length=TITLE_MAX, placeholder="e.g. Sparse probing for deception"
    )
    link: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Link (http or https)",
        max_length=500,
        placeholder="https://docs.google.com/document/d/… (with comment access)",
    )
    wanted: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What feedback do you want?",
        style=discord.TextStyle.paragraph,
        max_length=WANTED_MAX,
        placeholder="e.g. Is the argument in section 3 convincing? Is the intro clear?",
    )
    length: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Approximate length (words or minutes)",
        max_length=LENGTH_MAX,
        placeholder="e.g. 4000 words, 4k, 20 min, 12 pages",
    )
    due: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Feedback needed by (your time zone)",
        max_length=100,
        placeholder="e.g. next friday, 8 Dec, 2026-12-08, in 10 days",
    )

    def __init__(
        self,
        topics: Sequence[str],
        frame: str = "any",
        *,
        title: str = "",
        link: str = "",
        origin: str | None = None,
    ) -> None:
        super().__init__(timeout=MODAL_TIMEOUT)
        self.topics = tuple(topics)
        self.frame = frame
        # Pre-filled from another feature's button (write-ups); `origin` comes back in the
        # "feedback_draft_created" event so that feature can follow its draft.
        self.draft_title.default = title[:TITLE_MAX] or None
        self.link.default = link[:500] or None
        self.origin = origin

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        guild = require_guild(interaction)
        text = await _feature(interaction).service.submit_draft(
            guild.id,
            interaction.user.id,
            title=self.draft_title.value,
            link=self.link.value,
            wanted=self.wanted.value,
            length=self.length.value,
            due=self.due.value,
            topics=self.topics,
            origin=self.origin,
            frame=self.frame,
        )
        await interaction.response.send_message(text, ephemeral=True)


class TopicsModal(HammingModal, title="Feedback topics"):
    topics: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label=f"One topic per line (up to {MAX_TOPICS})",
        style=discord.TextStyle.paragraph,
        max_length=4000,
    )

    def __init__(self, current: Sequence[str]) -> None:
        super().__init__(timeout=MODAL_TIMEOUT)
        self.topics.default = "\n".join(current)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        text = await _feature(interaction).config_group.save_topics(interaction, self.topics.value)
        await interaction.response.send_message(text, ephemeral=True)
