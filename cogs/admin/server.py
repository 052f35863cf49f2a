"""What /config retention, audit, export and reset do (AdminCog declares the commands)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from typing import Any, Literal

import discord

from bot import guilds
from bot.checks import require_guild
from bot.client import HammingBot
from bot.features import implements
from bot.guild_settings import GuildSettings
from bot.time import discord_timestamp
from bot.ui import UserError, clip, embed
from cogs.admin import store
from cogs.admin.confirm import confirm_view
from cogs.admin.logic import role_text

log = logging.getLogger(__name__)


def retention_settings(bot: HammingBot) -> GuildSettings[store.Retention]:
    return GuildSettings(
        bot.db,
        bot.clock,
        read=store.get_retention,
        write=store.write_retention,
        shown=lambda r: {"retention_days": str(r.days)},
    )


async def retention(
    bot: HammingBot, interaction: discord.Interaction[HammingBot], days: int
) -> None:
    guild = require_guild(interaction)
    await retention_settings(bot).save(
        guild.id, interaction.user.id, lambda old: dataclasses.replace(old, days=days)
    )
    await interaction.response.send_message(
        f"Members who leave are paused at once and their data is deleted {days} days later.",
        ephemeral=True,
    )


async def audit(
    bot: HammingBot, interaction: discord.Interaction[HammingBot], limit: int = 10
) -> None:
    guild = require_guild(interaction)
    entries = await guilds.list_audit(bot.db, guild.id, limit)
    lines = [
        f"{discord_timestamp(e.at, 'R')} <@{e.actor_id}> **{e.setting}**:"
        f" {clip(e.old_value or '(unset)', 80)} → {clip(e.new_value or '(unset)', 80)}"
        for e in entries
    ]
    card = embed("Recent configuration changes", clip("\n".join(lines), 4096) or "None yet.")
    await interaction.response.send_message(embed=card, ephemeral=True)


async def export(bot: HammingBot, interaction: discord.Interaction[HammingBot]) -> None:
    guild = require_guild(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    data: dict[str, Any] = {
        "server_id": str(guild.id),
        "exported_at": bot.clock.now().isoformat(),
        "core": await store.export_guild_core(bot.db, guild.id),
    }
    for feature in bot.features_with("export_guild"):
        data[feature.name] = await feature.export_guild(guild.id)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    file = discord.File(io.BytesIO(body), filename=f"hamming-{guild.id}.json")
    await interaction.followup.send("The server's Hamming data:", file=file, ephemeral=True)
    log.info("guild %s exported by %s", guild.id, interaction.user.id)


async def reset(
    bot: HammingBot, interaction: discord.Interaction[HammingBot], feature: str
) -> None:
    require_guild(interaction)
    known = bot.features.get(feature)
    if known is None or not implements(known, "reset_guild"):
        names = ", ".join(f.name for f in bot.features_with("reset_guild"))
        raise UserError(f"{clip(feature, 80)!r} cannot be reset; choose one of: {names or 'none'}.")
    await interaction.response.send_message(
        f"Reset **{known.title}** to its defaults? Its settings go back to how a new server"
        " starts; members' own data stays. The button works for five minutes.",
        view=confirm_view(interaction, "reset", f"Reset {known.title}", arg=feature),
        ephemeral=True,
    )


async def reset_confirmed(
    bot: HammingBot, interaction: discord.Interaction[HammingBot], feature: str
) -> None:
    guild = require_guild(interaction)
    known = bot.features.get(feature)
    if known is None or not implements(known, "reset_guild"):
        raise UserError(f"{clip(feature, 80)!r} cannot be reset.")
    now = bot.clock.now()
    async with bot.db.transaction() as tx:
        await known.reset_guild(tx, guild.id)
        await guilds.insert_audit(
            tx,
            guild_id=guild.id,
            actor_id=interaction.user.id,
            setting=f"{feature}.reset",
            old_value=None,
            new_value="defaults",
            now=now,
        )
    await interaction.response.edit_message(
        content=f"{known.title} is back to its defaults.", view=None
    )


async def save_guild_setting(
    bot: HammingBot,
    interaction: discord.Interaction[HammingBot],
    column: Literal["timezone", "moderator_role_id", "cohort_role_id"],
    value: str | int,
    shown: str,
) -> None:
    """Change one core setting and audit it (old and new as a person reads them)."""
    guild = require_guild(interaction)
    old = await guilds.get_guild_settings(bot.db, guild.id)
    old_shown = {
        "timezone": old.timezone,
        "cohort_role_id": role_text(old.cohort_role_id, "none"),
        "moderator_role_id": role_text(old.moderator_role_id, "none"),
    }[column]
    async with bot.db.transaction() as tx:
        await guilds.update_guild_setting(
            tx,
            guild_id=guild.id,
            column=column,
            value=value,
            actor_id=interaction.user.id,
            shown_old=old_shown,
            shown_new=shown,
            now=bot.clock.now(),
        )
    log.info(
        "guild %s: %s changed %s from %s to %s",
        guild.id,
        interaction.user.id,
        column,
        old_shown,
        shown,
    )
    if column == "timezone" and old.timezone != value:
        # An event, not something a feature polls for: what is planned in local time moves now.
        await bot.zone_changed(guild.id)
