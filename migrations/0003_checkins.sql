-- why: weekly Hamming check-ins: each server's schedule and questions, one round per week (with
-- its prompt message and answer thread ids, so a retry after a crash never posts twice), the
-- members' answers (with their thread message, edited in place), and the weeks members are away.

CREATE TABLE checkin_settings (
    guild_id                    INTEGER PRIMARY KEY,
    channel_id                  INTEGER,                     -- NULL until a schedule is set
    weekday                     INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
    prompt_time                 TEXT    NOT NULL DEFAULT '09:00',  -- local HH:MM, server zone
    close_after_hours           INTEGER NOT NULL DEFAULT 72,
    reminder_hours_before_close INTEGER NOT NULL DEFAULT 24,  -- 0: no reminder
    visibility                  TEXT    NOT NULL DEFAULT 'public'
                                CHECK (visibility IN ('public', 'moderators')),
    questions                   TEXT,                        -- JSON [[label, question]]; NULL: defaults
    drift_weeks                 INTEGER NOT NULL DEFAULT 3,
    enabled                     INTEGER NOT NULL DEFAULT 0,
    updated_at                  INTEGER NOT NULL
);

CREATE TABLE checkin_rounds (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    week        TEXT    NOT NULL,        -- ISO week of the prompt's local date, e.g. 2026-W48
    channel_id  INTEGER NOT NULL,
    prompt_key  TEXT    NOT NULL,        -- the ledger occurrence that opened the round
    opens_at    INTEGER NOT NULL,
    closes_at   INTEGER NOT NULL,
    reminder_at INTEGER,
    visibility  TEXT    NOT NULL CHECK (visibility IN ('public', 'moderators')),
    questions   TEXT    NOT NULL,        -- as asked in this round; later edits apply next round
    cohort_size INTEGER NOT NULL,
    message_id  INTEGER,                 -- the prompt, once posted
    thread_id   INTEGER,                 -- the answer thread, once created
    closed_at   INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (guild_id, week)
);
CREATE INDEX checkin_rounds_by_close ON checkin_rounds (guild_id, closes_at);

CREATE TABLE checkin_answers (
    round_id     INTEGER NOT NULL REFERENCES checkin_rounds (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    answers      TEXT    NOT NULL,       -- JSON list of strings, by question position
    message_id   INTEGER,                -- the answer's post in the thread (public rounds)
    submitted_at INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX checkin_answers_by_user ON checkin_answers (user_id, round_id);

CREATE TABLE checkin_skips (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    week       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, week)
);
