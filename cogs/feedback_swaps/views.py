"""Feedback-swap UI: persistent buttons, the draft and topics forms, and message builders.

Buttons are DynamicItems whose custom_id carries the assignment id (or the guild and member
for "Rejoin"), so they keep working after a restart; everything else is read from the
database when they are pressed. Each acts only for the member it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.checks import hamming
from bot.time import discord_timestamp
from bot.ui import HammingModal, HammingView, UserError, clip, embed, reports_errors
from cogs.feedback_swaps.rules import (
    LENGTH_MAX,
    MAX_TOPICS,
    TITLE_MAX,
    WANTED_MAX,
    topics_text,
)
from cogs.feedback_swaps.store import AssignmentRow, DraftRow

if TYPE_CHECKING:
    from cogs.feedback_swaps.cog import FeedbackCog

MODAL_TIMEOUT = 60 * 60.0


def _cog(interaction: discord.Interaction[Any]) -> FeedbackCog:
    from cogs.feedback_swaps.cog import FeedbackCog

    cog = hamming(interaction).get_cog(FeedbackCog.__cog_name__)
    if not isinstance(cog, FeedbackCog):
        raise UserError("Feedback swaps are not running right now; try again in a minute.")
    return cog


# --- message builders ---------------------------------------------------------------------
def draft_card(draft: DraftRow, *, heading: str | None = None) -> discord.Embed:
    """The draft as reviewers and authors see it: title, link, what is wanted, due date."""
    card = embed(clip(heading or draft.title, 256), clip(draft.wanted, 1500))
    card.url = draft.link
    card.add_field(name="Draft", value=clip(f"[{draft.title}]({draft.link})", 1024), inline=False)
    card.add_field(name="Length", value=clip(draft.length, 100))
    card.add_field(name="Topics", value=clip(topics_text(draft.topics), 1024))
    card.add_field(
        name="Feedback needed by",
        value=f"{discord_timestamp(draft.due_at, 'F')} ({discord_timestamp(draft.due_at, 'R')})",
        inline=False,
    )
    return card


def _title(draft: DraftRow) -> str:
    return f"**{clip(draft.title, 200)}**"


def reviewer_announcement(a: AssignmentRow, draft: DraftRow) -> str:
    return clip(
        f"You are reviewing {_title(draft)} by <@{a.author_id}> in this feedback swap.\n"
        f"Why you: {a.reason}.\n"
        f"Please send your feedback by {discord_timestamp(a.due_at, 'F')} "
        f"({discord_timestamp(a.due_at, 'R')}): comments on the draft, or a message to "
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
        f"{discord_timestamp(a.due_at, 'F')} ({discord_timestamp(a.due_at, 'R')})."
    )


def rate_text(a: AssignmentRow, draft: DraftRow) -> str:
    return (
        f"<@{a.reviewer_id}> says they sent their feedback on {_title(draft)}. Once you have "
        "it, how helpful was it? (1 = not much, 5 = very; only you and the moderators' "
        "totals see this.)"
    )


# --- persistent buttons -------------------------------------------------------------------
_REVIEW_LABELS = {"yes": "Yes", "more": "Need 3 more days", "cant": "Can't do it"}
_REVIEW_STYLES = {
    "yes": discord.ButtonStyle.success,
    "more": discord.ButtonStyle.secondary,
    "cant": discord.ButtonStyle.danger,
}


class ReviewAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:review:(?P<assignment_id>\d+):(?P<action>yes|more|cant)",
):
    """The reviewer's answer about one assignment: sent it / need 3 more days / can't."""

    def __init__(self, assignment_id: int, action: str, *, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or _REVIEW_LABELS[action],
                style=_REVIEW_STYLES[action],
                custom_id=f"fb:review:{assignment_id}:{action}",
            )
        )
        self.assignment_id = assignment_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewAnswerButton:
        return cls(int(match["assignment_id"]), match["action"])

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = _cog(interaction)
        text, keep_buttons = await cog.actions.answer(
            self.assignment_id, interaction.user.id, self.action
        )
        await _replace_message(interaction, text, keep_buttons=keep_buttons)


class ReceivedButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:got:(?P<assignment_id>\d+)",
):
    """On the author's announcement: "I received the feedback" opens the rating buttons."""

    def __init__(self, assignment_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="I received the feedback",
                style=discord.ButtonStyle.primary,
                custom_id=f"fb:got:{assignment_id}",
            )
        )
        self.assignment_id = assignment_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReceivedButton:
        return cls(int(match["assignment_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        text = await _cog(interaction).actions.check_rating(self.assignment_id, interaction.user.id)
        await interaction.response.send_message(
            text, view=rating_view(self.assignment_id), ephemeral=True
        )


class RateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:rate:(?P<assignment_id>\d+):(?P<stars>[1-5])",
):
    """The author's helpfulness rating, 1 to 5."""

    def __init__(self, assignment_id: int, stars: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{stars} ★",
                style=discord.ButtonStyle.secondary,
                custom_id=f"fb:rate:{assignment_id}:{stars}",
            )
        )
        self.assignment_id = assignment_id
        self.stars = stars

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RateButton:
        return cls(int(match["assignment_id"]), int(match["stars"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        text = await _cog(interaction).actions.rate(
            self.assignment_id, interaction.user.id, self.stars
        )
        await _replace_message(interaction, text, keep_buttons=False)


class RejoinButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:rejoin:(?P<guild_id>\d+):(?P<user_id>\d+)",
):
    """Sent with the "paused after 3 lapses" notice: back into the reviewer pool."""

    def __init__(self, guild_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Rejoin the reviewer pool",
                style=discord.ButtonStyle.primary,
                custom_id=f"fb:rejoin:{guild_id}:{user_id}",
            )
        )
        self.guild_id = guild_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RejoinButton:
        return cls(int(match["guild_id"]), int(match["user_id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.user_id:
            raise UserError(
                "This button belongs to the member it was sent to. To join the reviewer pool "
                "yourself, use `/feedback join`."
            )
        text = await _cog(interaction).actions.rejoin(self.guild_id, self.user_id)
        await _replace_message(interaction, text, keep_buttons=False)


DYNAMIC_ITEMS = (ReviewAnswerButton, ReceivedButton, RateButton, RejoinButton)


async def _replace_message(
    interaction: discord.Interaction[Any], text: str, *, keep_buttons: bool
) -> None:
    """Show the outcome on the message the button is on (its buttons go once answered)."""
    original = interaction.message.content if interaction.message else ""
    content = clip(f"{original}\n\n{text}" if original else text, 2000)
    if keep_buttons:
        await interaction.response.edit_message(content=content)
    else:
        await interaction.response.edit_message(content=content, view=None)


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

    def __init__(self, topics: Sequence[str]) -> None:
        super().__init__(timeout=MODAL_TIMEOUT)
        self.topics = tuple(topics)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        cog = _cog(interaction)
        text = await cog.actions.submit_draft(
            interaction,
            title=self.draft_title.value,
            link=self.link.value,
            wanted=self.wanted.value,
            length=self.length.value,
            due=self.due.value,
            topics=self.topics,
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
        cog = _cog(interaction)
        text = await cog.config_group.save_topics(interaction, self.topics.value)
        await interaction.response.send_message(text, ephemeral=True)
