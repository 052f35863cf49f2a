"""A tiny feature defined only in the tests, built from the recipe in docs/ARCHITECTURE.md.

`/nudge me minutes: note:` DMs the member their note later. It shows that a feature is one
package whose `setup` adds one FeatureCog, with no change to `bot/`: the core wires its
command, its scheduled kind and its hooks (export and forget a member, status).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from tests.example_feature.cog import NudgeCog

    await bot.add_cog(NudgeCog(bot))
