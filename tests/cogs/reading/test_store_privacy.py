"""Forgetting a member and resetting a server, against a real database (every migration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import ledger
from bot.db import Database, open_database
from cogs.reading import store, store_members, store_polls, store_sessions
from cogs.reading.logic import DEFAULT_DAYS_AHEAD, DEFAULT_OFFSETS, FORMER_MEMBER
from tests.conftest import rows_mentioning

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 10, 11
ALICE, BOB = 1_000_001, 1_000_002


async def seed(db: Database, guild_id: int) -> tuple[int, int, int]:
    """A reading Alice added, a session she leads and created, a poll she opened; Alice and
    Bob both RSVPed and voted. Returns (item, session, poll)."""
    async with db.transaction() as tx:
        item = await store.insert_item(
            tx,
            guild_id,
            title="Concrete Problems in AI Safety",
            url=None,
            minutes=None,
            notes="Alice's pick",
            added_by=ALICE,
            now=NOW,
        )
        session = await store_sessions.insert_session(
            tx,
            guild_id,
            item_id=item,
            title="Concrete Problems in AI Safety",
            url=None,
            starts_at=NOW + timedelta(days=5),
            ends_at=NOW + timedelta(days=5, hours=1),
            channel_id=7,
            voice_channel_id=None,
            lead_id=ALICE,
            origin=None,
            created_by=ALICE,
            now=NOW,
        )
        poll = await store_polls.insert_poll(
            tx,
            guild_id,
            channel_id=7,
            item_id=item,
            minutes=60,
            voice_channel_id=None,
            lead_id=ALICE,
            closes_at=NOW + timedelta(hours=12),
            options=[NOW + timedelta(days=2), NOW + timedelta(days=3)],
            created_by=ALICE,
            now=NOW,
        )
        for user in (ALICE, BOB):
            await store_sessions.upsert_rsvp(tx, session, user, "going", NOW)
            await store_polls.toggle_poll_vote(tx, poll, 1, user)
    return item, session, poll


async def test_forgetting_keeps_shared_rows_without_the_member(tmp_path: Path) -> None:
    """RSVPs and votes go; the reading, session and poll stay for the group, without Alice."""
    path = tmp_path / "db.sqlite3"
    async with open_database(path) as db:
        item, session, poll = await seed(db, GUILD)
        await seed(db, OTHER_GUILD)
        async with db.transaction() as tx:
            changed = await store_members.delete_member_data(tx, GUILD, ALICE, FORMER_MEMBER)
        assert changed == 5  # an RSVP, a vote, the item, the session, the poll
        kept = await store.get_item(db, GUILD, item)
        assert kept is not None and kept.added_by == FORMER_MEMBER
        led = await store_sessions.get_session(db, session)
        assert led is not None and led.lead_id is None and led.created_by is None
        opened = await store_polls.get_poll(db, poll)
        assert opened is not None and opened.created_by == FORMER_MEMBER and opened.lead_id is None
        assert await store_sessions.list_rsvps(db, session) == {BOB: "going"}
        tallies = await store_polls.list_poll_tallies(db, poll)
        assert tallies[0].voters == frozenset({BOB})
        assert await store_members.list_member_rsvps(db, GUILD, ALICE) == []
        # The other server is untouched: forgetting is per server.
        assert len(await store_members.list_member_rsvps(db, OTHER_GUILD, ALICE)) == 1
        assert len(await store_members.list_items_added_by(db, OTHER_GUILD, ALICE)) == 1
    async with open_database(path) as db, db.transaction() as tx:
        await store_members.delete_member_data(tx, OTHER_GUILD, ALICE, FORMER_MEMBER)
    assert rows_mentioning(path, ALICE) == {}
    assert rows_mentioning(path, BOB) == {"reading_rsvps": 2, "reading_poll_votes": 2}


async def test_legacy_reminders_without_a_member_are_found_by_their_payload(
    tmp_path: Path,
) -> None:
    """A per-member send recorded without `user_id` is deleted; others' stay."""
    async with open_database(tmp_path / "db.sqlite3") as db:
        async with db.transaction() as tx:
            for user in (ALICE, BOB):
                await ledger.insert_occurrence(
                    tx,
                    key=f"reading-reminder:1:3600:{user}",
                    kind="reading-reminder-member",
                    guild_id=GUILD,
                    due_at=NOW,
                    payload={"session": 1, "user": user},
                    now=NOW,
                )
            assert await store_members.delete_member_occurrences(tx, GUILD, ALICE) == 1
        left = await ledger.list_occurrences(db, guild_id=GUILD, kind="reading-reminder-member")
        assert [o.payload["user"] for o in left] == [BOB]


async def test_reset_restores_defaults_and_moves_the_series_generation(tmp_path: Path) -> None:
    """Channel, reminders, lead time and series go back to defaults; the generation moves on."""
    async with open_database(tmp_path / "db.sqlite3") as db:
        async with db.transaction() as tx:
            assert not await store.update_settings_to_defaults(tx, GUILD, NOW)  # nothing to reset
            await store.upsert_settings(
                tx, GUILD, channel_id=7, offsets=[timedelta(hours=2)], days_ahead=3, now=NOW
            )
            generation = await store.update_series(
                tx, GUILD, weekday=1, at="18:00", minutes=90, now=NOW
            )
            assert await store.update_settings_to_defaults(tx, GUILD, NOW)
        settings = await store.get_settings(db, GUILD)
        assert settings == store.ReadingSettings(
            GUILD,
            channel_id=None,
            offsets=DEFAULT_OFFSETS,
            days_ahead=DEFAULT_DAYS_AHEAD,
            generation=generation + 1,
        )
        assert settings.series is None
