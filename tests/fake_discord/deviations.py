"""Every deliberate departure from Discord's OpenAPI document, in one place, each with its reason.

The validator in ``spec.py`` applies these and nothing else. Adding an entry here is a decision to
trust discord.py over the published schema for one field; do it only with a reason a reviewer can
check against discord.py's source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SnowflakeAsInteger:
    """A request field typed ``SnowflakeType`` (a string) that discord.py sends as an integer."""

    method: str  # "*" for any
    path: str  # regex over the API path (without /api/v10), fully matched
    field: str  # dotted path into the JSON body; "*" matches every list item or dict value
    reason: str


SNOWFLAKES_AS_INTEGERS: tuple[SnowflakeAsInteger, ...] = (
    SnowflakeAsInteger(
        "POST",
        r"/users/@me/channels",
        "recipient_id",
        "HTTPClient.start_private_message sends `{'recipient_id': user_id}` with an int.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "allowed_mentions.users.*",
        "AllowedMentions.to_dict() lists `[x.id for x in users]`, i.e. ints.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "allowed_mentions.roles.*",
        "AllowedMentions.to_dict() lists `[x.id for x in roles]`, i.e. ints.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "data.allowed_mentions.users.*",
        "Interaction callbacks nest the same AllowedMentions dict under `data`.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "data.allowed_mentions.roles.*",
        "Interaction callbacks nest the same AllowedMentions dict under `data`.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "message_reference.message_id",
        "MessageReference.to_dict() puts the int `message_id` as is.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "message_reference.channel_id",
        "MessageReference.to_dict() puts the int `channel_id` as is.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "message_reference.guild_id",
        "MessageReference.to_dict() puts the int `guild_id` as is.",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "attachments.*.id",
        "File.to_dict(index) numbers new uploads with the int index, the 'attachment id' of a "
        "multipart upload (Discord accepts these placeholder ids).",
    ),
    SnowflakeAsInteger(
        "*",
        r".*",
        "data.attachments.*.id",
        "Interaction callbacks with files number the uploads the same way under `data`.",
    ),
    SnowflakeAsInteger(
        "POST",
        r"/guilds/\d+/scheduled-events",
        "channel_id",
        "Guild.create_scheduled_event puts `payload['channel_id'] = channel.id`, an int, for "
        "voice and stage events.",
    ),
    SnowflakeAsInteger(
        "PATCH",
        r"/guilds/\d+/scheduled-events/\d+",
        "channel_id",
        "ScheduledEvent.edit puts `payload['channel_id'] = channel.id`, an int.",
    ),
)

# Gateway payloads have no schema in the OpenAPI document; fields we read from the bot's gateway
# sends, checked by hand in gateway.py, accept the same integer snowflakes for this reason:
GATEWAY_INTEGER_SNOWFLAKES: dict[str, str] = {
    "op8.guild_id": "ConnectionState.chunker / DiscordWebSocket.request_chunks send `guild_id` "
    "as the int `guild.id`.",
}


RESPONSE_DEVIATIONS: dict[str, str] = {
    "error-detail-codes": "Discord's real 50035 bodies name each field error with a string code "
    "(`{'code': 'BASE_TYPE_MAX_LENGTH', 'message': ...}`); the spec's `Error` schema types `code` "
    "as an integer. We answer like Discord and validate those codes as if they were integers.",
}


def apply_response_deviations(body: Any) -> Any:
    """A copy of an error body with the string field-error codes masked (see above)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), dict):
        return body
    return {**body, "errors": _mask_error_codes(body["errors"])}


def _mask_error_codes(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    masked = {key: _mask_error_codes(value) for key, value in node.items() if key != "_errors"}
    if "_errors" in node:
        masked["_errors"] = [{**item, "code": 0} for item in node["_errors"]]
    return masked


def _coerce(node: Any, parts: list[str]) -> Any:
    if not parts:
        if isinstance(node, int) and not isinstance(node, bool) and node >= 0:
            return str(node)
        return node
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            return [_coerce(item, rest) for item in node]
        if isinstance(node, dict):
            return {key: _coerce(value, rest) for key, value in node.items()}
        return node
    if isinstance(node, dict) and head in node:
        return {**node, head: _coerce(node[head], rest)}
    return node


def apply_request_deviations(method: str, path: str, body: Any) -> Any:
    """Return a copy of ``body`` with the documented integer snowflakes turned into strings."""
    for deviation in SNOWFLAKES_AS_INTEGERS:
        if deviation.method not in ("*", method):
            continue
        if not re.fullmatch(deviation.path, path):
            continue
        body = _coerce(body, deviation.field.split("."))
    return body
