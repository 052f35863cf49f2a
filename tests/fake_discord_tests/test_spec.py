"""The OpenAPI document: missing-file message and the documented deviations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_discord import SpecMissingError, spec


def test_missing_spec_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ../shared the server refuses to start and says where the spec belongs."""
    monkeypatch.setattr(spec, "SPEC_PATH", Path("/nonexistent/openapi.json"))
    spec._document.cache_clear()
    try:
        with pytest.raises(SpecMissingError, match="shared"):
            spec._document()
    finally:
        spec._document.cache_clear()


def test_integer_snowflake_deviation_is_narrow() -> None:
    """discord.py's int recipient_id is accepted; an int where no deviation exists is not."""
    assert spec.validate_request("POST", "/users/@me/channels", {"recipient_id": 1}) == []
    body = {"content": "x", "sticker_ids": [5]}
    assert spec.validate_request("POST", "/channels/1/messages", body) != []
