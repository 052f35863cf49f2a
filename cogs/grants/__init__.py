"""Grant deadlines: opportunities, reminders at several offsets, subscriptions, feed imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    # Imported here, not at the top: the feed worker (python -m cogs.grants.feed_worker) is a
    # fresh process per feed and should not pay for discord.py's import.
    from discord import app_commands

    from cogs.grants.cog import GrantsCog
    from cogs.grants.config import GrantsConfig
    from cogs.grants.feature import grants_feature
    from cogs.grants.views import ListPageButton, RemoveButton

    cog = GrantsCog(bot)
    await bot.add_cog(cog)
    config_group = bot.tree.get_command("config")
    assert isinstance(config_group, app_commands.Group)
    config_group.add_command(GrantsConfig(cog))
    bot.add_dynamic_items(ListPageButton, RemoveButton)
    cog.reminders.register()
    cog.importer.register()
    bot.add_feature_status(cog.feature_status)
    bot.add_calendar_source(cog.calendar_events)
    bot.register_feature(grants_feature(cog))
