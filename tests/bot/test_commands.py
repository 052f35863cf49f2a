"""Tests for bot.commands: the command-side helpers several cogs share."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.commands import lacking_permissions, parsed_for_member, refuse_missing_permissions
from bot.timeparse import parse_zone
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


def test_parsed_for_member() -> None:
    assert parsed_for_member(parse_zone, "Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(UserError, match="isn't a time zone I know"):
        parsed_for_member(parse_zone, "Mars/Olympus")
