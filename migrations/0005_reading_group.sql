-- why: the reading group: a per-server reading list, scheduled discussion sessions (each a
-- Discord scheduled event with an announcement and RSVPs), time polls that pick a slot, and
-- the settings for reminders and a weekly series.

CREATE TABLE reading_settings (
    guild_id          INTEGER PRIMARY KEY,
    channel_id        INTEGER,
    -- seconds before a session, comma-separated, largest first (default 24 h and 1 h)
    reminder_offsets  TEXT    NOT NULL DEFAULT '86400,3600',
    -- how many days before each session of the weekly series it is created and announced
    days_ahead        INTEGER NOT NULL DEFAULT 6,
    recurring_weekday INTEGER CHECK (recurring_weekday BETWEEN 0 AND 6),
    recurring_time    TEXT,   -- 'HH:MM' in the server's zone
    recurring_minutes INTEGER,
    -- bumped whenever the series changes: occurrences of an older generation stand down
    recurring_generation INTEGER NOT NULL DEFAULT 0,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE reading_items (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    url          TEXT,
    minutes      INTEGER,
    notes        TEXT,
    status       TEXT    NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'scheduled', 'discussed')),
    added_by     INTEGER NOT NULL,
    added_at     INTEGER NOT NULL,
    discussed_at INTEGER
);
CREATE INDEX reading_items_by_guild ON reading_items (guild_id, position);

CREATE TABLE reading_sessions (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    item_id          INTEGER REFERENCES reading_items (id) ON DELETE SET NULL,
    title            TEXT    NOT NULL,  -- a copy: the item may be removed later
    url              TEXT,
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,  -- where the announcement goes
    voice_channel_id INTEGER,
    lead_id          INTEGER,
    status           TEXT    NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'cancelled', 'done')),
    event_id         INTEGER,           -- stored the moment Discord returns it (exactly-once)
    message_id       INTEGER,
    thread_id        INTEGER,
    revision         INTEGER NOT NULL DEFAULT 0,  -- bumped by each reschedule
    -- what created it automatically ('poll:<id>', a weekly-series occurrence key): makes that
    -- creation idempotent when its occurrence is retried
    origin           TEXT UNIQUE,
    created_by       INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX reading_sessions_by_guild ON reading_sessions (guild_id, status, starts_at);

CREATE TABLE reading_rsvps (
    session_id INTEGER NOT NULL REFERENCES reading_sessions (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    choice     TEXT    NOT NULL CHECK (choice IN ('going', 'maybe', 'cant')),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

CREATE TABLE reading_polls (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    message_id       INTEGER,
    item_id          INTEGER REFERENCES reading_items (id) ON DELETE SET NULL,
    minutes          INTEGER NOT NULL,
    voice_channel_id INTEGER,
    lead_id          INTEGER,
    closes_at        INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    winner           INTEGER,           -- option position, once closed with a winner
    created_by       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);

CREATE TABLE reading_poll_options (
    poll_id   INTEGER NOT NULL REFERENCES reading_polls (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,
    PRIMARY KEY (poll_id, position)
);

CREATE TABLE reading_poll_votes (
    poll_id  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (poll_id, position, user_id),
    FOREIGN KEY (poll_id, position) REFERENCES reading_poll_options (poll_id, position)
        ON DELETE CASCADE
);
