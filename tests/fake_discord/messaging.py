"""Creating and editing messages from request bodies (shared by channels, callbacks, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fake_discord import limits
from tests.fake_discord.records import EMPTY_MESSAGE, INVALID_FORM_BODY, DiscordError
from tests.fake_discord.state import EPHEMERAL, Attachment, Message, World

Upload = tuple[str, str, bytes, str | None]  # (field name "files[n]", filename, data, content type)
SETTABLE_FLAGS = EPHEMERAL | (1 << 2) | (1 << 12) | (1 << 15)  # ephemeral, suppress, silent, v2


def number_components(components: Any) -> list[dict[str, Any]]:
    """A copy with Discord's numeric component ``id``s (1, 2, ... depth first) filled in."""
    counter = iter(range(1, 10_000))
    used = set()

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        copy = {key: walk(value) for key, value in node.items()}
        if "type" in copy and not isinstance(copy.get("id"), int):
            copy["id"] = next(i for i in counter if i not in used)
        if isinstance(copy.get("id"), int):
            used.add(copy["id"])
        return copy

    return list(walk(list(components or [])))


def check_limits(body: Any, prefix: str = "") -> None:
    """Raise Discord's 50035 for any documented limit the body breaks."""
    errors = limits.check_message(body, prefix)
    if errors:
        raise limit_error(errors)


def limit_error(errors: list[limits.LimitError]) -> DiscordError:
    detail = "; ".join(f"{e.path}: {e.message}" for e in errors)
    return DiscordError(
        400,
        INVALID_FORM_BODY,
        "Invalid Form Body",
        errors=limits.error_body(errors)["errors"],
        violation="limit",
        detail=detail,
    )


def _attachments(world: World, body: dict[str, Any], uploads: list[Upload]) -> list[Attachment]:
    by_index = {}
    for field_name, filename, data, content_type in uploads:
        index = int(field_name[len("files[") : -1]) if field_name.startswith("files[") else 0
        by_index[index] = (filename, data, content_type)
    described = {str(a.get("id")): a for a in body.get("attachments") or []}
    result = []
    for index, (filename, data, content_type) in sorted(by_index.items()):
        meta = described.get(str(index), {})
        result.append(
            Attachment(
                world.ids.next(),
                meta.get("filename") or filename,
                data,
                content_type,
                meta.get("description"),
            )
        )
    return result


def new_message(
    world: World,
    channel_id: int,
    author_id: int,
    body: dict[str, Any],
    uploads: list[Upload],
    **extra: Any,
) -> Message:
    attachments = _attachments(world, body, uploads)
    if not (
        body.get("content")
        or body.get("embeds")
        or body.get("components")
        or attachments
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise DiscordError(400, EMPTY_MESSAGE, "Cannot send an empty message")
    message = Message(
        id=world.ids.next(),
        channel_id=channel_id,
        author_id=author_id,
        content=body.get("content") or "",
        embeds=list(body.get("embeds") or []),
        components=number_components(body.get("components")),
        attachments=attachments,
        flags=int(body.get("flags") or 0) & SETTABLE_FLAGS,
        timestamp=world.clock.iso(),
        nonce=body.get("nonce"),
        message_reference=_reference(body.get("message_reference"), channel_id),
        **extra,
    )
    store(world, message)
    return message


def store(world: World, message: Message) -> None:
    world.messages[message.id] = message
    world.channel_messages.setdefault(message.channel_id, []).append(message.id)


def _reference(ref: Any, channel_id: int) -> dict[str, Any] | None:
    if not isinstance(ref, dict) or ref.get("message_id") is None:
        return None
    return {
        "type": ref.get("type", 0),
        "message_id": str(ref["message_id"]),
        "channel_id": str(ref.get("channel_id") or channel_id),
    }


def edit_message(
    world: World, message: Message, body: dict[str, Any], uploads: list[Upload]
) -> None:
    if "content" in body:
        message.content = body["content"] or ""
    if "embeds" in body:
        message.embeds = list(body["embeds"] or [])
    if "components" in body:
        message.components = number_components(body["components"])
    if "attachments" in body or uploads:
        keep = {str(a.get("id")) for a in body.get("attachments") or []}
        kept = [a for a in message.attachments if str(a.id) in keep]
        message.attachments = kept + _attachments(world, body, uploads)
    if body.get("flags") is not None:
        keep_flags = message.flags & EPHEMERAL
        message.flags = keep_flags | (int(body["flags"]) & SETTABLE_FLAGS & ~EPHEMERAL)
    message.edited_timestamp = world.clock.iso()
    message.edits += 1


@dataclass
class NonceEntry:
    message_id: int
    at: float


class NonceIndex:
    """``enforce_nonce``: the same nonce, author and channel within the window yields the first."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._entries: dict[tuple[int, int, str], NonceEntry] = {}
        self.deduplicated: list[int] = []  # message ids returned again instead of a new message

    def find(self, channel_id: int, author_id: int, nonce: Any, now: float) -> int | None:
        entry = self._entries.get((channel_id, author_id, str(nonce)))
        if entry is None or now - entry.at > self.window:
            return None
        self.deduplicated.append(entry.message_id)
        return entry.message_id

    def remember(
        self, channel_id: int, author_id: int, nonce: Any, message_id: int, now: float
    ) -> None:
        self._entries[(channel_id, author_id, str(nonce))] = NonceEntry(message_id, now)
