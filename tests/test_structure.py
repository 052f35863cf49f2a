"""Structure: every cog loads, command names do not collide, the README lists every command."""

from __future__ import annotations

import re
from pathlib import Path

from discord import app_commands

from bot.client import HammingBot

ROOT = Path(__file__).resolve().parents[1]


def command_names(bot: HammingBot) -> list[str]:
    return [
        command.qualified_name
        for command in bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
    ]


async def test_every_feature_package_loads_with_distinct_commands(loaded_bot: HammingBot) -> None:
    names = command_names(loaded_bot)
    assert len(names) == len(set(names))
    assert {"about", "config show", "me timezone"} <= set(names)
    for command in loaded_bot.tree.walk_commands():
        assert 1 <= len(command.description) <= 100, command.qualified_name


async def test_readme_command_reference_lists_every_command(loaded_bot: HammingBot) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Command reference", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`/([a-z0-9_-]+(?: [a-z0-9_-]+)*)[ `]", reference))
    missing = [name for name in command_names(loaded_bot) if name not in documented]
    assert missing == [], f"README command reference lacks: {missing}"
