"""Building APPLICATION_COMMAND interaction data from the commands the bot synced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fake_discord.state import Attachment

if TYPE_CHECKING:
    from tests.fake_discord.server import FakeDiscord

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


class CommandNotSynced(LookupError):
    """The test invoked a command the bot never synced (so no Discord user could run it)."""


def find_command(
    commands: dict[int | None, list[dict[str, Any]]], guild_id: int | None, name: str
) -> tuple[dict[str, Any], list[str]]:
    """The synced definition of the top-level command and the subcommand path below it."""
    top, *path = name.split()
    scopes = ([guild_id] if guild_id is not None else []) + [None]
    for scope in scopes:
        for command in commands.get(scope, []):
            if command["name"] == top and command.get("type", 1) == 1:
                return command, path
    synced = {scope: [c["name"] for c in found] for scope, found in commands.items()}
    raise CommandNotSynced(
        f"/{top} was never synced for guild {guild_id} or globally; synced: {synced or 'nothing'}"
    )


def build_options(
    fake: FakeDiscord,
    guild_id: int | None,
    command: dict[str, Any],
    path: list[str],
    given: dict[str, Any],
    *,
    focused: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(interaction ``data`` without ``resolved``, ``resolved``) for ``given`` option values."""
    definitions: list[dict[str, Any]] = command.get("options") or []
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    holder = data
    for part in path:
        sub = next((o for o in definitions if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            raise CommandNotSynced(f"/{command['name']} has no subcommand {part!r}")
        node: dict[str, Any] = {"name": part, "type": sub["type"], "options": []}
        holder["options"] = [node]
        holder, definitions = node, sub.get("options") or []
    if any(o["type"] in (1, 2) for o in definitions):
        raise CommandNotSynced(f"/{command['name']} {' '.join(path)} needs a subcommand")
    by_name = {o["name"]: o for o in definitions}
    unknown = set(given) - set(by_name)
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)}; the command has {sorted(by_name)}")
    missing = [n for n, o in by_name.items() if o.get("required") and n not in given]
    if missing and focused is None:
        raise ValueError(f"required options missing: {missing}")
    resolved: dict[str, Any] = {}
    values = []
    for name, value in given.items():
        kind = by_name[name]["type"]
        item: dict[str, Any] = {
            "name": name,
            "type": kind,
            "value": _value(kind, value, name == focused),
        }
        if name == focused:
            item["focused"] = True
        elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            _merge(resolved, resolve_ids(fake, guild_id, [item["value"]]))
        elif kind == ATTACHMENT:
            item["value"] = _attachment(fake, value, resolved)
        values.append(item)
    holder["options"] = values
    return data, resolved


def _value(kind: int, value: Any, focused: bool) -> Any:
    if focused:
        return str(value)
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    if kind == ATTACHMENT:
        return value
    return str(value)  # snowflakes


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, items in extra.items():
        into.setdefault(key, {}).update(items)


def _attachment(fake: FakeDiscord, value: Any, resolved: dict[str, Any]) -> str:
    filename, content = value
    attachment = Attachment(fake.world.ids.next(), filename, bytes(content))
    resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.to_json(fake.base_url)
    return str(attachment.id)


def resolve_ids(fake: FakeDiscord, guild_id: int | None, ids: list[str]) -> dict[str, Any]:
    """``resolved`` data for user, member, role and channel ids (as Discord sends with options)."""
    world = fake.world
    guild = world.guilds.get(guild_id or 0)
    resolved: dict[str, dict[str, Any]] = {}
    for raw in ids:
        key = int(raw)
        if key in world.users:
            resolved.setdefault("users", {})[raw] = world.users[key].to_json()
            if guild is not None and key in guild.members:
                member = world.member_json(guild.members[key], with_user=False)
                channel = world.channels[guild.channel_ids[0]] if guild.channel_ids else None
                perms = world.channel_permissions(channel, key) if channel else 0
                resolved.setdefault("members", {})[raw] = member | {"permissions": str(perms)}
        elif guild is not None and key in guild.roles:
            resolved.setdefault("roles", {})[raw] = guild.roles[key].to_json()
        elif key in world.channels:
            channel = world.channels[key]
            data = {
                "id": raw,
                "name": channel.name,
                "type": channel.type,
                "permissions": str(world.channel_permissions(channel, fake.bot_user_id)),
            }
            if channel.parent_id:
                data["parent_id"] = str(channel.parent_id)
            if channel.type in (10, 11, 12):
                data["thread_metadata"] = world.channel_json(channel)["thread_metadata"]
            resolved.setdefault("channels", {})[raw] = data
        else:
            raise ValueError(f"{raw} is not a known user, role or channel")
    return resolved
