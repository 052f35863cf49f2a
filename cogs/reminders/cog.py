"""`/remind`: personal reminders by DM. Discord I/O only; rules in logic.py, SQL in store.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import discord
from discord import app_commands

from bot import guilds
from bot.checks import require_guild
from bot.client import HammingBot
from bot.db import Transaction
from bot.features import FeatureCog, FeatureStatus, Forgotten, Job, PendingReminder
from bot.time import discord_timestamp
from bot.timeparse import parse_when
from bot.ui import UserError, clip
from cogs.reminders import store
from cogs.reminders.jobs import REMIND, send_reminder
from cogs.reminders.logic import MAX_PENDING, check_room, reminder_text


async def pending_autocomplete(
    interaction: discord.Interaction[HammingBot], current: str
) -> list[app_commands.Choice[str]]:
    """The member's own pending reminders only, soonest first."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    pending = await store.list_pending(bot.db, interaction.guild_id, interaction.user.id)
    zone = await guilds.get_reading_zone(bot.db, interaction.guild_id, interaction.user.id)
    wanted = current.strip().lower()
    return [
        app_commands.Choice(
            name=clip(f"{r.due_at.astimezone(zone):%a %d %b %H:%M} — {r.text}", 100),
            value=str(r.id),
        )
        for r in pending
        if wanted in r.text.lower()
    ][:25]


class RemindersCog(FeatureCog):
    name: ClassVar[str] = "reminders"
    title: ClassVar[str] = "Personal reminders"
    command_prefixes: ClassVar[tuple[str, ...]] = ("remind",)
    setup_hint: ClassVar[str] = (
        "Nothing to set up: members use `/remind me when: what:` for reminders by DM."
    )

    remind = app_commands.Group(
        name="remind", description="Reminders to yourself, by DM", guild_only=True
    )

    def jobs(self) -> Sequence[Job]:
        return [Job(REMIND, lambda occurrence: send_reminder(self.bot, occurrence))]

    @remind.command(name="me")
    @app_commands.describe(
        when="When, in your time zone: 'friday 9am', 'in 2 hours', 'dec 15 5pm PT'",
        what="What to remind you of",
    )
    async def remind_me(
        self,
        interaction: discord.Interaction[HammingBot],
        when: app_commands.Range[str, 1, 100],
        what: app_commands.Range[str, 1, 2000],
    ) -> None:
        """DM me a reminder at a time I choose."""
        guild = require_guild(interaction)
        db, now = self.bot.db, self.bot.clock.now()
        text = reminder_text(what)
        zone = await guilds.get_reading_zone(db, guild.id, interaction.user.id)
        parsed = parse_when(when, zone, now)  # never in the past: the parser refuses it
        async with db.transaction() as tx:
            check_room(len(await store.list_pending(tx, guild.id, interaction.user.id)))
            reminder_id = await store.add(
                tx,
                guild_id=guild.id,
                user_id=interaction.user.id,
                channel_id=interaction.channel_id,
                text=text,
                due_at=parsed.when,
                now=now,
            )
            await self.bot.scheduler.schedule(
                REMIND.key(reminder_id),
                REMIND,
                parsed.when,
                guild_id=guild.id,
                user_id=interaction.user.id,
                payload={"reminder": reminder_id},
            )
        notes = "".join(f"\n-# {note}" for note in parsed.notes)
        await interaction.response.send_message(
            f"I'll DM you {discord_timestamp(parsed.when, 'F')} "
            f"({discord_timestamp(parsed.when, 'R')}; read as {parsed.describe()}):\n"
            f"> {clip(text, 1500)}{notes}",
            ephemeral=True,
        )

    @remind.command(name="list")
    async def remind_list(self, interaction: discord.Interaction[HammingBot]) -> None:
        """My reminders still to come."""
        guild = require_guild(interaction)
        pending = await store.list_pending(self.bot.db, guild.id, interaction.user.id)
        if not pending:
            await interaction.response.send_message(
                "You have no reminders waiting. `/remind me when: what:` sets one.",
                ephemeral=True,
            )
            return
        lines = [
            f"{discord_timestamp(r.due_at, 'F')} ({discord_timestamp(r.due_at, 'R')}): "
            f"{clip(r.text, 120)}"
            for r in pending
        ]
        header = f"Your reminders ({len(pending)} of at most {MAX_PENDING}):"
        await interaction.response.send_message(
            clip("\n".join([header, *lines]), 2000), ephemeral=True
        )

    @remind.command(name="cancel")
    @app_commands.describe(reminder="One of your reminders (start typing its words)")
    @app_commands.autocomplete(reminder=pending_autocomplete)
    async def remind_cancel(
        self, interaction: discord.Interaction[HammingBot], reminder: str
    ) -> None:
        """Cancel one of my reminders."""
        guild = require_guild(interaction)
        found = await self.resolve(guild.id, interaction.user.id, reminder)
        await interaction.response.send_message(
            f"Cancelled {await self.cancel(found, interaction.user.id)}", ephemeral=True
        )

    async def cancel(self, found: store.Reminder, user_id: int) -> str:
        """Cancel the member's own pending reminder; returns what was cancelled, in words."""
        async with self.bot.db.transaction() as tx:
            cancelled = await store.cancel(tx, found.id, user_id, self.bot.clock.now())
        if not cancelled:
            raise UserError("That reminder was already sent or cancelled.")
        await self.bot.scheduler.cancel(key=REMIND.key(found.id))
        return f"your reminder for {discord_timestamp(found.due_at, 'F')}: {clip(found.text, 200)}"

    async def resolve(self, guild_id: int, user_id: int, typed: str) -> store.Reminder:
        """The member's own pending reminder an option names (an id from autocomplete, or
        words that match exactly one); another member's reminder is never found."""
        pending = await store.list_pending(self.bot.db, guild_id, user_id)
        if typed.strip().isdigit():
            for reminder in pending:
                if reminder.id == int(typed):
                    return reminder
        matching = [r for r in pending if typed.strip().lower() in r.text.lower()]
        if len(matching) == 1:
            return matching[0]
        raise UserError(
            "I couldn't find one of your waiting reminders by that; pick one from the list "
            "that appears as you type (`/remind list` shows them all)."
        )

    # -- hooks --------------------------------------------------------------------------------

    async def status(self, guild_id: int) -> FeatureStatus:
        count = await store.count_pending(self.bot.db, guild_id)
        return FeatureStatus(self.title, True, f"{count} reminder(s) waiting.")

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        def when(value: Any) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "reminders": [
                {
                    "text": r.text,
                    "due_at": when(r.due_at),
                    "created_at": when(r.created_at),
                    "sent_at": when(r.sent_at),
                    "cancelled_at": when(r.cancelled_at),
                }
                for r in await store.list_member(self.bot.db, guild_id, user_id)
            ]
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        # Their pending sends name them in the ledger, which the core forgets itself.
        return Forgotten(await store.delete_member(tx, guild_id, user_id))

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        # Reminders are private to each member: the server's export has the count only.
        return {"pending": await store.count_pending(self.bot.db, guild_id)}

    async def member_reminders(self, guild_id: int, user_id: int) -> Sequence[PendingReminder]:
        return [
            PendingReminder(str(r.id), f"“{clip(r.text, 120)}”", r.due_at, stop="Cancel")
            for r in await store.list_pending(self.bot.db, guild_id, user_id)
        ]

    async def stop_member_reminder(self, guild_id: int, user_id: int, ref: str) -> str:
        found = await self.resolve(guild_id, user_id, ref)
        return await self.cancel(found, user_id)
