"""/help: every command with its description, generated from the command tree."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import HammingBot
from bot.ui import UserError, clip, embed
from cogs.admin.logic import CommandHelp, help_lines, owner_of
from cogs.admin.web_page import page_link

EMBED_TOTAL = 6000  # Discord's limit for all embeds of one message together
CORE_HINT = "Moderators: `/setup` configures everything in one place; `/about` shows what is set."


class HelpCog(commands.Cog):
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    def grouped(self) -> dict[str, list[CommandHelp]]:
        prefixes = {f.name: f.command_prefixes for f in self.bot.features.values()}
        groups: dict[str, list[CommandHelp]] = {"core": []}
        for command in self.bot.tree.walk_commands():
            if not isinstance(command, app_commands.Command):
                continue
            entry = CommandHelp(
                command.qualified_name,
                tuple((p.display_name, p.required) for p in command.parameters),
                command.description,
            )
            groups.setdefault(owner_of(command.qualified_name, prefixes), []).append(entry)
        return groups

    @app_commands.command(name="help")
    @app_commands.describe(feature="Show one feature in full detail")
    async def help(
        self, interaction: discord.Interaction[HammingBot], feature: str | None = None
    ) -> None:
        """Every Hamming command, and what a moderator must set up first."""
        groups = self.grouped()
        features = self.bot.features
        titles = {"core": "Core", **{name: f.title for name, f in features.items()}}
        hints = {"core": CORE_HINT, **{name: f.setup_hint for name, f in features.items()}}
        if feature is not None:
            if feature not in groups:
                raise UserError(
                    f"There is no feature called {clip(feature, 80)!r};"
                    f" choose one of: {', '.join(groups)}."
                )
            chosen = [feature]
        else:
            chosen = [name for name in groups if groups[name]]
        # The embeds of one message share 6,000 characters: each feature gets a share in
        # proportion to its number of commands, after its title and hint.
        room = EMBED_TOTAL - 200 - sum(len(hints.get(n, "")) + 80 for n in chosen)
        count = sum(len(groups[n]) for n in chosen)
        cards = []
        for name in chosen:
            budget = min(3800, room * len(groups[name]) // max(1, count))
            lines = help_lines(sorted(groups[name], key=lambda c: c.name), budget)
            hint = f"*{hints[name]}*\n" if hints.get(name) else ""
            cards.append(embed(titles.get(name, name), hint + "\n".join(lines)))
        link = await page_link(self.bot, interaction.guild_id) if interaction.guild_id else None
        content = f"The cohort's page: {link}" if link else None
        await interaction.response.send_message(content, embeds=cards[:10], ephemeral=True)

    @help.autocomplete("feature")
    async def feature_choices(
        self, interaction: discord.Interaction[HammingBot], current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["core", *self.bot.features]
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n][:25]
