"""The research agenda end to end: edit (modal), show, privacy, history and its diff, export
and forget, the check-in pre-fill and the blank-slate rewrite at every Nth round."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning, wait_for
from tests.e2e.checkins.helpers import (
    FIRST_PROMPT,
    button_labels,
    configure,
    move_to,
    prompts,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult

pytestmark = pytest.mark.e2e

PROBLEMS = "The central problems and why they are central"
LABELS = (
    "The problems and why they are central",
    "The approach and why it is the path",
    "What would change my mind",
    "What success looks like",
)
AGENDA = dict(
    zip(
        LABELS,
        (
            "Reward hacking in RLHF. It decides whether oversight scales.",
            "Build a debate benchmark. Debate makes hacks visible to weaker judges.",
            "If judges cannot beat chance on the benchmark.",
            "A benchmark others use to compare oversight methods.",
        ),
        strict=True,
    )
)


async def save_agenda(
    fake: FakeDiscord, cohort: Cohort, user: int, values: dict[str, str]
) -> InteractionResult:
    opened = await fake.invoke(cohort.guild, user, "agenda edit")
    assert opened.modal is not None, opened
    return await fake.submit_modal(opened, user, values)


def prefilled(result: InteractionResult) -> dict[str, Any]:
    assert result.modal is not None, result
    return {f["label"]: f.get("value") for f in result.modal.fields}


async def test_edit_saves_dated_versions_refuses_empty_and_says_no_changes(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    opened = await fake.invoke(cohort.guild, cohort.alice, "agenda edit")
    assert opened.modal is not None
    assert prefilled(opened) == dict.fromkeys(LABELS)  # nothing yet: an empty form
    assert all(f.get("max_length") == 4000 for f in opened.modal.fields)

    empty = await fake.submit_modal(opened, cohort.alice, dict.fromkeys(LABELS, ""))
    assert empty.ephemeral and "All four parts were empty" in (empty.content or "")
    assert rows(runner, "SELECT * FROM agenda_versions") == []

    saved = await save_agenda(fake, cohort, cohort.alice, AGENDA)
    assert saved.ephemeral and "Saved version 1 of your agenda" in (saved.content or "")
    assert f"<t:{int(runner.clock.now().timestamp())}:F>" in (saved.content or "")

    again = await fake.invoke(cohort.guild, cohort.alice, "agenda edit")
    assert prefilled(again) == AGENDA
    same = await fake.submit_modal(again, cohort.alice, AGENDA)
    assert "No changes" in (same.content or "") and "version 1" in (same.content or "")
    assert len(rows(runner, "SELECT * FROM agenda_versions")) == 1

    runner.clock.advance(timedelta(days=3))
    changed = dict(AGENDA, **{LABELS[3]: "Two labs adopt the benchmark."})
    second = await save_agenda(fake, cohort, cohort.alice, changed)
    assert "Saved version 2" in (second.content or "")
    stored = rows(runner, "SELECT version, success, saved_at FROM agenda_versions ORDER BY 1")
    assert [(r["version"], r["success"]) for r in stored] == [
        (1, AGENDA[LABELS[3]]),
        (2, "Two labs adopt the benchmark."),
    ]
    assert stored[1]["saved_at"] - stored[0]["saved_at"] == 3 * 86400


async def test_show_own_others_shared_and_private_refused(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    none_yet = await fake.invoke(cohort.guild, cohort.alice, "agenda show")
    assert "no research agenda" in (none_yet.content or "") and none_yet.ephemeral
    await save_agenda(fake, cohort, cohort.alice, AGENDA)

    own = await fake.invoke(cohort.guild, cohort.alice, "agenda show")
    assert own.ephemeral and "version 1" in (own.content or "")
    assert "shared with the cohort" in (own.content or "")
    assert {e["title"]: e["description"] for e in own.embeds} == AGENDA

    by_bob = await fake.invoke(cohort.guild, cohort.bob, "agenda show", {"member": cohort.alice})
    assert by_bob.ephemeral and {e["title"]: e["description"] for e in by_bob.embeds} == AGENDA

    private = await fake.invoke(
        cohort.guild, cohort.alice, "agenda privacy", {"visibility": "private"}
    )
    assert "now **private**" in (private.content or "")
    for viewer in (cohort.bob, cohort.moderator, cohort.owner):  # moderators respect it too
        refused = await fake.invoke(cohort.guild, viewer, "agenda show", {"member": cohort.alice})
        assert refused.ephemeral and refused.embeds == []
        assert "keeps their agenda private" in (refused.content or "")
        assert AGENDA[LABELS[0]] not in (refused.content or "")
        history = await fake.invoke(
            cohort.guild, viewer, "agenda history", {"member": cohort.alice}
        )
        assert "keeps their agenda private" in (history.content or "")
    mine = await fake.invoke(cohort.guild, cohort.alice, "agenda show")
    assert "private: only you can read it" in (mine.content or "") and len(mine.embeds) == 4

    await fake.invoke(cohort.guild, cohort.alice, "agenda privacy", {"visibility": "cohort"})
    again = await fake.invoke(cohort.guild, cohort.bob, "agenda show", {"member": cohort.alice})
    assert len(again.embeds) == 4
    # The organiser (Manage Server, no cohort role) reads a shared agenda too.
    organiser = await fake.invoke(
        cohort.guild, cohort.owner, "agenda show", {"member": cohort.alice}
    )
    assert len(organiser.embeds) == 4
    # Not in the cohort and not organising it: told so, shown nothing.
    guest = fake.add_member(cohort.guild, "guest")
    outsider = await fake.invoke(cohort.guild, guest, "agenda show", {"member": cohort.alice})
    assert "you are not in it" in (outsider.content or "") and outsider.embeds == []


async def test_show_splits_four_full_parts_within_the_embed_limit(
    fake_discord: FakeDiscord, cohort: Cohort, checkins: HammingBot
) -> None:
    fake = fake_discord
    full = {label: (f"{label[:3]} " * 1000)[:3999] + "." for label in LABELS}
    await save_agenda(fake, cohort, cohort.alice, full)
    shown = await fake.invoke(cohort.guild, cohort.alice, "agenda show")
    # 4 × 4,000 characters is over 6,000 per message: one message per part.
    await wait_for(lambda: len(shown.followups) == 3)
    messages = [shown.message, *shown.followups]
    assert all(m is not None and m.ephemeral for m in messages)
    embeds = [e for m in messages if m is not None for e in m.embeds]
    assert {e["title"]: e["description"] for e in embeds} == full
    for message in messages:
        assert message is not None
        total = sum(len(e.get("title", "")) + len(e.get("description", "")) for e in message.embeds)
        assert total <= 6000


async def test_history_lists_versions_and_diffs_the_last_two_or_the_chosen_ones(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    first_at = runner.clock.now()
    await save_agenda(fake, cohort, cohort.alice, AGENDA)
    only = await fake.invoke(cohort.guild, cohort.alice, "agenda history")
    assert "**v1** · " in (only.content or "") and "nothing to compare" in (only.content or "")

    runner.clock.advance(timedelta(days=7))
    second = dict(
        AGENDA,
        **{LABELS[1]: "Build a debate benchmark. Judges are language models, not people."},
    )
    await save_agenda(fake, cohort, cohort.alice, second)
    runner.clock.advance(timedelta(days=7))
    await save_agenda(fake, cohort, cohort.alice, dict(second, **{LABELS[2]: ""}))

    history = await fake.invoke(
        cohort.guild, cohort.bob, "agenda history", {"member": cohort.alice}
    )
    text = history.content or ""
    assert history.ephemeral and text.count("**v") == 3
    assert f"<t:{int(first_at.timestamp())}:F>" in text
    assert "Changes from version 2" in text and "to version 3" in text
    assert (
        f"**{LABELS[2]}**\n```diff\n- If judges cannot beat chance on the benchmark.\n```" in text
    )
    assert LABELS[1] not in text  # unchanged between 2 and 3

    chosen = await fake.invoke(
        cohort.guild, cohort.alice, "agenda history", {"from_version": 1, "to_version": 2}
    )
    assert (
        "```diff\n  Build a debate benchmark.\n"
        "- Debate makes hacks visible to weaker judges.\n"
        "+ Judges are language models, not people.\n```"
    ) in (chosen.content or "")

    wrong = await fake.invoke(
        cohort.guild, cohort.alice, "agenda history", {"from_version": 3, "to_version": 2}
    )
    assert "must be earlier" in (wrong.content or "") and wrong.ephemeral
    missing = await fake.invoke(cohort.guild, cohort.alice, "agenda history", {"to_version": 9})
    assert "There is no version 9; this agenda has versions 1 to 3" in (missing.content or "")


async def test_a_long_diff_comes_as_a_text_file(
    fake_discord: FakeDiscord, cohort: Cohort, checkins: HammingBot
) -> None:
    fake = fake_discord
    old = {label: " ".join(f"Old claim {i} of {label[:8]}." for i in range(80)) for label in LABELS}
    new = {label: " ".join(f"New claim {i} of {label[:8]}." for i in range(80)) for label in LABELS}
    await save_agenda(fake, cohort, cohort.alice, old)
    await save_agenda(fake, cohort, cohort.alice, new)
    history = await fake.invoke(cohort.guild, cohort.alice, "agenda history")
    message = history.message
    assert message is not None and message.ephemeral
    assert "they are long, so they are in the attached file" in message.content
    assert len(message.content) <= 2000
    [file] = message.attachments
    assert file.filename == "agenda-v1-v2.diff.txt"
    body = file.data.decode()
    for label in LABELS:
        assert f"## {label}" in body
        assert f"- Old claim 79 of {label[:8]}." in body
        assert f"+ New claim 0 of {label[:8]}." in body


async def test_export_has_versions_and_privacy_and_forget_removes_them(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await save_agenda(fake, cohort, cohort.alice, AGENDA)
    await save_agenda(fake, cohort, cohort.alice, dict(AGENDA, **{LABELS[0]: "Deception."}))
    await fake.invoke(cohort.guild, cohort.alice, "agenda privacy", {"visibility": "private"})
    await save_agenda(fake, cohort, cohort.bob, AGENDA)

    result = await (await fake.invoke(cohort.guild, cohort.alice, "me export")).final()
    [file] = [a for m in result.followups for a in m.attachments]
    exported = json.loads(file.data)["agenda"]
    assert exported["privacy"] == "private"
    assert [v["version"] for v in exported["versions"]] == [1, 2]
    assert exported["versions"][1][LABELS[0]] == "Deception."
    assert exported["versions"][0]["saved_at"].startswith("2026-11-20")

    server = await (await fake.invoke(cohort.guild, cohort.owner, "config export")).final()
    [dump] = [a for m in [server.message, *server.followups] if m for a in m.attachments]
    assert b"Deception." not in dump.data and b"Reward hacking" not in dump.data

    assert {"agenda_versions", "agenda_privacy"} <= set(
        rows_mentioning(runner.database_path, cohort.alice)
    )
    await forget_me(fake, cohort.guild, cohort.alice)
    left = rows_mentioning(runner.database_path, cohort.alice)
    assert "agenda_versions" not in left and "agenda_privacy" not in left
    assert len(rows(runner, "SELECT * FROM agenda_versions WHERE user_id = ?", (cohort.bob,))) == 1
    gone = await fake.invoke(cohort.guild, cohort.alice, "agenda show")
    assert "no research agenda" in (gone.content or "")


async def test_check_in_form_is_pre_filled_from_the_agenda(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    long_approach = "Approach sentence here. " * 100  # 2,400 characters: cut to 1,024
    await save_agenda(fake, cohort, cohort.alice, dict(AGENDA, **{LABELS[1]: long_approach}))
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    [prompt] = prompts(fake, cohort.channel)

    alice = await fake.click(prompt, cohort.alice, label="Check in")
    values = prefilled(alice)
    assert values["Most important problems in your field"] == AGENDA[LABELS[0]]
    approach = values["What you are doing about them"]
    assert len(approach) <= 1024 and approach.endswith("…")
    assert long_approach.startswith(approach[:-1].rstrip())
    # Without an agenda the form is as before: nothing to pre-fill in the first week.
    bob = await fake.click(prompt, cohort.bob, label="Check in")
    assert prefilled(bob)["Most important problems in your field"] is None


async def test_blank_slate_invitation_at_round_n_opens_an_empty_form_and_shows_the_diff(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await save_agenda(fake, cohort, cohort.alice, AGENDA)
    await configure(fake, cohort)
    set_weeks = await fake.invoke(
        cohort.guild, cohort.owner, "config checkins blank-slate", {"weeks": 2}
    )
    assert set_weeks.ephemeral and "rounds 2, 4, 6" in (set_weeks.content or "")
    audit = rows(runner, "SELECT setting, old_value, new_value FROM config_audit")
    assert ("checkins.blank_slate_weeks", "12", "2") in [tuple(r) for r in audit]
    refused = await fake.invoke(
        cohort.guild, cohort.alice, "config checkins blank-slate", {"weeks": 1}
    )
    assert "Only moderators" in (refused.content or "")

    await move_to(runner, checkins, FIRST_PROMPT)  # round 1: no invitation
    [first] = prompts(fake, cohort.channel)
    assert button_labels(first) == [("Check in", False)]
    assert "blank slate" not in first.embeds[0]["description"]

    await move_to(runner, checkins, FIRST_PROMPT + timedelta(days=7))  # round 2
    second = prompts(fake, cohort.channel)[-1]
    assert second.id != first.id
    assert "let's start from a blank slate" in second.embeds[0]["description"]
    assert button_labels(second) == [
        ("Check in", False),
        ("Rewrite my agenda from a blank slate", False),
    ]

    opened = await fake.click(second, cohort.alice, label="Rewrite my agenda from a blank slate")
    assert opened.modal is not None
    assert prefilled(opened) == dict.fromkeys(LABELS)  # the old agenda is not shown
    rewritten = {
        LABELS[0]: "Reward hacking in RLHF. Evaluations that models can game.",
        LABELS[1]: "Red-team the evaluations themselves.",
        LABELS[2]: "",
        LABELS[3]: AGENDA[LABELS[3]],
    }
    saved = await fake.submit_modal(opened, cohort.alice, rewritten)
    text = saved.content or ""
    assert saved.ephemeral and "Saved version 2" in text and "blank slate" in text
    assert "Changes from version 1" in text
    assert "+ Evaluations that models can game." in text
    assert "- Debate makes hacks visible to weaker judges." in text
    assert f"- {AGENDA[LABELS[2]]}" in text
    assert LABELS[3] not in text  # unchanged
    [stored] = rows(runner, "SELECT blank_slate FROM agenda_versions WHERE version = 2")
    assert stored["blank_slate"] == 1
    history = await fake.invoke(cohort.guild, cohort.alice, "agenda history")
    assert "**v2** · " in (history.content or "") and "· blank slate" in (history.content or "")

    # Round 3 does not invite; at the close the button goes away; 0 turns it off.
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(days=14))
    third = prompts(fake, cohort.channel)[-1]
    assert button_labels(third) == [("Check in", False)]
    assert button_labels(fake.message(second.id)) == [("Week closed", True)]
    await fake.invoke(cohort.guild, cohort.owner, "config checkins blank-slate", {"weeks": 0})
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(days=21))  # round 4: off
    assert button_labels(prompts(fake, cohort.channel)[-1]) == [("Check in", False)]
