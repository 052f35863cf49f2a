"""Write-ups: each member's write-ups from idea to published, announced once, nudged gently."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.writeups.cog import WriteupsCog

    await bot.add_cog(WriteupsCog(bot))
