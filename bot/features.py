"""THE feature contract: what a feature declares, and the hooks the core calls.

A feature is one package, `cogs/<name>/`, whose `setup(bot)` adds one `FeatureCog`. The cog
declares what the core needs to wire it (its name, title, `/config` group, dynamic items, the
channel permissions it needs and its scheduled kinds) and implements the hooks it has a use
for (status, export and forget a member, reset a server, its digest section, calendar events,
/setup's fields, a time-zone change). `cog_load` attaches all of it and `cog_unload` detaches
all of it, so `bot.reload_extension("cogs.<name>")` works, and the server-wide tools (/setup,
/about, /help, /me export and forget, /config reset and export, the digest, calendar feeds)
find every feature through `bot.features` without importing any of them.

In the spirit of Red-DiscordBot's cog hooks (`red_delete_data_for_user`, ...): the core calls a
method; a feature that has nothing to say does not override it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import CalendarEvent
from bot.db import Transaction
from bot.ledger import Occurrence
from bot.scheduler import Kind as Kind
from bot.scheduler import Periodic as Periodic

if TYPE_CHECKING:
    from bot.client import HammingBot
    from bot.page import PageSection

Handler = Callable[[Occurrence], Awaitable[None]]
Planner = Callable[[datetime], Awaitable[None]]
DEFAULT_CHANNEL_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
# The hooks a feature may implement; `implements()` tells the core which ones it did.
HOOKS = (
    "status",
    "get_channel",
    "set_channel",
    "set_schedule",
    "export_member",
    "forget_member",
    "list_member_ids",
    "export_guild",
    "reset_guild",
    "digest_section",
    "calendar_events",
    "zone_changed",
    "member_reminders",
    "stop_member_reminder",
    "cohort_page",
    "member_zone_changed",
)


@dataclass(frozen=True)
class FeatureStatus:
    """One line of a server's checklist (/about, /config show): is it set up, and how."""

    name: str
    configured: bool
    summary: str


@dataclass(frozen=True)
class DigestSection:
    """A feature's part of the weekly digest."""

    title: str
    lines: tuple[str, ...]
    chart_png: bytes | None = None  # at most one chart: the check-in participation chart


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a member removed, and Discord clean-up to do once it is committed
    (e.g. delete their answer messages, re-match a review they will not write)."""

    rows: int
    after_commit: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class PendingReminder:
    """Something the feature will send the member later, for /me reminders.

    `ref` is the feature's own handle for it (at most 60 characters of letters, digits, `-`,
    `_` and `.`; it travels in a button's custom id); the core passes it back unread to
    `stop_member_reminder`, with the id of the member who pressed.
    """

    ref: str
    what: str  # "Check-in reminder, week 50", "LTFF round: 7 days before the deadline"
    due_at: datetime | None
    stop: str = "Stop"  # what the button does, in one or two words: "Cancel", "Unsubscribe"


@dataclass(frozen=True)
class Job:
    """A scheduled kind and the handler that performs its occurrences (one per kind)."""

    kind: Kind
    handler: Handler


class FeatureCog(commands.Cog):
    """The base class of every feature's cog. Subclasses set the class attributes below and
    override the hooks they need; everything else is wired by the core."""

    # -- what a feature declares ------------------------------------------------------------
    name: ClassVar[str]  # equals the package name: cogs/<name>/ (/config reset feature:, /help)
    title: ClassVar[str]  # "Check-ins"
    # Its commands by qualified-name prefix, for /help (e.g. ("checkin", "config checkins")).
    command_prefixes: ClassVar[tuple[str, ...]] = ()
    setup_hint: ClassVar[str] = ""  # what a moderator configures first, for /help
    # Permissions (discord.Permissions attribute names) the bot needs in the feature's channel.
    channel_permissions: ClassVar[tuple[str, ...]] = DEFAULT_CHANNEL_PERMISSIONS
    # Persistent components (their custom ids carry a database key), registered on load.
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = ()

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        # The feature's `/config <name>` group, attached under /config on load (or None).
        self.config_group: app_commands.Group | None = None

    def jobs(self) -> Sequence[Job]:
        """The scheduled kinds this feature performs, each with its handler."""
        return ()

    def planners(self) -> Sequence[tuple[str, Planner]]:
        """(name, planner): make sure the next occurrences exist; run at start-up and on load."""
        return ()

    def periodic(self) -> Sequence[Periodic]:
        """Maintenance that is not a message (a replan, a purge), run every interval."""
        return ()

    # -- life cycle: the core does the wiring ------------------------------------------------

    async def cog_load(self) -> None:
        await self.bot.attach_feature(self)

    async def cog_unload(self) -> None:
        self.bot.detach_feature(self)

    # -- hooks (override what applies) -------------------------------------------------------

    async def status(self, guild_id: int) -> FeatureStatus:
        """One line for /about and /config show."""
        raise NotImplementedError

    async def get_channel(self, guild_id: int) -> int | None:
        """The feature's channel, or None when it is not configured (for /setup)."""
        raise NotImplementedError

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        """Configure the feature's channel from /setup."""
        raise NotImplementedError

    async def set_schedule(
        self, guild_id: int, weekday: int | None, at: time | None, actor_id: int
    ) -> None:
        """/setup's weekly day and time (the check-in prompt)."""
        raise NotImplementedError

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything the feature holds about a member, for /me export."""
        raise NotImplementedError

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        """Delete every row about the member, in the caller's transaction (/me forget)."""
        raise NotImplementedError

    async def list_member_ids(self, guild_id: int) -> set[int]:
        """Every member the feature holds data for (reconciled against the member list)."""
        raise NotImplementedError

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        """The server's configuration and aggregates for /config export (nothing private)."""
        raise NotImplementedError

    async def reset_guild(self, tx: Transaction, guild_id: int) -> None:
        """Back to defaults: configuration only, never members' data (/config reset)."""
        raise NotImplementedError

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        """The feature's part of the weekly digest, or None when it has nothing to say."""
        raise NotImplementedError

    async def calendar_events(self, guild_id: int) -> Sequence[CalendarEvent]:
        """Events for the server's calendar feed."""
        raise NotImplementedError

    async def zone_changed(self, guild_id: int) -> None:
        """The server's time zone changed: replan what is scheduled in local time."""
        raise NotImplementedError

    async def cohort_page(self, guild_id: int, now: datetime) -> Sequence[PageSection]:
        """The feature's part of the server's cohort page: public data only (nothing a member
        marked private, no answers, no names of who did what unless they chose to share)."""
        raise NotImplementedError

    async def member_reminders(self, guild_id: int, user_id: int) -> Sequence[PendingReminder]:
        """What the feature will send this member later (for /me reminders), soonest first."""
        raise NotImplementedError

    async def stop_member_reminder(self, guild_id: int, user_id: int, ref: str) -> str:
        """Stop one of the member's pending reminders (`ref` from `member_reminders`); returns
        what was stopped, in words. Raises a DomainError if it is not theirs or is gone."""
        raise NotImplementedError

    async def member_zone_changed(self, guild_id: int, user_id: int) -> None:
        """A member set their own time zone (/me timezone): replan what is in their time."""
        raise NotImplementedError


def implements(feature: FeatureCog, hook: str) -> bool:
    """Whether the feature overrides `hook` (the core skips features that do not)."""
    if hook not in HOOKS:
        raise ValueError(f"{hook!r} is not a feature hook")
    return getattr(type(feature), hook) is not getattr(FeatureCog, hook)


def package_of(feature: FeatureCog) -> str | None:
    """The `cogs/<package>` a feature's class lives in, or None outside cogs/ (tests)."""
    parts = type(feature).__module__.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cogs" else None
