"""The agenda's end-to-end tests run on the check-ins' server, bot and clock (the `checkins`
fixture: Friday 20 Nov 2026, Europe/Berlin, alice, bob and max in the cohort role)."""

from __future__ import annotations

from tests.e2e.checkins.conftest import checkins

__all__ = ["checkins"]
