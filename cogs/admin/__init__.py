"""Core commands: /about, /config, /me, /help, the weekly digest, members who leave."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.admin.cog import AdminCog
    from cogs.admin.confirm import ConfirmButton
    from cogs.admin.digest import DigestCog, DigestConfig
    from cogs.admin.help import HelpCog
    from cogs.admin.me import MeCog
    from cogs.admin.membership import MembershipCog
    from cogs.admin.my_reminders import StopButton
    from cogs.admin.setup_wizard import DYNAMIC_ITEMS
    from cogs.admin.web_page import WebConfig

    await bot.add_cog(AdminCog(bot))
    await bot.add_cog(MeCog(bot))
    await bot.add_cog(MembershipCog(bot))
    await bot.add_cog(HelpCog(bot))
    digest = DigestCog(bot)
    await bot.add_cog(digest)
    config = bot.tree.get_command("config")
    assert isinstance(config, app_commands.Group)
    config.add_command(DigestConfig(digest))
    config.add_command(WebConfig(bot))
    # Reloaded after the features: give their /config groups back to the new /config.
    for feature in bot.features.values():
        if feature.config_group is not None:
            config.add_command(feature.config_group)
    bot.add_dynamic_items(ConfirmButton, StopButton, *DYNAMIC_ITEMS)


async def teardown(bot: HammingBot) -> None:
    from cogs.admin.confirm import ConfirmButton
    from cogs.admin.my_reminders import StopButton
    from cogs.admin.setup_wizard import DYNAMIC_ITEMS

    bot.remove_dynamic_items(ConfirmButton, StopButton, *DYNAMIC_ITEMS)
