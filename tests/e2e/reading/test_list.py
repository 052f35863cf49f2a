"""The reading list end to end: add, list pages, autocomplete, move, remove, starter pack."""

from __future__ import annotations

import pytest

from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.reading.conftest import Room
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_add_list_page_move_and_remove(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    for n in range(1, 13):
        result = await fake_discord.invoke(
            cohort.guild,
            cohort.alice,
            "reading add",
            {"title": f"Paper {n:02d}", "url": f"https://example.org/{n}", "minutes": 30 + n},
        )
        assert result.ephemeral and f"position {n}" in (result.content or "")
    duplicate = await fake_discord.invoke(
        cohort.guild,
        cohort.bob,
        "reading add",
        {"title": "Again", "url": "http://www.example.org/3/"},
    )
    assert "already on the list: 3. Paper 03" in (duplicate.content or "")
    bad = await fake_discord.invoke(
        cohort.guild, cohort.bob, "reading add", {"title": "X", "url": "example dot org"}
    )
    assert "isn't a web link" in (bad.content or "")

    listed = await fake_discord.invoke(cohort.guild, cohort.bob, "reading list")
    page = listed.embeds[0]
    assert page["description"].splitlines()[0] == (
        "`1.` [Paper 01](https://example.org/1) · 31 min · queued"
    )
    assert page["footer"]["text"] == "Page 1 of 2 · 12 items, 12 queued"
    assert listed.message is not None
    await fake_discord.click(listed.message, cohort.bob, label="Next")
    assert listed.embeds[0]["description"].startswith("`11.` [Paper 11]")

    choices = await fake_discord.autocomplete(
        cohort.guild, cohort.alice, "reading move", "item", "paper 1"
    )
    assert [c["name"] for c in choices][:2] == ["10. Paper 10 (queued)", "11. Paper 11 (queued)"]
    moved = await fake_discord.invoke(
        cohort.guild, cohort.alice, "reading move", {"item": choices[1]["value"], "position": 1}
    )
    assert "to position 1" in (moved.content or "")
    refused = await fake_discord.invoke(cohort.guild, cohort.bob, "reading remove", {"item": "1"})
    assert "Only moderators" in (refused.content or "")
    removed = await fake_discord.invoke(
        cohort.guild, cohort.owner, "reading remove", {"item": "Paper 02"}
    )
    assert "Removed **Paper 02**" in (removed.content or "")
    titles = [r["title"] for r in rows(runner, "SELECT title FROM reading_items ORDER BY position")]
    assert titles[:3] == ["Paper 11", "Paper 01", "Paper 03"] and len(titles) == 11
    positions = [
        r["position"] for r in rows(runner, "SELECT position FROM reading_items ORDER BY position")
    ]
    assert positions == list(range(1, 12))
    unknown = await fake_discord.invoke(
        cohort.guild, cohort.owner, "reading remove", {"item": "No such paper"}
    )
    assert "No reading matches" in (unknown.content or "")


async def test_starter_pack_is_for_moderators_and_skips_present_items(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    refused = await fake_discord.invoke(cohort.guild, cohort.alice, "reading starter-pack")
    assert "Only moderators" in (refused.content or "")
    await fake_discord.invoke(
        cohort.guild,
        cohort.alice,
        "reading add",
        {"title": "The Sequences", "url": "https://www.lesswrong.com/rationality"},
    )
    first = await fake_discord.invoke(cohort.guild, cohort.owner, "reading starter-pack")
    assert "Added 9 starter readings (1 already on the list)" in (first.content or "")
    again = await fake_discord.invoke(cohort.guild, cohort.owner, "reading starter-pack")
    assert (again.content or "").startswith("Added 0 starter readings (10 already")
    items = rows(runner, "SELECT title, url FROM reading_items ORDER BY position")
    assert len(items) == 10
    urls = {r["url"] for r in items}
    assert "https://www.cs.virginia.edu/~robins/YouAndYourResearch.html" in urls
    # The seed's first pointers, on LessWrong, where members can comment.
    assert "https://www.lesswrong.com/posts/34XxbRFe54FycoCDw/the-bottom-line" in urls
    assert "https://www.lesswrong.com/posts/bjjbp5i5G8bekJuxv/study-guide" in urls
    assert "https://www.lesswrong.com/posts/Gg9a4y8reWKtLe3Tn/the-rocket-alignment-problem" in urls
