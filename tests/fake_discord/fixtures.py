"""Pytest fixtures; import them from tests/conftest.py: ``from tests.fake_discord.fixtures import
fake_discord  # noqa: F401``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fake_discord.server import FakeDiscord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord; the test fails at teardown if any violation was recorded.

    Tests that provoke a violation on purpose take it with ``fake.pop_violations(...)``.
    """
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    if fake.violations:
        lines = "\n".join(f"  {v}" for v in fake.violations)
        pytest.fail(f"Discord contract violations recorded by the fake server:\n{lines}")
