"""/setup: configure the whole cohort in one ephemeral message, with Discord's own selects.

Pages: the features' channels (four selects a page, as many pages as there are features), people
and time, and the check-in schedule; each page shows the checklist.
Every component is a DynamicItem, so the message keeps working across a restart, and each
choice is saved (and audited) the moment it is made: running /setup again edits, never
duplicates.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import time
from typing import Any, Literal

import discord

from bot import guilds
from bot.checks import ensure_moderator, hamming, require_guild
from bot.client import HammingBot
from bot.commands import lacking_permissions
from bot.features import FeatureCog, implements
from bot.timeparse import WEEKDAYS, parse_zone
from bot.ui import FromCustomId, UserError, embed, reports_errors
from cogs.admin.logic import role_text
from cogs.admin.server import save_guild_setting

log = logging.getLogger(__name__)

COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Amsterdam",
    "Europe/Stockholm", "Europe/Warsaw", "Europe/Kyiv", "Europe/Istanbul", "Africa/Lagos",
    "Africa/Nairobi", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai",
    "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Toronto", "America/Mexico_City",
)  # fmt: skip
CHANNELS_PER_PAGE = 4  # a message holds five rows: four selects and the page buttons


def channel_pages(bot: HammingBot) -> list[list[FeatureCog]]:
    """The features with a channel to choose, four to a page (at least one page)."""
    features = bot.features_with("set_channel")
    return [
        features[i : i + CHANNELS_PER_PAGE] for i in range(0, len(features), CHANNELS_PER_PAGE)
    ] or [[]]


def page_titles(bot: HammingBot) -> list[str]:
    channels = channel_pages(bot)
    numbered = len(channels) > 1
    return [
        *(f"Channels {i + 1}" if numbered else "Channels" for i in range(len(channels))),
        "People and time",
        "Check-in schedule",
    ]


async def checklist(bot: HammingBot, guild: discord.Guild) -> list[str]:
    """What is configured and what is missing, with the permissions the bot lacks."""
    settings = await guilds.get_guild_settings(bot.db, guild.id)
    lines = [
        f"✅ Time zone: {settings.timezone}",
        f"{'✅' if settings.cohort_role_id else '⬜'} Cohort role:"
        f" {role_text(settings.cohort_role_id, 'not set (everyone counts)')}",
        f"{'✅' if settings.moderator_role_id else '⬜'} Moderator role:"
        f" {role_text(settings.moderator_role_id, 'not set (Manage Server only)')}",
    ]
    for feature in bot.features_with("get_channel"):
        channel_id = await feature.get_channel(guild.id)
        channel = guild.get_channel(channel_id) if channel_id else None
        if channel is None:
            lines.append(f"⬜ {feature.title}: no channel yet")
            continue
        missing = lacking_permissions(channel, guild.me, feature.channel_permissions)
        if missing:
            lines.append(f"⚠️ {feature.title}: {channel.mention}, but I lack {', '.join(missing)}")
        else:
            lines.append(f"✅ {feature.title}: {channel.mention}")
    return lines


async def render(
    bot: HammingBot, guild: discord.Guild, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    titles = page_titles(bot)
    page = min(page, len(titles) - 1)
    channels = channel_pages(bot)
    card = embed(f"Set up Hamming: {titles[page]} ({page + 1}/{len(titles)})")
    card.description = "\n".join(await checklist(bot, guild))
    card.set_footer(text="Each choice is saved as soon as you make it.")
    view = discord.ui.View(timeout=None)
    if page < len(channels):
        for feature in channels[page]:
            view.add_item(ChannelChoice(feature.name, feature.title))
    elif page == len(channels):
        view.add_item(RoleChoice("cohort"))
        view.add_item(RoleChoice("moderator"))
        view.add_item(ZoneChoice())
    else:
        view.add_item(CheckinDayChoice())
        view.add_item(CheckinTimeChoice())
    if page > 0:
        view.add_item(PageButton(page - 1, "← Back"))
    view.add_item(
        PageButton(page + 1, "Next →") if page < len(titles) - 1 else PageButton(page, "Done")
    )
    return card, view


async def _refresh(interaction: discord.Interaction[HammingBot], page: int) -> None:
    bot = hamming(interaction)
    guild = require_guild(interaction)
    card, view = await render(bot, guild, page)
    await interaction.response.edit_message(embed=card, view=view)


class ChannelChoice(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.ChannelSelect[Any]],
    template=r"setup:channel:(?P<feature>\w+)",
):
    def __init__(self, feature: str, title: str = "") -> None:
        super().__init__(
            discord.ui.ChannelSelect(
                custom_id=f"setup:channel:{feature}",
                placeholder=f"{title or feature} channel",
                channel_types=[discord.ChannelType.text],
            )
        )
        self.feature = feature

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await ensure_moderator(interaction)
        bot = hamming(interaction)
        feature = bot.features.get(self.feature)
        if feature is None or not implements(feature, "set_channel") or not self.item.values:
            raise UserError("That feature cannot be set up here any more; run /setup again.")
        channel = self.item.values[0]
        await feature.set_channel(require_guild(interaction).id, channel.id, interaction.user.id)
        page = next(i for i, fs in enumerate(channel_pages(bot)) if feature in fs)
        await _refresh(interaction, page)


def _select(
    custom_id: str, placeholder: str, options: Iterable[tuple[str, str]]
) -> discord.ui.Select[Any]:
    """One of the wizard's persistent selects: its options as (label, value) pairs."""
    return discord.ui.Select(
        custom_id=custom_id,
        placeholder=placeholder,
        options=[discord.SelectOption(label=label, value=value) for label, value in options],
    )


class RoleChoice(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.RoleSelect[Any]],
    template=r"setup:role:(?P<which>cohort|moderator)",
):
    def __init__(self, which: str) -> None:
        super().__init__(
            discord.ui.RoleSelect(
                custom_id=f"setup:role:{which}", placeholder=f"{which.title()} role"
            )
        )
        self.which = which

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await ensure_moderator(interaction)
        role = self.item.values[0]
        column: Literal["cohort_role_id", "moderator_role_id"] = (
            "cohort_role_id" if self.which == "cohort" else "moderator_role_id"
        )
        await save_guild_setting(hamming(interaction), interaction, column, role.id, role.mention)
        await _refresh(interaction, len(channel_pages(hamming(interaction))))


class ZoneChoice(
    FromCustomId, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"setup:zone"
):
    def __init__(self) -> None:
        super().__init__(
            _select(
                "setup:zone",
                "Server time zone (others: /config timezone)",
                ((zone, zone) for zone in COMMON_ZONES),
            )
        )

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await ensure_moderator(interaction)
        zone = parse_zone(self.item.values[0]).key
        await save_guild_setting(hamming(interaction), interaction, "timezone", zone, zone)
        await _refresh(interaction, len(channel_pages(hamming(interaction))))


class CheckinDayChoice(
    FromCustomId, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"setup:checkin-day"
):
    def __init__(self) -> None:
        super().__init__(
            _select(
                "setup:checkin-day", "Check-in day", ((d, str(i)) for i, d in enumerate(WEEKDAYS))
            )
        )

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await ensure_moderator(interaction)
        await _set_schedule(interaction, int(self.item.values[0]), None)
        await _refresh(interaction, len(page_titles(hamming(interaction))) - 1)


class CheckinTimeChoice(
    FromCustomId, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"setup:checkin-time"
):
    def __init__(self) -> None:
        super().__init__(
            _select(
                "setup:checkin-time",
                "Check-in time (server time zone)",
                ((f"{h:02d}:00", str(h)) for h in range(24)),
            )
        )

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await ensure_moderator(interaction)
        await _set_schedule(interaction, None, time(int(self.item.values[0])))
        await _refresh(interaction, len(page_titles(hamming(interaction))) - 1)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setup:page:(?P<page>\d{1,2})(?::done)?",
):
    def __init__(self, page: int, label: str) -> None:
        suffix = ":done" if label == "Done" else ""
        super().__init__(
            discord.ui.Button(
                label=label,
                custom_id=f"setup:page:{page}{suffix}",
                style=discord.ButtonStyle.primary
                if label != "← Back"
                else discord.ButtonStyle.secondary,
            )
        )
        self.page = page
        self.done = label == "Done"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PageButton:
        label = "Done" if match[0].endswith(":done") else "page"
        return cls(int(match["page"]), label)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await ensure_moderator(interaction)
        if self.done:
            guild = require_guild(interaction)
            card = embed(
                "Hamming is set up", "\n".join(await checklist(hamming(interaction), guild))
            )
            card.set_footer(text="Change anything later with /setup or the /config commands.")
            await interaction.response.edit_message(embed=card, view=None)
            return
        await _refresh(interaction, self.page)


async def _set_schedule(
    interaction: discord.Interaction[HammingBot], weekday: int | None, at: time | None
) -> None:
    bot = hamming(interaction)
    feature = next(iter(bot.features_with("set_schedule")), None)
    if feature is None:
        raise UserError("Check-ins are not installed on this bot.")
    await feature.set_schedule(require_guild(interaction).id, weekday, at, interaction.user.id)


DYNAMIC_ITEMS = (
    ChannelChoice,
    RoleChoice,
    ZoneChoice,
    CheckinDayChoice,
    CheckinTimeChoice,
    PageButton,
)
