"""A moderator who loses the role between opening a settings form or confirmation and using it
is refused there and then: the check runs again on the button and on the form, not only on the
command that showed them."""

from __future__ import annotations

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import configure
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def _as_moderator(fake: FakeDiscord, cohort: Cohort, kind: str) -> int:
    """A moderator of the given kind: the configured moderator role, or Manage Server alone."""
    if kind == "role":
        await fake.invoke(
            cohort.guild, cohort.owner, "config moderator-role", {"role": cohort.moderator_role}
        )
        return cohort.moderator
    return cohort.owner


def _demote(fake: FakeDiscord, cohort: Cohort, user_id: int) -> None:
    # Both kinds lose what made them moderators: the Organisers role, or the Manage Server role.
    fake.update_member(cohort.guild, user_id, roles=[cohort.cohort_role])


def _settings_and_audit(runner: BotRunner) -> tuple[list[tuple[object, ...]], list[str]]:
    settings = [tuple(r) for r in rows(runner, "SELECT * FROM checkin_settings")]
    audit = [r["setting"] for r in rows(runner, "SELECT setting FROM config_audit ORDER BY id")]
    return settings, audit


@pytest.mark.parametrize("kind", ["role", "manage-server"])
async def test_reset_confirmation_rechecks_the_moderator(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot, kind: str
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    mod = await _as_moderator(fake, cohort, kind)
    asked = await fake.invoke(cohort.guild, mod, "config reset", {"feature": "checkins"})
    assert asked.message is not None, asked
    before = _settings_and_audit(runner)
    assert before[0], "check-ins were configured"

    _demote(fake, cohort, mod)
    pressed = await fake.click(asked.message, mod, label="Reset Check-ins")
    refusal = pressed.followups[-1] if pressed.followups else pressed.message
    assert refusal is not None and refusal.ephemeral
    assert "Only moderators" in refusal.content
    assert _settings_and_audit(runner) == before


@pytest.mark.parametrize("kind", ["role", "manage-server"])
async def test_questions_form_rechecks_the_moderator(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot, kind: str
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    mod = await _as_moderator(fake, cohort, kind)
    opened = await fake.invoke(cohort.guild, mod, "config checkins questions")
    assert opened.modal is not None, opened
    before = _settings_and_audit(runner)

    _demote(fake, cohort, mod)
    submitted = await fake.submit_modal(
        opened, mod, {"Question 4": "Help wanted | Who could help you?", "Question 5": ""}
    )
    assert submitted.ephemeral
    assert "Only moderators" in (submitted.content or "")
    assert _settings_and_audit(runner) == before
