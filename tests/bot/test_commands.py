"""Tests for bot.commands: the command-side helpers several cogs share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.commands import (
    lacking_permissions,
    refuse_missing_permissions,
    switch_off,
)
from bot.ui import UserError


class Channel:
    """Just enough of a channel: its permissions for anyone, and a mention."""

    mention = "<#1>"

    def __init__(self, **granted: bool) -> None:
        self.granted = discord.Permissions(**granted)

    def permissions_for(self, member: Any) -> discord.Permissions:
        return self.granted


ME: Any = SimpleNamespace(id=2)


def test_lacking_permissions_with_labels_keeps_their_order() -> None:
    channel: Any = Channel(view_channel=True, embed_links=False)
    needed = {"embed_links": "Embed Links", "view_channel": "View", "attach_files": "Files"}
    assert lacking_permissions(channel, ME, needed) == ["Embed Links", "Files"]


def test_lacking_permissions_with_flags_title_cases_them() -> None:
    channel: Any = Channel(send_messages=True)
    flags = ("view_channel", "send_messages", "attach_files")
    assert lacking_permissions(channel, ME, flags) == ["View Channel", "Attach Files"]


def test_nothing_lacking() -> None:
    channel: Any = Channel(view_channel=True, send_messages=True)
    assert lacking_permissions(channel, ME, ("view_channel", "send_messages")) == []


def test_refuse_missing_permissions() -> None:
    channel: Any = Channel()
    refuse_missing_permissions(channel, [], "check-ins")  # nothing missing: no refusal
    with pytest.raises(UserError) as refused:
        refuse_missing_permissions(channel, ["View Channel", "Embed Links"], "check-ins")
    assert str(refused.value) == (
        "I cannot run check-ins in <#1>: I am missing the View Channel, Embed Links"
        " permission(s) there. Grant them (channel settings → Permissions) and run this"
        " again; nothing was changed."
    )


@dataclass(frozen=True)
class Settings:
    enabled: bool

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


class Response:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    async def send_message(self, text: str, *, ephemeral: bool) -> None:
        self.sent.append((text, ephemeral))


async def test_switch_off_saves_it_off_and_says_so() -> None:
    stored = {7: Settings(enabled=True)}
    saved_by: list[int] = []

    async def get(guild_id: int) -> Settings:
        return stored[guild_id]

    async def save(guild_id: int, actor_id: int, change: Callable[[Settings], Settings]) -> None:
        stored[guild_id] = change(stored[guild_id])
        saved_by.append(actor_id)

    response = Response()
    interaction: Any = SimpleNamespace(
        guild=SimpleNamespace(id=7), user=SimpleNamespace(id=3), response=response
    )
    await switch_off(interaction, get, save, already_off="Already off.", done="Off now.")
    assert stored[7] == Settings(enabled=False)
    assert saved_by == [3]
    assert response.sent == [("Off now.", True)]
    with pytest.raises(UserError, match="Already off"):
        await switch_off(interaction, get, save, already_off="Already off.", done="Off now.")
    assert saved_by == [3]
