"""/config grants setup: the grants channel, the server's reminder offsets, the rolling nudge."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import guilds
from bot.checks import ModeratorGroup, require_guild
from bot.timeparse import TimeParseError, parse_offsets
from bot.ui import UserError
from cogs.grants import store
from cogs.grants.logic import offsets_text

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.grants.cog import GrantsCog

log = logging.getLogger(__name__)


class GrantsConfig(ModeratorGroup, name="grants", description="Grant-deadline reminders"):
    def __init__(self, cog: GrantsCog) -> None:
        super().__init__()
        self.cog = cog

    @app_commands.command(name="setup")
    @app_commands.describe(
        channel="Where deadline reminders go, and where members are mentioned instead of DMed",
        offsets="When the channel is reminded before each deadline, e.g. 30d,14d,7d,3d,1d",
        rolling_nudge="Post a gentle monthly list of rolling funds in the channel",
    )
    async def setup_grants(
        self,
        interaction: discord.Interaction[HammingBot],
        channel: discord.TextChannel | None = None,
        offsets: str | None = None,
        rolling_nudge: bool | None = None,
    ) -> None:
        """Set the grants channel, the reminder offsets and the monthly rolling-fund nudge."""
        guild = require_guild(interaction)
        new, warning = await apply_setup(
            self.cog,
            guild.id,
            interaction.user.id,
            channel=channel,
            offsets=offsets,
            rolling_nudge=rolling_nudge,
        )
        await interaction.response.send_message(describe(new) + warning, ephemeral=True)


async def apply_setup(
    cog: GrantsCog,
    guild_id: int,
    actor_id: int,
    *,
    channel: discord.TextChannel | None = None,
    offsets: str | None = None,
    rolling_nudge: bool | None = None,
) -> tuple[store.GrantSettings, str]:
    """Check, store, audit and reschedule: /config grants setup and /setup's channel select.

    Returns the new settings and a warning to show (e.g. no Embed Links in the channel).
    """
    old = await store.get_settings(cog.bot.db, guild_id)
    new = old
    warning = ""
    if channel is not None:
        warning = _check_can_post(channel)
        new = dataclasses.replace(new, channel_id=channel.id)
    if offsets is not None:
        try:
            new = dataclasses.replace(new, offsets=parse_offsets(offsets))
        except TimeParseError as exc:
            raise UserError(str(exc)) from None
    if rolling_nudge is not None:
        new = dataclasses.replace(new, rolling_nudge=rolling_nudge)
    if new.channel_id is None:
        raise UserError("Choose a `channel:` first: reminders need somewhere to go.")
    await cog.save_settings(guild_id, actor_id, old, new)
    return new, warning


def _check_can_post(channel: discord.TextChannel) -> str:
    """Refuse a channel the bot cannot post in; a warning if embeds would not show."""
    allowed = channel.permissions_for(channel.guild.me)
    if not (allowed.view_channel and allowed.send_messages):
        raise UserError(
            f"I can't post in {channel.mention}: give me View Channel and Send Messages there,"
            " or pick another channel."
        )
    if not allowed.embed_links:
        return f"\nNote: give me Embed Links in {channel.mention} so reminders show in full."
    return ""


def describe(settings: store.GrantSettings) -> str:
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "not set"
    nudge = "on (the 1st of each month)" if settings.rolling_nudge else "off"
    return (
        f"Grant reminders go to {channel} at **{offsets_text(settings.offsets)}** before each"
        f" deadline. Monthly rolling-fund nudge: {nudge}. Members add DMs at their own times"
        " with `/grants subscribe`."
    )


async def audit_changes(
    bot: HammingBot,
    guild_id: int,
    actor_id: int,
    old: store.GrantSettings,
    new: store.GrantSettings,
) -> None:
    """One audit row per changed setting, inside the caller's transaction."""
    pairs = [
        ("grants.channel", _channel(old.channel_id), _channel(new.channel_id)),
        ("grants.offsets", offsets_text(old.offsets), offsets_text(new.offsets)),
        ("grants.rolling_nudge", str(old.rolling_nudge).lower(), str(new.rolling_nudge).lower()),
    ]
    async with bot.db.transaction() as tx:
        changed = await guilds.audit_changes(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            before={setting: before for setting, before, _ in pairs},
            after={setting: after for setting, _, after in pairs},
            now=bot.clock.now(),
        )
    log.info("guild %s: %s changed %s", guild_id, actor_id, ", ".join(changed) or "nothing")


def _channel(channel_id: int | None) -> str:
    return f"<#{channel_id}>" if channel_id else "none"
