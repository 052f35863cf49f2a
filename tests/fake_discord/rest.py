"""REST handlers for everything except interactions: users, application, channels, messages,
DMs, threads, members, scheduled events and command sync."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fake_discord import limits, messaging
from tests.fake_discord.records import (
    CANNOT_DM,
    MAX_EVENTS,
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    UNKNOWN_EVENT,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_ROLE,
    UNKNOWN_USER,
    DiscordError,
    not_found,
)
from tests.fake_discord.routing import Reply, Req, no_content, ok, route
from tests.fake_discord.state import (
    DM,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Message,
    ScheduledEvent,
)

if TYPE_CHECKING:
    from tests.fake_discord.server import FakeDiscord


# ---- lookups --------------------------------------------------------------------------------
def get_channel(fake: FakeDiscord, channel_id: int) -> Channel:
    channel = fake.world.channels.get(channel_id)
    if channel is None:
        raise not_found("Channel", UNKNOWN_CHANNEL)
    return channel


def get_guild(fake: FakeDiscord, guild_id: int) -> Guild:
    guild = fake.world.guilds.get(guild_id)
    if guild is None:
        raise not_found("Guild", UNKNOWN_GUILD)
    return guild


def get_message(fake: FakeDiscord, channel_id: int, message_id: int) -> Message:
    message = fake.world.messages.get(message_id)
    if message is None or message.deleted or message.channel_id != channel_id:
        raise not_found("Message", UNKNOWN_MESSAGE)
    return message


# ---- identity -------------------------------------------------------------------------------
@route("GET", "/gateway/bot")
async def gateway_bot(fake: FakeDiscord, req: Req) -> Reply:
    limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
    return ok({"url": fake.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit})


@route("GET", "/gateway")
async def gateway(fake: FakeDiscord, req: Req) -> Reply:
    return ok({"url": fake.gateway_url.rstrip("/")})


@route("GET", "/users/@me")
async def me(fake: FakeDiscord, req: Req) -> Reply:
    user = fake.world.users[fake.bot_user_id].to_json()
    return ok(user | {"mfa_enabled": False, "locale": "en-US", "verified": True, "bot": True})


@route("GET", "/users/{user_id}")
async def get_user(fake: FakeDiscord, req: Req) -> Reply:
    user = fake.world.users.get(req.int_param("user_id"))
    if user is None:
        raise not_found("User", UNKNOWN_USER)
    return ok(user.to_json())


@route("GET", "/oauth2/applications/@me")
async def application(fake: FakeDiscord, req: Req) -> Reply:
    bot = fake.world.users[fake.bot_user_id]
    return ok(
        {
            "id": str(fake.application_id),
            "name": bot.username,
            "icon": None,
            "description": "",
            "type": None,
            "bot": bot.to_json(),
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "flags_new": "0",
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "owner": fake.world.users[fake.owner_id].to_json(),
            "approximate_guild_count": len(fake.world.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "team": None,
            "eligible_oauth2_scopes": [],
        }
    )


# ---- channels and messages ------------------------------------------------------------------
@route("GET", "/channels/{channel_id}")
async def channel(fake: FakeDiscord, req: Req) -> Reply:
    return ok(fake.world.channel_json(get_channel(fake, req.int_param("channel_id"))))


@route("POST", "/users/@me/channels")
async def open_dm(fake: FakeDiscord, req: Req) -> Reply:
    recipient = req.body().get("recipient_id")
    if recipient is None or int(recipient) not in fake.world.users:
        raise not_found("User", UNKNOWN_USER)
    return ok(fake.world.channel_json(fake.world.dm_channel(int(recipient))))


@route("POST", "/channels/{channel_id}/messages")
async def create_message(fake: FakeDiscord, req: Req) -> Reply:
    channel = get_channel(fake, req.int_param("channel_id"))
    body = req.body()
    if channel.type == DM and channel.recipient_id in fake.faults.closed_dms:
        raise DiscordError(403, CANNOT_DM, "Cannot send messages to this user")
    messaging.check_limits(body)
    now = fake.clock.monotonic()
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        first = fake.nonces.find(channel.id, fake.bot_user_id, nonce, now)
        if first is not None:
            return ok(fake.world.message_json(fake.world.messages[first]))
    message = messaging.new_message(fake.world, channel.id, fake.bot_user_id, body, req.uploads)
    if nonce is not None and body.get("enforce_nonce"):
        fake.nonces.remember(channel.id, fake.bot_user_id, nonce, message.id, now)
    fake.announce_message(message)
    return ok(fake.world.message_json(message))


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(fake: FakeDiscord, req: Req) -> Reply:
    channel = get_channel(fake, req.int_param("channel_id"))
    limit = int(req.query.get("limit", 50))
    if not 1 <= limit <= 100:
        raise DiscordError(400, 50035, "Invalid Form Body", violation="limit", detail="limit")
    found = [m for m in fake.messages(channel.id) if not m.ephemeral]
    if "before" in req.query:
        found = [m for m in found if m.id < int(req.query["before"])]
    if "after" in req.query:
        after = int(req.query["after"])
        found = [m for m in found if m.id > after][:limit]
    if "around" in req.query:
        around = int(req.query["around"])
        older = [m for m in found if m.id <= around][-(limit // 2 + 1) :]
        found = older + [m for m in found if m.id > around][: limit - len(older)]
    newest_first = sorted(found, key=lambda m: m.id, reverse=True)[:limit]
    return ok([fake.world.message_json(m) for m in newest_first])


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_channel_message(fake: FakeDiscord, req: Req) -> Reply:
    message = get_message(fake, req.int_param("channel_id"), req.int_param("message_id"))
    return ok(fake.world.message_json(message))


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_channel_message(fake: FakeDiscord, req: Req) -> Reply:
    message = get_message(fake, req.int_param("channel_id"), req.int_param("message_id"))
    if message.author_id != fake.bot_user_id:
        raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
    messaging.check_limits(req.body())
    messaging.edit_message(fake.world, message, req.body(), req.uploads)
    fake.announce_message(message, "MESSAGE_UPDATE")
    return ok(fake.world.message_json(message))


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_channel_message(fake: FakeDiscord, req: Req) -> Reply:
    message = get_message(fake, req.int_param("channel_id"), req.int_param("message_id"))
    delete_message(fake, message)
    return no_content()


def delete_message(fake: FakeDiscord, message: Message) -> None:
    message.deleted = True
    channel = fake.world.channels[message.channel_id]
    data = {"id": str(message.id), "channel_id": str(channel.id)}
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    fake.gateway.dispatch("MESSAGE_DELETE", data)


@route("POST", "/channels/{channel_id}/typing")
async def typing(fake: FakeDiscord, req: Req) -> Reply:
    get_channel(fake, req.int_param("channel_id"))
    return no_content()


CREATE_PRIVATE_THREADS = 1 << 36


# ---- threads --------------------------------------------------------------------------------
def _new_thread(
    fake: FakeDiscord, parent: Channel, body: dict[str, Any], kind: int, thread_id: int
) -> Channel:
    errors = limits.check_thread(body)
    if errors:
        raise messaging.limit_error(errors)
    thread = Channel(
        thread_id,
        kind,
        body.get("name"),
        parent.guild_id,
        parent.id,
        owner_id=fake.bot_user_id,
        thread_members={fake.bot_user_id},
        invitable=bool(body.get("invitable", True)),
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
    )
    fake.world.add_channel(thread)
    fake.gateway.dispatch(
        "THREAD_CREATE", fake.world.channel_json(thread) | {"newly_created": True}
    )
    return thread


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(fake: FakeDiscord, req: Req) -> Reply:
    parent = get_channel(fake, req.int_param("channel_id"))
    message = get_message(fake, parent.id, req.int_param("message_id"))
    if message.id in fake.world.channels:
        raise DiscordError(400, 160004, "A thread has already been created for this message")
    thread = _new_thread(fake, parent, req.body(), PUBLIC_THREAD, message.id)
    return ok(fake.world.channel_json(thread), 201)


@route("POST", "/channels/{channel_id}/threads")
async def thread_without_message(fake: FakeDiscord, req: Req) -> Reply:
    parent = get_channel(fake, req.int_param("channel_id"))
    body = req.body()
    kind = int(body.get("type") or PRIVATE_THREAD)
    # Discord refuses a private thread to a bot without Create Private Threads in the parent.
    granted = fake.world.channel_permissions(parent, fake.bot_user_id)
    if kind == PRIVATE_THREAD and not granted & CREATE_PRIVATE_THREADS:
        raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
    thread = _new_thread(fake, parent, body, kind, fake.world.ids.next())
    return ok(fake.world.channel_json(thread), 201)


@route("PUT", "/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(fake: FakeDiscord, req: Req) -> Reply:
    thread = get_channel(fake, req.int_param("channel_id"))
    user_id = req.int_param("user_id")
    guild = get_guild(fake, thread.guild_id or 0)
    if user_id not in guild.members:
        raise not_found("Member", UNKNOWN_MEMBER)
    thread.thread_members.add(user_id)
    return no_content()


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(fake: FakeDiscord, req: Req) -> Reply:
    get_channel(fake, req.int_param("channel_id")).thread_members.add(fake.bot_user_id)
    return no_content()


# ---- guilds and members ---------------------------------------------------------------------
@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(fake: FakeDiscord, req: Req) -> Reply:
    guild = get_guild(fake, req.int_param("guild_id"))
    member = guild.members.get(req.int_param("user_id"))
    if member is None:
        raise not_found("Member", UNKNOWN_MEMBER)
    return ok(fake.world.member_json(member))


@route("GET", "/guilds/{guild_id}/members")
async def list_members(fake: FakeDiscord, req: Req) -> Reply:
    guild = get_guild(fake, req.int_param("guild_id"))
    after = int(req.query.get("after", 0))
    limit = int(req.query.get("limit", 1))
    members = sorted(
        (m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id
    )
    return ok([fake.world.member_json(m) for m in members[:limit]])


@route("GET", "/guilds/{guild_id}/roles")
async def list_roles(fake: FakeDiscord, req: Req) -> Reply:
    return ok(fake.world.role_list(get_guild(fake, req.int_param("guild_id"))))


@route("GET", "/guilds/{guild_id}/channels")
async def list_channels(fake: FakeDiscord, req: Req) -> Reply:
    guild = get_guild(fake, req.int_param("guild_id"))
    channels = [fake.world.channels[c] for c in guild.channel_ids]
    return ok([fake.world.channel_json(c) for c in channels if c.type not in (11, 12)])


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(fake: FakeDiscord, req: Req) -> Reply:
    return _change_role(fake, req, add=True)


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(fake: FakeDiscord, req: Req) -> Reply:
    return _change_role(fake, req, add=False)


def _change_role(fake: FakeDiscord, req: Req, *, add: bool) -> Reply:
    guild = get_guild(fake, req.int_param("guild_id"))
    member = guild.members.get(req.int_param("user_id"))
    role_id = req.int_param("role_id")
    if member is None:
        raise not_found("Member", UNKNOWN_MEMBER)
    if role_id not in guild.roles:
        raise not_found("Role", UNKNOWN_ROLE)
    if add and role_id not in member.roles:
        member.roles.append(role_id)
    elif not add and role_id in member.roles:
        member.roles.remove(role_id)
    fake.member_updated(guild.id, member.user_id)
    return no_content()


# ---- scheduled events -----------------------------------------------------------------------
def _event(fake: FakeDiscord, req: Req) -> tuple[Guild, ScheduledEvent]:
    guild = get_guild(fake, req.int_param("guild_id"))
    event = guild.events.get(req.int_param("event_id"))
    if event is None:
        raise not_found("Guild Scheduled Event", UNKNOWN_EVENT)
    return guild, event


def _check_event_limits(body: dict[str, Any]) -> None:
    errors = limits.check_event(body)
    if errors:
        raise messaging.limit_error(errors)


@route("POST", "/guilds/{guild_id}/scheduled-events")
async def create_event(fake: FakeDiscord, req: Req) -> Reply:
    guild = get_guild(fake, req.int_param("guild_id"))
    body = req.body()
    _check_event_limits(body)
    if sum(e.active for e in guild.events.values()) >= limits.ACTIVE_EVENTS_MAX:
        raise DiscordError(
            400,
            MAX_EVENTS,
            "Maximum number of uncompleted guild scheduled events reached (100)",
            violation="limit",
        )
    event = ScheduledEvent(fake.world.ids.next(), guild.id, fake.bot_user_id, dict(body))
    guild.events[event.id] = event
    data = fake.world.event_json(event)
    fake.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", data)
    return ok(data)


@route("GET", "/guilds/{guild_id}/scheduled-events")
async def list_events(fake: FakeDiscord, req: Req) -> Reply:
    return ok(fake.scheduled_events(get_guild(fake, req.int_param("guild_id")).id))


@route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}")
async def get_event(fake: FakeDiscord, req: Req) -> Reply:
    return ok(fake.world.event_json(_event(fake, req)[1]))


@route("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}")
async def edit_event(fake: FakeDiscord, req: Req) -> Reply:
    _, event = _event(fake, req)
    body = req.body()
    _check_event_limits(body)
    if "status" in body:
        event.status = int(body["status"])
    event.body.update({k: v for k, v in body.items() if k != "status"})
    data = fake.world.event_json(event)
    fake.gateway.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", data)
    return ok(data)


@route("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}")
async def delete_event(fake: FakeDiscord, req: Req) -> Reply:
    guild, event = _event(fake, req)
    data = fake.world.event_json(event)
    del guild.events[event.id]
    fake.gateway.dispatch("GUILD_SCHEDULED_EVENT_DELETE", data)
    return no_content()


# ---- application commands -------------------------------------------------------------------
def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _store_commands(fake: FakeDiscord, guild_id: int | None, body: Any) -> list[dict[str, Any]]:
    previous = {(c["name"], c["type"]): c["id"] for c in fake.commands.get(guild_id, [])}
    stored = []
    for command in body or []:
        kind = command.get("type") or 1
        item = _prune(command) | {
            "id": previous.get((command["name"], kind)) or str(fake.world.ids.next()),
            "application_id": str(fake.application_id),
            "version": str(fake.world.ids.next()),
            "type": kind,
            "description": command.get("description") or "",
            "default_member_permissions": command.get("default_member_permissions"),
        }
        if item["default_member_permissions"] is not None:
            item["default_member_permissions"] = str(item["default_member_permissions"])
        if guild_id is not None:
            item["guild_id"] = str(guild_id)
        stored.append(item)
    fake.commands[guild_id] = stored
    fake.command_syncs += 1
    return stored


@route("PUT", "/applications/{application_id}/commands")
async def sync_global(fake: FakeDiscord, req: Req) -> Reply:
    return ok(_store_commands(fake, None, req.json))


@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
async def sync_guild(fake: FakeDiscord, req: Req) -> Reply:
    guild = get_guild(fake, req.int_param("guild_id"))
    return ok(_store_commands(fake, guild.id, req.json))


@route("GET", "/applications/{application_id}/commands")
async def list_global(fake: FakeDiscord, req: Req) -> Reply:
    return ok(fake.synced_commands(None))


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
async def list_guild(fake: FakeDiscord, req: Req) -> Reply:
    return ok(fake.synced_commands(get_guild(fake, req.int_param("guild_id")).id))
