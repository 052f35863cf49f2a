"""The test-facing half of FakeDiscord that builds the world and changes it while the bot runs.

Changes made while a bot is connected are dispatched as the gateway events Discord would send.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tests.fake_discord import messaging
from tests.fake_discord.state import (
    BOT_ROLE_PERMISSIONS,
    DM,
    GUILD_CATEGORY,
    GUILD_TEXT,
    GUILD_VOICE,
    MANAGE_GUILD,
    THREAD_TYPES,
    Channel,
    Clock,
    Member,
    Message,
    Overwrite,
    Role,
    World,
)

if TYPE_CHECKING:
    from tests.fake_discord.gateway import Gateway


class WorldApi:
    gateway: Gateway

    def __init__(self) -> None:
        self.clock = Clock()
        self.world = World(self.clock)
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_syncs = 0
        bot = self.world.add_user("Hamming", bot=True)
        self.bot_user_id = bot.id
        self.application_id = bot.id  # like Discord: a bot's user id is its application id
        self.owner_id = self.world.add_user("owner").id

    # ---- building -----------------------------------------------------------------------
    def add_guild(self, name: str = "Cohort") -> int:
        """A guild owned by ``owner_id`` with an @everyone role; the bot is a member."""
        guild = self.world.add_guild(name, self.owner_id)
        for user_id in (self.owner_id, self.bot_user_id):
            guild.members[user_id] = Member(user_id, guild.id, [], self.clock.iso())
        bot_role = Role(
            self.world.ids.next(), guild.id, "Hamming", BOT_ROLE_PERMISSIONS, 1, managed=True
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user_id].roles.append(bot_role.id)
        self._announce_guild(guild.id)
        return guild.id

    def _announce_guild(self, guild_id: int) -> None:
        guild = self.world.guilds[guild_id]
        payload = self.world.guild_json(guild, bot_user_id=self.bot_user_id)
        self.gateway.dispatch("GUILD_CREATE", payload)

    def _add_guild_channel(self, guild_id: int, name: str, kind: int, parent_id: int | None) -> int:
        guild = self.world.guilds[guild_id]
        channel = Channel(
            self.world.ids.next(),
            kind,
            name,
            guild_id,
            parent_id,
            position=len(guild.channel_ids),
        )
        self.world.add_channel(channel)
        self.gateway.dispatch("CHANNEL_CREATE", self._guild_channel_json(channel))
        return channel.id

    def add_text_channel(self, guild_id: int, name: str, *, parent_id: int | None = None) -> int:
        return self._add_guild_channel(guild_id, name, GUILD_TEXT, parent_id)

    def add_voice_channel(self, guild_id: int, name: str, *, parent_id: int | None = None) -> int:
        return self._add_guild_channel(guild_id, name, GUILD_VOICE, parent_id)

    def add_category(self, guild_id: int, name: str) -> int:
        return self._add_guild_channel(guild_id, name, GUILD_CATEGORY, None)

    def add_role(
        self, guild_id: int, name: str, *, permissions: int = 0, managed: bool = False
    ) -> int:
        guild = self.world.guilds[guild_id]
        role = Role(self.world.ids.next(), guild_id, name, permissions, len(guild.roles), managed)
        guild.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role.to_json()}
        )
        return role.id

    def add_user(self, username: str) -> int:
        """A user who shares no guild with the bot (yet)."""
        return self.world.add_user(username).id

    def add_member(
        self,
        guild_id: int,
        username: str,
        *,
        roles: Iterable[int] = (),
        manage_guild: bool = False,
        user_id: int | None = None,
    ) -> int:
        """Create the user (unless ``user_id`` names one) and make them a member of the guild.

        ``manage_guild=True`` gives them a role carrying the Manage Server permission.
        """
        guild = self.world.guilds[guild_id]
        uid = user_id if user_id is not None else self.world.add_user(username).id
        role_ids = list(roles)
        if manage_guild:
            managers = next((r for r in guild.roles.values() if r.name == "Server Managers"), None)
            role_ids.append(
                managers.id
                if managers
                else self.add_role(guild_id, "Server Managers", permissions=MANAGE_GUILD)
            )
        member = Member(uid, guild_id, role_ids, self.clock.iso())
        guild.members[uid] = member
        self.gateway.dispatch(
            "GUILD_MEMBER_ADD", {**self.world.member_json(member), "guild_id": str(guild_id)}
        )
        return uid

    def update_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        roles: Iterable[int] | None = None,
        nick: str | None = None,
    ) -> None:
        member = self.world.guilds[guild_id].members[user_id]
        if roles is not None:
            member.roles = list(roles)
        if nick is not None:
            member.nick = nick
        self.member_updated(guild_id, user_id)

    def member_updated(self, guild_id: int, user_id: int) -> None:
        member = self.world.guilds[guild_id].members[user_id]
        self.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", {**self.world.member_json(member), "guild_id": str(guild_id)}
        )

    def remove_member(self, guild_id: int, user_id: int) -> None:
        del self.world.guilds[guild_id].members[user_id]
        self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild_id), "user": self.world.users[user_id].to_json()},
        )

    def bot_guilds(self) -> list[int]:
        """The guilds the bot is a member of (READY lists only these)."""
        return [g.id for g in self.world.guilds.values() if self.bot_user_id in g.members]

    def remove_bot(self, guild_id: int) -> None:
        """The bot is kicked (or removed by a moderator): GUILD_DELETE without `unavailable`."""
        del self.world.guilds[guild_id].members[self.bot_user_id]
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    def add_bot(self, guild_id: int) -> None:
        """The bot is invited back: a member again, and a GUILD_CREATE."""
        guild = self.world.guilds[guild_id]
        guild.members[self.bot_user_id] = Member(self.bot_user_id, guild_id, [], self.clock.iso())
        bot_role = next(r for r in guild.roles.values() if r.managed and r.name == "Hamming")
        guild.members[self.bot_user_id].roles.append(bot_role.id)
        self._announce_guild(guild_id)

    def set_channel_overwrite(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a role or member overwrite (type inferred) and dispatch CHANNEL_UPDATE."""
        channel = self.world.channels[channel_id]
        guild = self.world.guilds[channel.guild_id or 0]
        kind = 0 if target_id in guild.roles else 1
        channel.overwrites[target_id] = Overwrite(target_id, kind, allow, deny)
        self.gateway.dispatch("CHANNEL_UPDATE", self._guild_channel_json(channel))

    def _guild_channel_json(self, channel: Channel) -> dict[str, Any]:
        return self.world.channel_json(channel)

    def post_user_message(self, channel_id: int, user_id: int, content: str) -> Message:
        """A message written by a (human) user, dispatched to the bot as MESSAGE_CREATE."""
        message = messaging.new_message(self.world, channel_id, user_id, {"content": content}, [])
        self.announce_message(message)
        return message

    def announce_message(self, message: Message, event: str = "MESSAGE_CREATE") -> None:
        if message.ephemeral:
            return  # Discord never sends ephemeral messages over the gateway
        channel = self.world.channels[message.channel_id]
        data = self.world.message_json(message)
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            member = self.world.guilds[channel.guild_id].members.get(message.author_id)
            if member is not None:
                data["member"] = self.world.member_json(member, with_user=False)
        self.gateway.dispatch(event, data, guild_message=channel.guild_id is not None)

    # ---- reading ------------------------------------------------------------------------
    def messages(self, channel_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Messages in a channel, oldest first (ephemeral ones included, see ``.ephemeral``)."""
        ids = self.world.channel_messages.get(channel_id, [])
        found = [self.world.messages[i] for i in ids]
        return [m for m in found if include_deleted or not m.deleted]

    def dm_channel_id(self, user_id: int) -> int | None:
        for channel in self.world.channels.values():
            if channel.type == DM and channel.recipient_id == user_id:
                return channel.id
        return None

    def dm_messages(self, user_id: int) -> list[Message]:
        channel_id = self.dm_channel_id(user_id)
        return [] if channel_id is None else self.messages(channel_id)

    def threads(self, parent_channel_id: int) -> list[Channel]:
        return [
            c
            for c in self.world.channels.values()
            if c.type in THREAD_TYPES and c.parent_id == parent_channel_id
        ]

    def scheduled_events(self, guild_id: int) -> list[dict[str, Any]]:
        guild = self.world.guilds[guild_id]
        return [self.world.event_json(e) for e in guild.events.values()]

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot last synced, globally (None) or for one guild, as the server stored it."""
        return list(self.commands.get(guild_id, []))

    def message(self, message_id: int) -> Message:
        return self.world.messages[message_id]
