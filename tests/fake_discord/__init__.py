"""A local Discord-compatible server for driving a real discord.py bot in tests."""

from tests.fake_discord.harness import (
    InteractionResult,
    InteractionTimeout,
    Modal,
    patch_discord_py,
)
from tests.fake_discord.options import CommandNotSynced
from tests.fake_discord.records import RequestRecord, Violation
from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.spec import SpecMissingError
from tests.fake_discord.state import Message

__all__ = [
    "CommandNotSynced",
    "FakeDiscord",
    "InteractionResult",
    "InteractionTimeout",
    "Message",
    "Modal",
    "RequestRecord",
    "SpecMissingError",
    "Violation",
    "patch_discord_py",
]
