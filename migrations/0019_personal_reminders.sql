-- why: /remind me (Reminder Bot parity): a member's own reminders, each sent once by DM through
-- the delivery ledger (key personal-reminder:<id>). The row keeps what /remind list shows and
-- where to mention the member if their DMs are closed; sent/cancelled rows are kept until the
-- member is forgotten, so /me export shows what was asked.
CREATE TABLE personal_reminders (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    channel_id   INTEGER,              -- where /remind was used: the closed-DM fallback
    text         TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    cancelled_at INTEGER
);
CREATE INDEX personal_reminders_pending ON personal_reminders (guild_id, user_id, due_at)
    WHERE sent_at IS NULL AND cancelled_at IS NULL;
