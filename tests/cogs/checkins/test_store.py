"""The check-in store against a real (temporary) database with every migration applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import open_database
from cogs.checkins import store
from cogs.checkins.logic import DEFAULT_QUESTIONS, Question

OPENS = datetime(2026, 11, 23, 8, tzinfo=UTC)
GUILD, ALICE = 10, 20


async def test_settings_default_then_round_trip(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite3") as db:
        assert await store.get_settings(db, GUILD) == store.CheckinSettings(GUILD)
        chosen = store.CheckinSettings(
            GUILD,
            channel_id=5,
            weekday=2,
            prompt_time="18:30",
            visibility="moderators",
            questions=(Question("One", "First?"),),
            enabled=True,
        )
        async with db.transaction() as tx:
            await store.upsert_settings(tx, chosen, OPENS)
        assert await store.get_settings(db, GUILD) == chosen
        assert await store.list_enabled_guild_ids(db) == [GUILD]


async def test_answers_keep_their_message_and_rounds_are_one_per_week(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite3") as db:
        async with db.transaction() as tx:
            round_id = await store.insert_round(
                tx,
                guild_id=GUILD,
                week="2026-W48",
                channel_id=5,
                prompt_key="k",
                opens_at=OPENS,
                closes_at=OPENS + timedelta(hours=72),
                reminder_at=None,
                visibility="public",
                questions=DEFAULT_QUESTIONS,
                cohort_size=3,
                now=OPENS,
            )
        # Not posted yet: not open for answers.
        assert await store.get_open_round(db, GUILD, OPENS + timedelta(hours=1)) is None
        async with db.transaction() as tx:
            await store.update_round_message(tx, round_id, 99)
            await store.upsert_answer(tx, round_id, ALICE, ["a", "b", "c", "", ""], OPENS)
            await store.update_answer_message(tx, round_id, ALICE, 123)
            await store.upsert_answer(tx, round_id, ALICE, ["a2", "b", "c", "", ""], OPENS)
        answer = await store.get_answer(db, round_id, ALICE)
        assert answer is not None
        assert (answer.answers[0], answer.message_id) == ("a2", 123)
        open_round = await store.get_open_round(db, GUILD, OPENS + timedelta(hours=1))
        assert open_round is not None and open_round.id == round_id
        assert await store.get_open_round(db, GUILD, OPENS + timedelta(hours=72)) is None
        assert await store.count_answers_by_week(db, GUILD, "2026-W01") == {"2026-W48": 1}
        with pytest.raises(Exception, match="UNIQUE"):
            async with db.transaction() as tx:
                await store.insert_round(
                    tx,
                    guild_id=GUILD,
                    week="2026-W48",
                    channel_id=5,
                    prompt_key="k2",
                    opens_at=OPENS,
                    closes_at=OPENS,
                    reminder_at=None,
                    visibility="public",
                    questions=DEFAULT_QUESTIONS,
                    cohort_size=3,
                    now=OPENS,
                )


async def test_skips_are_cancelled_from_a_week_on(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite3") as db:
        async with db.transaction() as tx:
            await store.insert_skips(tx, GUILD, ALICE, ["2026-W47", "2026-W48", "2026-W49"], OPENS)
            await store.insert_skips(tx, GUILD, ALICE, ["2026-W49"], OPENS)  # again: no error
        async with db.transaction() as tx:
            assert await store.delete_skips_from(tx, GUILD, ALICE, "2026-W48") == 2
        assert await store.list_member_skips(db, GUILD, ALICE) == {"2026-W47"}
