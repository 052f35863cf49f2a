"""Interaction callbacks and their webhook follow-ups, with Discord's timing rules.

- the initial response must arrive within 3 s of dispatch, else 404 10062 Unknown interaction;
- a second initial response is 400 40060 Interaction has already been acknowledged;
- follow-ups and edits through the webhook work for 15 minutes after the interaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fake_discord import limits, messaging
from tests.fake_discord.records import (
    ALREADY_ACKNOWLEDGED,
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    DiscordError,
)
from tests.fake_discord.rest import delete_message
from tests.fake_discord.routing import Reply, Req, no_content, ok, route
from tests.fake_discord.state import EPHEMERAL, LOADING, Message

if TYPE_CHECKING:
    from tests.fake_discord.server import FakeDiscord

PING, COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, CHOICES, MODAL = 1, 4, 5, 6, 7, 8, 9
ALLOWED_CALLBACKS = {
    PING: {PONG},
    COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    AUTOCOMPLETE: {CHOICES},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE},
}


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: dict[str, Any]
    source_message_id: int | None = None  # the message a component sat on
    trigger_id: int | None = None  # for a modal submit: the interaction that opened the modal
    dispatched_at: float | None = None
    answered_at: float | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None  # Discord's error body when the callback was refused
    acknowledged: bool = False
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)  # first callback attempt
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # deferred edit / follow-up

    @property
    def elapsed(self) -> float | None:
        if self.answered_at is None or self.dispatched_at is None:
            return None
        return self.answered_at - self.dispatched_at


def _record(fake: FakeDiscord, interaction_id: int, token: str) -> InteractionRecord:
    record = fake.interactions.get(interaction_id)
    if record is None or record.token != token:
        raise DiscordError(
            404,
            UNKNOWN_INTERACTION,
            "Unknown interaction",
            violation="interaction",
            detail="callback for an interaction this server never sent",
        )
    return record


def _refuse(record: InteractionRecord, error: DiscordError, attempted: int) -> DiscordError:
    if not record.answered.is_set():
        record.callback_type = attempted
        record.error = error.body()
        record.answered.set()
        record.settled.set()
    return error


def _metadata(fake: FakeDiscord, record: InteractionRecord) -> dict[str, Any]:
    owners = {"0": str(record.guild_id)} if record.guild_id else {"1": str(record.user_id)}
    data: dict[str, Any] = {
        "id": str(record.id),
        "type": record.type,
        "user": fake.world.users[record.user_id].to_json(),
        "authorizing_integration_owners": owners,
    }
    if record.type == COMPONENT:
        data["interacted_message_id"] = str(record.source_message_id)
    trigger = fake.interactions.get(record.trigger_id or 0)
    if record.type == MODAL_SUBMIT and trigger is not None:
        data["triggering_interaction_metadata"] = _metadata(fake, trigger)
    return data


@route("POST", "/interactions/{interaction_id}/{token:str}/callback", auth=False)
async def callback(fake: FakeDiscord, req: Req) -> Reply:
    record = _record(fake, req.int_param("interaction_id"), req.params["token"])
    now = fake.clock.monotonic()
    body = req.body()
    kind = int(body.get("type", 0))
    data = body.get("data") or {}
    if record.acknowledged:
        raise _refuse(
            record,
            DiscordError(
                400,
                ALREADY_ACKNOWLEDGED,
                "Interaction has already been acknowledged.",
                violation="interaction",
                detail=f"second initial response (type {kind})",
            ),
            kind,
        )
    late = now - (record.dispatched_at if record.dispatched_at is not None else now)
    if late > fake.interaction_deadline:
        if record.answered_at is None:  # it did arrive, too late: its latency still counts
            record.answered_at = now
        raise _refuse(
            record,
            DiscordError(
                404,
                UNKNOWN_INTERACTION,
                "Unknown interaction",
                violation="interaction",
                detail=f"initial response after {late:.2f} s "
                f"(deadline {fake.interaction_deadline} s)",
            ),
            kind,
        )
    if kind not in ALLOWED_CALLBACKS.get(record.type, set()):
        raise _refuse(
            record,
            DiscordError(
                400,
                50035,
                "Invalid Form Body",
                violation="interaction",
                detail=f"callback type {kind} is not valid for interaction type {record.type}",
            ),
            kind,
        )
    found: list[limits.LimitError] = []
    if kind in (MESSAGE, UPDATE):
        found = limits.check_message(data, "data.")
    elif kind == MODAL:
        found = limits.check_modal(data)
    elif kind == CHOICES:
        found = limits.check_autocomplete(data)
    if found:
        raise _refuse(record, messaging.limit_error(found), kind)

    record.acknowledged = True
    record.answered_at = now
    record.callback_type = kind
    record.callback_data = data
    answer = _apply(fake, record, kind, data, req)
    record.answered.set()
    if kind not in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
        record.settled.set()
    return ok(answer)


def _apply(
    fake: FakeDiscord, record: InteractionRecord, kind: int, data: dict[str, Any], req: Req
) -> dict[str, Any]:
    interaction: dict[str, Any] = {"id": str(record.id), "type": record.type}
    answer: dict[str, Any] = {"interaction": interaction}
    if kind in (MESSAGE, DEFERRED_MESSAGE):
        flags = int(data.get("flags") or 0)
        body = data if kind == MESSAGE else {"content": "", "flags": flags}
        message = _interaction_message(fake, record, body, req, loading=kind == DEFERRED_MESSAGE)
        record.original_message_id = message.id
        interaction.update(
            response_message_id=str(message.id),
            response_message_loading=kind == DEFERRED_MESSAGE,
            response_message_ephemeral=message.ephemeral,
        )
        if kind == MESSAGE:
            answer["resource"] = {"type": kind, "message": fake.world.message_json(message)}
        fake.announce_message(message)
    elif kind in (UPDATE, DEFERRED_UPDATE) and record.source_message_id is not None:
        record.original_message_id = record.source_message_id
        message = fake.world.messages[record.source_message_id]
        interaction["response_message_id"] = str(message.id)
        if kind == UPDATE:
            messaging.edit_message(fake.world, message, data, req.uploads)
            fake.announce_message(message, "MESSAGE_UPDATE")
            answer["resource"] = {"type": kind, "message": fake.world.message_json(message)}
    return answer


def _interaction_message(
    fake: FakeDiscord,
    record: InteractionRecord,
    body: dict[str, Any],
    req: Req,
    *,
    loading: bool = False,
) -> Message:
    extra: dict[str, Any] = {
        "webhook_id": fake.application_id,
        "application_id": fake.application_id,
        "interaction_metadata": _metadata(fake, record),
        "type": 20 if record.type == COMMAND else 19 if record.type == COMPONENT else 0,
    }
    if loading:
        message = Message(
            fake.world.ids.next(),
            record.channel_id,
            fake.bot_user_id,
            flags=LOADING | (int(body.get("flags") or 0) & EPHEMERAL),
            timestamp=fake.clock.iso(),
            **extra,
        )
        messaging.store(fake.world, message)
        return message
    return messaging.new_message(
        fake.world, record.channel_id, fake.bot_user_id, body, req.uploads, **extra
    )


# ---- webhook follow-ups and edits -----------------------------------------------------------
def _by_token(fake: FakeDiscord, req: Req) -> InteractionRecord:
    token = req.params["token"]
    record = next((r for r in fake.interactions.values() if r.token == token), None)
    if record is None or req.int_param("application_id") != fake.application_id:
        raise DiscordError(
            404,
            UNKNOWN_WEBHOOK,
            "Unknown Webhook",
            violation="interaction",
            detail="webhook call with an unknown interaction token",
        )
    if not record.acknowledged:
        raise DiscordError(
            404,
            UNKNOWN_WEBHOOK,
            "Unknown Webhook",
            violation="interaction",
            detail="follow-up/edit before the initial response",
        )
    age = fake.clock.monotonic() - (record.dispatched_at or 0)
    if age > fake.followup_window:
        raise DiscordError(
            401,
            INVALID_WEBHOOK_TOKEN,
            "Invalid Webhook Token",
            violation="interaction",
            detail=f"token used after {age:.0f} s",
        )
    return record


def _target(fake: FakeDiscord, record: InteractionRecord, req: Req) -> Message:
    raw = req.params.get("message_id", "@original")
    message_id = record.original_message_id if raw == "@original" else int(raw)
    message = fake.world.messages.get(message_id or 0)
    allowed = {record.original_message_id, *record.followup_ids}
    if message is None or message.deleted or message.id not in allowed:
        raise DiscordError(404, UNKNOWN_MESSAGE, "Unknown Message")
    return message


@route("POST", "/webhooks/{application_id}/{token:str}", auth=False)
async def followup(fake: FakeDiscord, req: Req) -> Reply:
    record = _by_token(fake, req)
    body = req.body()
    messaging.check_limits(body)
    message = _interaction_message(fake, record, body, req)
    record.followup_ids.append(message.id)
    fake.announce_message(message)
    record.settled.set()
    if req.query.get("wait", "false").lower() in ("true", "1"):
        return ok(fake.world.message_json(message))
    return no_content()


@route("GET", "/webhooks/{application_id}/{token:str}/messages/@original", auth=False)
@route("GET", "/webhooks/{application_id}/{token:str}/messages/{message_id}", auth=False)
async def get_webhook_message(fake: FakeDiscord, req: Req) -> Reply:
    record = _by_token(fake, req)
    return ok(fake.world.message_json(_target(fake, record, req)))


@route("PATCH", "/webhooks/{application_id}/{token:str}/messages/@original", auth=False)
@route("PATCH", "/webhooks/{application_id}/{token:str}/messages/{message_id}", auth=False)
async def edit_webhook_message(fake: FakeDiscord, req: Req) -> Reply:
    record = _by_token(fake, req)
    message = _target(fake, record, req)
    body = req.body()
    messaging.check_limits(body)
    messaging.edit_message(fake.world, message, body, req.uploads)
    message.flags &= ~LOADING
    fake.announce_message(message, "MESSAGE_UPDATE")
    if message.id == record.original_message_id:
        record.settled.set()
    return ok(fake.world.message_json(message))


@route("DELETE", "/webhooks/{application_id}/{token:str}/messages/@original", auth=False)
@route("DELETE", "/webhooks/{application_id}/{token:str}/messages/{message_id}", auth=False)
async def delete_webhook_message(fake: FakeDiscord, req: Req) -> Reply:
    record = _by_token(fake, req)
    delete_message(fake, _target(fake, record, req))
    record.settled.set()
    return no_content()
