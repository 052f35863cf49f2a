"""Slash commands, deferrals, buttons, selects, modals, autocomplete and the 3 s deadline."""

from __future__ import annotations

from tests.fake_discord import FakeDiscord
from tests.fake_discord_tests.conftest import World
from tests.fake_discord_tests.minibot import MiniBot


async def test_deferred_reply_then_followup(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """A deferral settles once the follow-up arrives."""
    r = await fake_discord.invoke(world.guild, world.alice, "slow", channel_id=world.channel)
    assert r.type == 5
    await r.final(timeout=3)
    assert [m.content for m in r.followups] == ["done thinking"]


async def test_button_click_edits_message(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """Clicking the panel's button updates the panel message in place."""
    r = await fake_discord.invoke(world.guild, world.alice, "panel", channel_id=world.channel)
    assert r.message is not None
    clicked = await fake_discord.click(r.message, world.bob, label="Check in")
    assert clicked.type == 7
    assert fake_discord.message(r.message.id).content == "checked in: bob"


async def test_string_select(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """Choosing a select option reaches the view's callback."""
    r = await fake_discord.invoke(world.guild, world.alice, "panel", channel_id=world.channel)
    assert r.message is not None
    picked = await fake_discord.select(
        r.message, world.bob, custom_id="checkin:mood", values=["meh"]
    )
    assert picked.content == "mood: meh"


async def test_modal_round_trip(fake_discord: FakeDiscord, world: World, bot: MiniBot) -> None:
    """The modal opens, is filled by label, and its submission is answered (defaults kept)."""
    r = await fake_discord.invoke(world.guild, world.alice, "feedback", channel_id=world.channel)
    assert r.modal is not None and r.modal.title == "Feedback"
    submitted = await fake_discord.submit_modal(r, world.alice, {"Summary": "solid draft"})
    assert submitted.content == "got solid draft / none"


async def test_autocomplete_and_subcommand_group(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """Autocomplete offers matching zones; the nested command receives the chosen one."""
    choices = await fake_discord.autocomplete(
        world.guild, world.alice, "config timezone", "zone", "Eur"
    )
    assert [c["value"] for c in choices] == ["Europe/Berlin", "Europe/London"]
    r = await fake_discord.invoke(
        world.guild, world.alice, "config timezone", {"zone": "Europe/Berlin"}
    )
    assert r.content == "zone set to Europe/Berlin"


async def test_late_answer_gets_unknown_interaction(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """A handler that sleeps 3.5 s is refused with 10062 and a violation is recorded."""
    r = await fake_discord.invoke(
        world.guild, world.alice, "sleepy", channel_id=world.channel, timeout=6
    )
    assert not r.accepted
    assert r.error is not None and r.error["code"] == 10062
    assert bot.errors == [10062]
    taken = fake_discord.pop_violations("interaction", "deadline")
    assert len(taken) == 1


async def test_unsynced_command_is_a_clear_error(
    fake_discord: FakeDiscord, world: World, bot: MiniBot
) -> None:
    """Invoking a command the bot never synced fails loudly in the test."""
    import pytest

    from tests.fake_discord import CommandNotSynced

    with pytest.raises(CommandNotSynced):
        await fake_discord.invoke(world.guild, world.alice, "nope")
