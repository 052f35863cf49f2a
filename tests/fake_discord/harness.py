"""Test-side actions: invoke slash commands, click buttons, pick selects, fill modals, autocomplete.

Each action sends INTERACTION_CREATE over the gateway and waits for the bot's initial callback.
``elapsed`` is measured honestly: from the moment the event was written to the websocket to the
moment the callback arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fake_discord.interactions import (
    AUTOCOMPLETE,
    CHOICES,
    COMMAND,
    COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    InteractionRecord,
)
from tests.fake_discord.options import build_options, find_command, resolve_ids
from tests.fake_discord.state import Message

if TYPE_CHECKING:
    from tests.fake_discord.server import FakeDiscord

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionTimeout(AssertionError):
    """The bot did not answer an interaction at all within the harness timeout."""


@dataclass(frozen=True)
class Modal:
    title: str
    custom_id: str
    fields: list[dict[str, Any]]  # text inputs / selects, each with "label" when it has one
    components: list[dict[str, Any]]  # as the bot sent them


class InteractionResult:
    """What the bot answered to one interaction (kept live: edits show up)."""

    def __init__(self, fake: FakeDiscord, record: InteractionRecord) -> None:
        self._fake = fake
        self.record = record

    @property
    def type(self) -> int | None:
        """The callback type the bot sent (4 message, 5 deferred, 6, 7, 8, 9 modal)."""
        return self.record.callback_type

    @property
    def accepted(self) -> bool:
        return self.record.error is None

    @property
    def error(self) -> dict[str, Any] | None:
        """Discord's error body when the callback was refused (e.g. code 10062, 40060)."""
        return self.record.error

    @property
    def elapsed(self) -> float | None:
        return self.record.elapsed

    @property
    def message(self) -> Message | None:
        message_id = self.record.original_message_id
        return None if message_id is None else self._fake.world.messages[message_id]

    @property
    def followups(self) -> list[Message]:
        return [self._fake.world.messages[i] for i in self.record.followup_ids]

    @property
    def content(self) -> str | None:
        return self.message.content if self.message else self.record.callback_data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        if self.message:
            return self.message.embeds
        return list(self.record.callback_data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        if self.message:
            return self.message.components
        return list(self.record.callback_data.get("components") or [])

    @property
    def ephemeral(self) -> bool:
        return bool(self.message and self.message.ephemeral)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.record.callback_data.get("choices") or [])

    @property
    def modal(self) -> Modal | None:
        if self.record.callback_type != MODAL:
            return None
        data = self.record.callback_data
        return Modal(data["title"], data["custom_id"], _modal_fields(data), data["components"])

    async def final(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109
        """Wait until a deferred response has been edited or followed up."""
        try:
            await asyncio.wait_for(self.record.settled.wait(), timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"deferred interaction {self.record.id} got no edit or follow-up in {timeout} s"
            ) from None
        return self

    def __repr__(self) -> str:
        return f"<InteractionResult type={self.type} content={self.content!r} error={self.error}>"


def _modal_fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    fields = []
    for row in data.get("components") or []:
        if row.get("type") == 1:
            fields += list(row.get("components") or [])
        elif row.get("type") == 18 and isinstance(row.get("component"), dict):
            # The Label's text wins: discord.py sends `"label": null` inside a labelled input.
            fields.append({**row["component"], "label": row.get("label")})
    return fields


@contextlib.contextmanager
def patch_discord_py(api_base: str, gateway_url: str) -> Iterator[None]:
    """Point an in-process discord.py at the fake server, restoring the real URLs afterwards."""
    import discord
    import yarl

    old_base, old_gateway = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


class InteractionHarness:
    """Mixed into FakeDiscord: the actions a human would take in the Discord client."""

    def __init__(self) -> None:
        self.interactions: dict[int, InteractionRecord] = {}

    # ---- readiness --------------------------------------------------------------------
    async def wait_until_ready(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the harness API
        *,
        require_sync: bool = True,
    ) -> None:
        """Wait until the bot identified, got every guild, chunked them, and synced commands."""
        fake: FakeDiscord = self  # type: ignore[assignment]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settled_since: float | None = None
        while True:
            status = self._readiness(fake, require_sync)
            if status is None:
                settled_since = settled_since or loop.time()
                # give the bot a moment to send op 8 after its guild_ready_timeout
                if loop.time() - settled_since > 0.3 or self._chunked(fake):
                    return
            else:
                settled_since = None
            if loop.time() > deadline:
                raise TimeoutError(f"bot not ready after {timeout} s: {status or 'chunking'}")
            await asyncio.sleep(0.02)

    @staticmethod
    def _readiness(fake: FakeDiscord, require_sync: bool) -> str | None:
        sessions = list(fake.gateway.sessions.values())
        if not sessions:
            return "no IDENTIFY yet"
        session = sessions[-1]
        if session.connection is None or session.connection.cursor < session.seq:
            return "READY/GUILD_CREATE not all delivered"
        if require_sync and not fake.requests_matching(None, r"^/applications/\d+/.*commands$"):
            return "no command sync request yet"
        return None

    @staticmethod
    def _chunked(fake: FakeDiscord) -> bool:
        session = list(fake.gateway.sessions.values())[-1]
        if not session.intents & (1 << 1):
            return True
        chunks = sum(1 for e in session.buffer if e.payload["t"] == "GUILD_MEMBERS_CHUNK")
        return chunks >= len(fake.bot_guilds())

    # ---- sending ------------------------------------------------------------------------
    def _base_payload(
        self, kind: int, guild_id: int | None, channel_id: int, user_id: int
    ) -> dict[str, Any]:
        fake: FakeDiscord = self  # type: ignore[assignment]
        world = fake.world
        channel = world.channels[channel_id]
        payload: dict[str, Any] = {
            "id": str(world.ids.next()),
            "application_id": str(fake.application_id),
            "type": kind,
            "token": "fake-" + secrets.token_urlsafe(24),
            "version": 1,
            "channel_id": str(channel_id),
            "channel": world.channel_json(channel)
            | {"permissions": str(world.channel_permissions(channel, user_id))},
            "app_permissions": str(world.channel_permissions(channel, fake.bot_user_id)),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild_id is not None:
            member = world.guilds[guild_id].members.get(user_id)
            if member is None:
                raise ValueError(f"user {user_id} is not a member of guild {guild_id}")
            perms = world.channel_permissions(channel, user_id)
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=world.member_json(member) | {"permissions": str(perms)},
                authorizing_integration_owners={"0": str(guild_id)},
                context=0,
            )
        else:
            payload.update(
                user=world.users[user_id].to_json(),
                authorizing_integration_owners={"0": str(user_id)},
                context=1,
            )
        return payload

    async def _send(
        self,
        payload: dict[str, Any],
        guild_id: int | None,
        user_id: int,
        patience: float,
        source_message_id: int | None = None,
        trigger_id: int | None = None,
    ) -> InteractionResult:
        fake: FakeDiscord = self  # type: ignore[assignment]
        record = InteractionRecord(
            int(payload["id"]),
            payload["token"],
            payload["type"],
            guild_id,
            int(payload["channel_id"]),
            user_id,
            payload,
            source_message_id,
            trigger_id,
        )
        self.interactions[record.id] = record

        def stamp() -> None:
            record.dispatched_at = fake.clock.monotonic()

        if not fake.gateway.sessions:
            raise RuntimeError("no bot has identified on the gateway; await wait_until_ready()")
        fake.gateway.dispatch("INTERACTION_CREATE", payload, on_sent=stamp)
        try:
            await asyncio.wait_for(record.answered.wait(), patience)
        except TimeoutError:
            raise InteractionTimeout(
                f"the bot sent no callback for interaction {record.id} within {patience} s"
            ) from None
        return InteractionResult(fake, record)

    async def invoke(
        self,
        guild_id: int | None,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the harness API
    ) -> InteractionResult:
        """Run ``/command`` ("a b c" names subcommand groups) as ``user_id`` would."""
        fake: FakeDiscord = self  # type: ignore[assignment]
        definition, path = find_command(fake.commands, guild_id, command)
        data, resolved = build_options(fake, guild_id, definition, path, dict(options or {}))
        channel_id = channel_id or self._default_channel(guild_id, user_id)
        payload = self._base_payload(COMMAND, guild_id, channel_id, user_id)
        payload["data"] = data | ({"resolved": resolved} if resolved else {})
        return await self._send(payload, guild_id, user_id, timeout)

    async def autocomplete(
        self,
        guild_id: int | None,
        user_id: int,
        command: str,
        option: str,
        value: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the harness API
    ) -> list[dict[str, Any]]:
        """Type ``value`` into ``option``; returns the choices the bot offered."""
        fake: FakeDiscord = self  # type: ignore[assignment]
        definition, path = find_command(fake.commands, guild_id, command)
        given = dict(options or {}) | {option: value}
        data, _ = build_options(fake, guild_id, definition, path, given, focused=option)
        channel_id = channel_id or self._default_channel(guild_id, user_id)
        payload = self._base_payload(AUTOCOMPLETE, guild_id, channel_id, user_id)
        payload["data"] = data
        result = await self._send(payload, guild_id, user_id, timeout)
        if result.type != CHOICES or result.error:
            raise AssertionError(f"autocomplete answered with {result!r}")
        return result.choices

    def _default_channel(self, guild_id: int | None, user_id: int) -> int:
        fake: FakeDiscord = self  # type: ignore[assignment]
        if guild_id is None:
            return fake.world.dm_channel(user_id).id
        return fake.world.guilds[guild_id].channel_ids[0]

    def _component_message(self, message_or_id: Message | int) -> Message:
        fake: FakeDiscord = self  # type: ignore[assignment]
        message_id = message_or_id if isinstance(message_or_id, int) else message_or_id.id
        return fake.world.messages[message_id]

    async def _component(
        self,
        message: Message,
        user_id: int,
        data: dict[str, Any],
        patience: float,
    ) -> InteractionResult:
        fake: FakeDiscord = self  # type: ignore[assignment]
        channel = fake.world.channels[message.channel_id]
        payload = self._base_payload(COMPONENT, channel.guild_id, channel.id, user_id)
        payload["data"] = data
        payload["message"] = fake.world.message_json(message)
        return await self._send(payload, channel.guild_id, user_id, patience, message.id)

    async def click(
        self,
        message_or_id: Message | int,
        user_id: int,
        *,
        label: str | None = None,
        custom_id: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the harness API
    ) -> InteractionResult:
        """Click a button on a message, found by its label or custom_id."""
        message = self._component_message(message_or_id)
        button = _find_component(message, {2}, label=label, custom_id=custom_id)
        if button.get("disabled"):
            raise AssertionError(f"button {label or custom_id!r} is disabled")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component(message, user_id, data, timeout)

    async def select(
        self,
        message_or_id: Message | int,
        user_id: int,
        *,
        custom_id: str | None = None,
        values: list[str] | list[int],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the harness API
    ) -> InteractionResult:
        """Pick ``values`` in a string/user/role/channel select on a message."""
        fake: FakeDiscord = self  # type: ignore[assignment]
        message = self._component_message(message_or_id)
        menu = _find_component(message, {3, 5, 6, 7, 8}, custom_id=custom_id)
        chosen = [str(v) for v in values]
        if menu["type"] == 3:
            offered = {o["value"] for o in menu.get("options") or []}
            unknown = set(chosen) - offered
            if unknown:
                raise AssertionError(f"values {sorted(unknown)} are not options of the select")
        data: dict[str, Any] = {
            "custom_id": menu["custom_id"],
            "component_type": menu["type"],
            "values": chosen,
        }
        if menu["type"] != 3:
            guild_id = fake.world.channels[message.channel_id].guild_id
            data["resolved"] = resolve_ids(fake, guild_id, chosen)
        return await self._component(message, user_id, data, timeout)

    async def submit_modal(
        self,
        result: InteractionResult,
        user_id: int,
        values: Mapping[str, str],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the harness API
    ) -> InteractionResult:
        """Fill the modal the bot showed in ``result`` (by field label or custom_id) and submit."""
        fake: FakeDiscord = self  # type: ignore[assignment]
        modal = result.modal
        if modal is None:
            raise AssertionError(f"{result!r} did not open a modal")
        components = [_submitted(row, values) for row in modal.components]
        known = {f.get("label") for f in modal.fields} | {f.get("custom_id") for f in modal.fields}
        unknown = set(values) - known
        if unknown:
            raise AssertionError(
                f"modal has no fields {sorted(unknown)}; it has {sorted(map(str, known))}"
            )
        record = result.record
        payload = self._base_payload(MODAL_SUBMIT, record.guild_id, record.channel_id, user_id)
        payload["data"] = {"custom_id": modal.custom_id, "components": components}
        source = record.source_message_id
        if source is not None:
            payload["message"] = fake.world.message_json(fake.world.messages[source])
        return await self._send(payload, record.guild_id, user_id, timeout, source, record.id)


def _find_component(
    message: Message, types: set[int], *, label: str | None = None, custom_id: str | None = None
) -> dict[str, Any]:
    found = []
    for row in message.components:
        for item in row.get("components") or []:
            if item.get("type") not in types:
                continue
            if custom_id is not None and item.get("custom_id") != custom_id:
                continue
            if label is not None and item.get("label") != label:
                continue
            found.append(item)
    if len(found) != 1:
        raise AssertionError(
            f"expected one component (types {sorted(types)}, label={label!r}, "
            f"custom_id={custom_id!r}) on message {message.id}, found {len(found)}"
        )
    chosen: dict[str, Any] = found[0]
    return chosen


def _submitted(row: dict[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    if row.get("type") == 1:
        return {
            "type": 1,
            "components": [_input(c, c.get("label"), values) for c in row["components"]],
        }
    if row.get("type") == 18:
        return {"type": 18, "component": _input(row["component"], row.get("label"), values)}
    return {"type": row.get("type")}


def _input(item: dict[str, Any], label: str | None, values: Mapping[str, str]) -> dict[str, Any]:
    name = label if label in values else item.get("custom_id")
    if item.get("type") == 4:
        value = values.get(name or "", item.get("value") or "")
        if item.get("required", True) and not value:
            raise AssertionError(f"modal field {label!r} is required")
        low, high = item.get("min_length") or 0, item.get("max_length") or 4000
        if value and not low <= len(value) <= high:
            raise AssertionError(f"modal field {label!r} needs {low}..{high} characters")
        return {"type": 4, "custom_id": item["custom_id"], "value": value}
    chosen: Any = values.get(name or "", [])
    return {"type": item.get("type"), "custom_id": item["custom_id"], "values": list(chosen)}
