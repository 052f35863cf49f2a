"""Frames and the review checklist: an outside-frame request, the checklist ticks reaching the
author, and the moderators' field list and checklist (audited; bad input refused)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.feedback_swaps.helpers import (
    FIRST_ROUND,
    FORM,
    assignments,
    configure,
    dms_containing,
    move_to,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def audit(runner: BotRunner, setting: str) -> list[str]:
    found = rows(
        runner, "SELECT new_value FROM config_audit WHERE setting = ? ORDER BY id", (setting,)
    )
    return [r["new_value"] for r in found]


async def test_outside_frame_request_gets_an_outside_reviewer_and_checklist_ticks_reach_author(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """Alice (physics) asks for a reviewer from outside her frame. Bob shares her field and her
    topic; carol (economics) shares neither: carol reviews, and her ticks reach alice."""
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])
    await configure(fake, cohort)

    # Fields are checked like topics; a frame needs the author's fields.
    unknown = await fake.invoke(g, bob, "feedback join", {"fields": "astrology"})
    assert unknown.ephemeral and "Unknown field: astrology" in (unknown.content or "")
    assert "economics" in (unknown.content or "")
    assert rows(runner, "SELECT * FROM feedback_reviewers") == []
    assert rows(runner, "SELECT * FROM feedback_member_fields") == []
    no_fields = await fake.invoke(g, alice, "feedback request", {"frame": "outside"})
    assert no_fields.ephemeral and "/feedback join fields:" in (no_fields.content or "")
    assert no_fields.modal is None

    choices = await fake.autocomplete(g, alice, "feedback join", "fields", "phys")
    assert [c["value"] for c in choices] == ["physics"]
    joined = await fake.invoke(g, alice, "feedback join", {"fields": "Physics"})
    assert "Your fields: physics." in (joined.content or "")
    await fake.invoke(g, bob, "feedback join", {"fields": "physics", "topics": "interpretability"})
    await fake.invoke(g, carol, "feedback join", {"fields": "economics, philosophy"})

    framed = await fake.invoke(
        g, alice, "feedback request", {"topics": "interpretability", "frame": "outside"}
    )
    assert framed.modal is not None
    submitted = await fake.submit_modal(framed, alice, {"Title": "Alice's draft", **FORM})
    assert "Frame: a reviewer from outside your fields (physics) is preferred" in (
        submitted.content or ""
    )

    await move_to(runner, swaps, FIRST_ROUND)
    made_pairs = [(a["reviewer_id"], a["author_id"]) for a in assignments(runner)]
    assert made_pairs == [(carol, alice)]
    reason = assignments(runner)[0]["reason"]
    assert "from outside the author's frame: economics and philosophy" in reason
    told = dms_containing(fake, alice, "will review your draft")
    assert len(told) == 1 and "from outside the author's frame" in (told[0].content or "")

    # The reviewer's card carries the checklist.
    card = dms_containing(fake, carol, "You are reviewing")[0]
    checklist = card.embeds[0]["fields"][-2]
    assert checklist["name"].startswith("Checklist")
    assert "• examples before abstractions" in checklist["value"]

    # Yes: the buttons give way to the checklist select; she ticks two points.
    sent = await fake.click(card, carol, label="I've sent my feedback")
    assert sent.type == 7, sent
    menu = fake.message(card.id).components[0]["components"][0]
    assert menu["type"] == 3 and menu["max_values"] == 5
    stranger = await fake.select(
        card, bob, values=["what would test the idea"], custom_id=menu["custom_id"]
    )
    assert stranger.ephemeral and "Only the reviewer" in (stranger.content or "")
    ticked = await fake.select(
        card,
        carol,
        custom_id=menu["custom_id"],
        values=["examples before abstractions", "what would test the idea"],
    )
    assert "covered 2 checklist points" in (fake.message(card.id).content or ""), ticked
    assert fake.message(card.id).components == []
    await swaps.scheduler.run_due()
    covered = dms_containing(fake, alice, "covered these points of the review checklist")
    assert len(covered) == 1
    text = covered[0].content or ""
    assert "• examples before abstractions\n• what would test the idea" in text
    assert "what would success look like" not in text

    # The digest counts it, without names.
    feature = swaps.features["feedback_swaps"]
    section = await feature.digest_section(g, swaps.clock.now() + timedelta(hours=1))
    assert section is not None
    line = next(x for x in section.lines if x.startswith("Reviews with the checklist"))
    assert line == "Reviews with the checklist: 1 of 1; most covered: examples before abstractions."

    # Export and forget.
    exported = await feature.export_member(g, carol)
    assert exported["fields"] == ["economics", "philosophy"]
    assert exported["checklist_ticks"][0]["points"] == [
        "examples before abstractions",
        "what would test the idea",
    ]
    async with swaps.db.transaction() as tx:
        await feature.forget_member(tx, g, carol)
    assert rows(runner, "SELECT * FROM feedback_checklist_ticks") == []
    assert [r["user_id"] for r in rows(runner, "SELECT * FROM feedback_member_fields")] == [
        alice,
        bob,
    ]


async def test_moderators_edit_fields_and_checklist_audited(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    fake, g, owner = fake_discord, cohort.guild, cohort.owner
    member_try = await fake.invoke(g, cohort.alice, "config feedback fields")
    assert member_try.ephemeral and "Only moderators" in (member_try.content or "")

    opened = await fake.invoke(g, owner, "config feedback fields")
    assert opened.modal is not None
    box = opened.modal.fields[0]
    assert box["value"].splitlines()[:2] == ["physics", "mathematics"]
    refused = await fake.submit_modal(opened, owner, {box["label"]: "physics, chemistry"})
    assert refused.ephemeral and "contains a comma" in (refused.content or "")
    assert audit(runner, "feedback.fields") == []
    opened = await fake.invoke(g, owner, "config feedback fields")
    saved = await fake.submit_modal(opened, owner, {box["label"]: "Physics\nLinguistics\n"})
    assert "Saved 2 fields: Physics, Linguistics" in (saved.content or "")
    assert audit(runner, "feedback.fields") == ['["Physics", "Linguistics"]']
    gone = await fake.invoke(g, cohort.alice, "feedback join", {"fields": "economics"})
    assert "Unknown field: economics" in (gone.content or "")
    assert "Physics, Linguistics" in (gone.content or "")
    reset = await fake.invoke(g, owner, "config feedback fields", {"reset": True})
    assert "economics" in (reset.content or "")
    assert len(audit(runner, "feedback.fields")) == 2

    opened = await fake.invoke(g, owner, "config feedback checklist")
    assert opened.modal is not None
    box = opened.modal.fields[0]
    assert box["value"].splitlines()[0] == "examples before abstractions"
    too_long = await fake.submit_modal(opened, owner, {box["label"]: "x" * 101})
    assert too_long.ephemeral and "longer than 100 characters" in (too_long.content or "")
    opened = await fake.invoke(g, owner, "config feedback checklist")
    many = "\n".join(f"point {i}" for i in range(9))
    too_many = await fake.submit_modal(opened, owner, {box["label"]: many})
    assert too_many.ephemeral and "at most 8" in (too_many.content or "")
    assert audit(runner, "feedback.checklist") == []
    opened = await fake.invoke(g, owner, "config feedback checklist")
    saved = await fake.submit_modal(
        opened, owner, {box["label"]: "- name the crux\n- one concrete example"}
    )
    assert "• name the crux\n• one concrete example" in (saved.content or "")
    assert [json.loads(v) for v in audit(runner, "feedback.checklist")] == [
        ["name the crux", "one concrete example"]
    ]
    opened = await fake.invoke(g, owner, "config feedback checklist")
    off = await fake.submit_modal(opened, owner, {box["label"]: ""})
    assert "checklist is off" in (off.content or "")
    assert audit(runner, "feedback.checklist")[-1] == "[]"
