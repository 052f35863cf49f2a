"""Core commands: /about, /config (server settings), /me (a member's own settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.admin.cog import AdminCog

    await bot.add_cog(AdminCog(bot))
