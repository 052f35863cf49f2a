"""The /feedback and /config feedback commands: bad input changes nothing; match-now; avoid."""

from __future__ import annotations

import pytest

from bot.client import HammingBot
from bot.features import implements
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.feedback_swaps.helpers import (
    FIRST_ROUND,
    FORM,
    assignments,
    bot_dms,
    configure,
    dms_containing,
    join,
    request,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

DUE_FIELD = "Feedback needed by (your time zone)"


def drafts(runner: BotRunner) -> list[str]:
    return [r["title"] for r in rows(runner, "SELECT title FROM feedback_drafts ORDER BY id")]


async def test_bad_draft_requests_get_plain_errors_and_change_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    fake, g, bob = fake_discord, cohort.guild, cohort.bob
    await configure(fake, cohort)
    cases = {
        "Link (http or https)": ("ftp://files.example.org/draft", "http:// or https://"),
        "Approximate length (words or minutes)": ("quite long", "number of words"),
        DUE_FIELD: ("2020-01-01", "in the past"),
    }
    for field, (value, expected) in cases.items():
        answer = await request(fake, g, bob, "Bad", **{field: value})
        assert answer.ephemeral and expected in (answer.content or ""), (field, answer)
    # Before the next round plus a day: a reviewer would have no time.
    too_soon = await request(fake, g, bob, "Soon", **{DUE_FIELD: "2026-11-23"})
    assert "too soon" in (too_soon.content or "")
    assert f"<t:{int(FIRST_ROUND.timestamp())}:F>" in (too_soon.content or "")
    unknown = await fake.invoke(g, bob, "feedback request", {"topics": "astrology"})
    assert unknown.ephemeral and "Unknown topic" in (unknown.content or "")
    assert unknown.modal is None
    assert drafts(runner) == []

    # Topics autocomplete completes the part being typed; two drafts, then the limit.
    choices = await fake.autocomplete(g, bob, "feedback request", "topics", "interpretability, gov")
    assert [c["value"] for c in choices] == ["interpretability, governance"]
    await request(fake, g, bob, "One", topics="Interpretability, governance")
    await request(fake, g, bob, "Two")
    third = await fake.invoke(g, bob, "feedback request")
    assert third.ephemeral and "limit in this server is 2" in (third.content or "")
    assert third.modal is None
    stored = rows(runner, "SELECT title, topics, length FROM feedback_drafts ORDER BY id")
    assert [(r["title"], r["topics"], r["length"]) for r in stored] == [
        ("One", '["interpretability", "governance"]', "4,000 words"),
        ("Two", "[]", "4,000 words"),
    ]

    # Withdraw: autocomplete lists only your own drafts; another's id is refused.
    mine = await fake.autocomplete(g, bob, "feedback withdraw", "draft", "")
    assert [c["name"].split(" (")[0] for c in mine] == ["One", "Two"]
    assert await fake.autocomplete(g, cohort.alice, "feedback withdraw", "draft", "") == []
    stolen = await fake.invoke(g, cohort.alice, "feedback withdraw", {"draft": mine[0]["value"]})
    assert stolen.ephemeral and "could not find that draft" in (stolen.content or "")
    withdrawn = await fake.invoke(g, bob, "feedback withdraw", {"draft": mine[0]["value"]})
    assert "Withdrew **One**" in (withdrawn.content or "")
    assert [
        r["status"] for r in rows(runner, "SELECT status FROM feedback_drafts ORDER BY id")
    ] == [
        "withdrawn",
        "open",
    ]


async def test_pool_commands_avoid_list_and_match_now(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])

    nothing = await fake.invoke(g, cohort.owner, "feedback match-now")
    assert nothing.ephemeral and "no drafts are waiting" in (nothing.content or "")
    refused = await fake.invoke(g, alice, "feedback match-now")
    assert refused.ephemeral and "Only moderators" in (refused.content or "")

    bad = await fake.invoke(g, alice, "feedback join", {"topics": "cooking"})
    assert bad.ephemeral and "Unknown topic" in (bad.content or "")
    assert rows(runner, "SELECT * FROM feedback_reviewers") == []
    await join(fake, g, alice, "evals")
    await join(fake, g, carol, "evals")

    # Alice privately avoids bob: never paired, and bob hears nothing of it.
    self_avoid = await fake.invoke(g, alice, "feedback avoid", {"member": alice})
    assert self_avoid.ephemeral and "never paired with yourself" in (self_avoid.content or "")
    avoided = await fake.invoke(g, alice, "feedback avoid", {"member": bob})
    assert avoided.ephemeral and "never told" in (avoided.content or "")
    paused = await fake.invoke(g, carol, "feedback pause", {"until": "2026-12-01"})
    assert paused.ephemeral and "Paused" in (paused.content or "")
    bad_pause = await fake.invoke(g, carol, "feedback pause", {"until": "someday"})
    assert bad_pause.ephemeral and "Accepted forms" in (bad_pause.content or "")

    await request(fake, g, bob, "Bob's draft", **{DUE_FIELD: "2026-12-04"})
    await request(fake, g, carol, "Carol's draft", **{DUE_FIELD: "2026-12-04"})
    ran = await fake.invoke(g, cohort.owner, "feedback match-now")
    await ran.final()
    text = ran.followups[-1].content or ""
    assert "1 assignment(s) for 2 draft(s)" in text, text
    assert "1 draft(s) got no reviewer" in text
    made = assignments(runner)
    # Alice may not review bob (avoid list); carol is paused: alice reviews carol's draft.
    assert [(a["reviewer_id"], a["author_id"]) for a in made] == [(alice, carol)]
    assert len(dms_containing(fake, bob, "No reviewer for your draft")) == 1
    assert all("avoid" not in (m.content or "") for m in bot_dms(fake, bob))
    # Run again: bob's draft still has nobody allowed and free; it is carried once more.
    again = await fake.invoke(g, cohort.owner, "feedback match-now")
    await again.final()
    assert "0 assignment(s) for 1 draft(s)" in (again.followups[-1].content or "")
    assert (
        rows(runner, "SELECT carried_rounds FROM feedback_drafts WHERE author_id = ?", (bob,))[0][
            "carried_rounds"
        ]
        == 2
    )
    report = await fake.invoke(g, cohort.owner, "feedback report")
    await report.final()
    short = {f["name"]: f["value"] for f in report.followups[-1].embeds[0]["fields"]}
    assert "Bob's draft" in short["Drafts short of reviewers"]

    # What the core's digest and server export get from this feature.
    feature = swaps.features["feedback_swaps"]
    assert implements(feature, "digest_section") and implements(feature, "export_guild")
    section = await feature.digest_section(g, runner.clock.now())
    assert section is not None and section.title == "Feedback swaps"
    assert section.lines[0].endswith("1 review(s) assigned, 0 done so far.")
    exported = await feature.export_guild(g)
    assert [r["assignments"] for r in exported["rounds"]] == [{}, {"active": 1}]

    left = await fake.invoke(g, alice, "feedback leave")
    assert "1 review in progress" in (left.content or "")
    not_in = await fake.invoke(g, alice, "feedback leave")
    assert not_in.ephemeral and "not in the reviewer pool" in (not_in.content or "")


async def test_topics_form_configuration_and_checklist(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    fake, g = fake_discord, cohort.guild
    opened = await fake.invoke(g, cohort.owner, "config feedback topics")
    assert opened.modal is not None
    field = opened.modal.fields[0]
    assert "interpretability" in field["value"]
    saved = await fake.submit_modal(
        opened, cohort.owner, {field["label"]: "Interpretability\nRed teaming\n\nred teaming"}
    )
    assert "Saved 2 topics: Interpretability, Red teaming" in (saved.content or "")
    joined = await join(fake, g, cohort.alice, "red TEAMING")
    assert "Red teaming" in (joined.content or "")
    bad = await fake.invoke(g, cohort.owner, "config feedback topics")
    refused = await fake.submit_modal(bad, cohort.owner, {field["label"]: "a, b"})
    assert refused.ephemeral and "comma" in (refused.content or "")
    audit = rows(
        runner, "SELECT setting, new_value FROM config_audit WHERE setting = 'feedback.topics'"
    )
    assert [r["new_value"] for r in audit] == ['["Interpretability", "Red teaming"]']

    no_perms = await fake.invoke(
        g,
        cohort.alice,
        "config feedback schedule",
        {"channel": cohort.channel, "day": 0, "time": "10:00"},
    )
    assert no_perms.ephemeral and "Only moderators" in (no_perms.content or "")
    bad_time = await configure(fake, cohort, time="25:00")
    assert bad_time.ephemeral and "09:00" in (bad_time.content or "")
    assert rows(runner, "SELECT * FROM feedback_settings WHERE enabled = 1") == []

    before = await fake.invoke(g, cohort.alice, "about")
    assert "⬜ Feedback swaps: no channel yet" in before.embeds[0]["fields"][3]["value"]
    await configure(fake, cohort, cadence="biweekly", reviewers_per_draft=2)
    after = await fake.invoke(g, cohort.alice, "about")
    assert f"✅ Feedback swaps: <#{cohort.channel}>" in after.embeds[0]["fields"][3]["value"]
    shown = await fake.invoke(g, cohort.owner, "config show")
    status = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}["Feedback swaps"]
    assert status.startswith("Every other Monday at 10:00, 2 reviewers per draft"), status
    off = await fake.invoke(g, cohort.owner, "config feedback off")
    assert "off" in (off.content or "")
    pending = rows(runner, "SELECT state FROM deliveries WHERE kind = 'feedback-round'")
    assert {r["state"] for r in pending} == {"cancelled"}
    assert FORM  # the shared form stays importable for other tests
