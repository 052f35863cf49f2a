"""The fake server's world: users, guilds, channels, roles, members, messages, events, commands.

Plain data plus the functions that render it as Discord's JSON. No I/O here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
ALL_PERMISSIONS = (1 << 53) - 1
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10


def _bits(*positions: int) -> int:
    return sum(1 << p for p in positions)


# What @everyone gets in a new Discord server: invite, reactions, stream, view, send, embed,
# attach, history, mention everyone, external emoji, connect, speak, voice activity, change
# nickname, application commands, request to speak, threads, external stickers, activities.
DEFAULT_EVERYONE_PERMISSIONS = _bits(
    0, 6, 9, 10, 11, 14, 15, 16, 17, 18, 20, 21, 25, 26, 31, 32, 35, 36, 37, 38, 39
)
# The bot's own managed role: the permissions the README's invite link asks for (view, send,
# embed, attach, history, manage events, public and private threads, send in threads).
BOT_ROLE_PERMISSIONS = _bits(10, 11, 14, 15, 16, 33, 35, 36, 38)

# channel types
GUILD_TEXT, DM, GUILD_VOICE, GUILD_CATEGORY = 0, 1, 2, 4
PUBLIC_THREAD, PRIVATE_THREAD = 11, 12
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)

EPHEMERAL = 1 << 6
LOADING = 1 << 7


class Clock:
    """Server time. Tests may advance it to cross nonce and follow-up windows without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.offset)

    def iso(self) -> str:
        return self.now().isoformat()


class Snowflakes:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._counter = itertools.count()

    def next(self) -> int:
        ms = int(self._clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) % 4096)


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "avatar": None,
            "discriminator": "0",
            "public_flags": 0,
            "flags": 0,
            "global_name": self.global_name,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Member:
    user_id: int
    guild_id: int
    roles: list[int]
    joined_at: str
    nick: str | None = None


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int
    deny: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class Channel:
    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipient_id: int | None = None  # DMs
    owner_id: int | None = None  # threads
    thread_members: set[int] = field(default_factory=set)
    created_at: str = ""
    archived: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    dms_closed: bool = False


@dataclass
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    def to_json(self, base_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": f"{base_url}/attachments/{self.id}/{self.filename}",
            "proxy_url": f"{base_url}/attachments/{self.id}/{self.filename}",
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass
class Message:
    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    timestamp: str = ""
    edited_timestamp: str | None = None
    nonce: str | int | None = None
    type: int = 0
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    deleted: bool = False
    edits: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)


@dataclass
class ScheduledEvent:
    id: int
    guild_id: int
    creator_id: int
    body: dict[str, Any]
    status: int = 1  # 1 scheduled, 2 active, 3 completed, 4 canceled

    @property
    def active(self) -> bool:
        return self.status in (1, 2)


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    events: dict[int, ScheduledEvent] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]


class World:
    """All entities, keyed by snowflake, with Discord-shaped JSON renderers."""

    def __init__(self, clock: Clock, base_url: str = "http://127.0.0.1") -> None:
        self.clock = clock
        self.ids = Snowflakes(clock)
        self.base_url = base_url
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.dm_by_user: dict[int, int] = {}  # an index: a scan per DM is quadratic in fan-outs

    # ---- construction -------------------------------------------------------------------
    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None) -> User:
        user = User(user_id or self.ids.next(), username, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, owner_id: int) -> Guild:
        guild = Guild(self.ids.next(), name, owner_id)
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
        self.guilds[guild.id] = guild
        return guild

    def add_channel(self, channel: Channel) -> Channel:
        channel.created_at = channel.created_at or self.clock.iso()
        self.channels[channel.id] = channel
        self.channel_messages.setdefault(channel.id, [])
        if channel.type == DM and channel.recipient_id is not None:
            self.dm_by_user.setdefault(channel.recipient_id, channel.id)
        if channel.guild_id is not None:
            self.guilds[channel.guild_id].channel_ids.append(channel.id)
        return channel

    def dm_channel(self, user_id: int) -> Channel:
        known = self.channels.get(self.dm_by_user.get(user_id, 0))
        if known is not None and known.type == DM and known.recipient_id == user_id:
            return known
        return self.add_channel(Channel(self.ids.next(), DM, recipient_id=user_id))

    # ---- permissions --------------------------------------------------------------------
    def base_permissions(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.everyone.permissions
        for role_id in member.roles if member else []:
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions(self, channel: Channel, user_id: int) -> int:
        if channel.guild_id is None:
            return ALL_PERMISSIONS & ~ADMINISTRATOR
        guild = self.guilds[channel.guild_id]
        perms = self.base_permissions(guild, user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        source = self.channels.get(channel.parent_id or 0, channel)
        overwrites = source.overwrites if channel.type in THREAD_TYPES else channel.overwrites
        member = guild.members.get(user_id)
        everyone = overwrites.get(guild.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles if member else []:
            if role_id in overwrites:
                allow |= overwrites[role_id].allow
                deny |= overwrites[role_id].deny
        perms = (perms & ~deny) | allow
        own = overwrites.get(user_id)
        if own and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        return perms

    # ---- JSON -----------------------------------------------------------------------------
    def member_json(self, member: Member, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "flags": 0,
            "joined_at": member.joined_at,
            "nick": member.nick,
            "pending": False,
            "premium_since": None,
            "roles": [str(r) for r in member.roles],
            "mute": False,
            "deaf": False,
        }
        if with_user:
            data["user"] = self.users[member.user_id].to_json()
        return data

    def channel_json(self, channel: Channel) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(channel.id), "type": channel.type, "flags": 0}
        last = self.channel_messages.get(channel.id)
        data["last_message_id"] = str(last[-1]) if last else None
        if channel.type == DM:
            data["recipients"] = [self.users[channel.recipient_id or 0].to_json()]
            return data
        data.update(guild_id=str(channel.guild_id), name=channel.name)
        data["parent_id"] = str(channel.parent_id) if channel.parent_id else None
        if channel.type in THREAD_TYPES:
            data.update(
                owner_id=str(channel.owner_id),
                message_count=len(last or []),
                member_count=len(channel.thread_members),
                total_message_sent=len(last or []),
                rate_limit_per_user=0,
                thread_metadata={
                    "archived": channel.archived,
                    "archive_timestamp": channel.created_at,
                    "auto_archive_duration": channel.auto_archive_duration,
                    "locked": False,
                    "create_timestamp": channel.created_at,
                    **({"invitable": channel.invitable} if channel.type == PRIVATE_THREAD else {}),
                },
            )
            return data
        data.update(
            position=channel.position,
            permission_overwrites=[o.to_json() for o in channel.overwrites.values()],
            nsfw=False,
        )
        if channel.type == GUILD_TEXT:
            data.update(topic=None, rate_limit_per_user=0)
        elif channel.type == GUILD_VOICE:
            data.update(bitrate=64000, user_limit=0, rtc_region=None, rate_limit_per_user=0)
        return data

    def message_json(self, message: Message) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": message.type,
            "content": message.content,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.to_json(self.base_url) for a in message.attachments],
            "embeds": [{"type": "rich", **e} for e in message.embeds],
            "timestamp": message.timestamp,
            "edited_timestamp": message.edited_timestamp,
            "flags": message.flags,
            "components": message.components,
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": self.users[message.author_id].to_json(),
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
        }
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
        if message.application_id is not None:
            data["application_id"] = str(message.application_id)
        if message.interaction_metadata is not None:
            data["interaction_metadata"] = message.interaction_metadata
        if message.message_reference is not None:
            data["message_reference"] = message.message_reference
        return data

    def role_list(self, guild: Guild) -> list[dict[str, Any]]:
        return [role.to_json() for role in guild.roles.values()]

    def guild_json(self, guild: Guild, *, bot_user_id: int) -> dict[str, Any]:
        """A GUILD_CREATE payload. Members: only the bot, like Discord without presences intent."""
        channels = [self.channel_json(self.channels[c]) for c in guild.channel_ids]
        guild_channels = [c for c in channels if c["type"] not in THREAD_TYPES]
        threads = [c for c in channels if c["type"] in THREAD_TYPES]
        for item in guild_channels:
            item.pop("guild_id", None)  # GUILD_CREATE omits it on channels, like Discord
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id),
            "features": [],
            "roles": self.role_list(guild),
            "emojis": [],
            "stickers": [],
            "channels": guild_channels,
            "threads": threads,
            "members": [self.member_json(guild.members[bot_user_id])],
            "member_count": len(guild.members),
            "large": False,
            "unavailable": False,
            "joined_at": guild.members[bot_user_id].joined_at,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [self.event_json(e) for e in guild.events.values()],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "application_id": None,
        }

    def event_json(self, event: ScheduledEvent) -> dict[str, Any]:
        body = event.body
        entity_type = body.get("entity_type", 3)
        data: dict[str, Any] = {
            "id": str(event.id),
            "guild_id": str(event.guild_id),
            "name": body.get("name", ""),
            "description": body.get("description"),
            "channel_id": None if entity_type == 3 else str(body.get("channel_id")),
            "creator_id": str(event.creator_id),
            "creator": self.users[event.creator_id].to_json(),
            "image": None,
            "scheduled_start_time": body.get("scheduled_start_time"),
            "scheduled_end_time": body.get("scheduled_end_time"),
            "status": event.status,
            "entity_type": entity_type,
            "entity_id": None,
            "recurrence_rule": body.get("recurrence_rule"),
            "privacy_level": body.get("privacy_level", 2),
            "user_count": 0,
            "guild_scheduled_event_exceptions": [],
        }
        data["entity_metadata"] = body.get("entity_metadata") if entity_type == 3 else None
        return data
