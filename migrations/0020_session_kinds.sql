-- why: sessions of every kind (co-working, writing sprints, grant clinics, talks, socials),
-- their own repeating series (weekly, every other week, monthly on the nth weekday) and the
-- goal prompt ("what will you get done?" / "did you?") of co-working and writing sprints.
CREATE TABLE session_series (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    title            TEXT,              -- NULL for a reading series: each takes the next reading
    rule             TEXT    NOT NULL CHECK (rule IN ('weekly', 'biweekly', 'monthly')),
    first_start      INTEGER NOT NULL,  -- UTC; its wall clock in `zone` is kept
    zone             TEXT    NOT NULL,
    minutes          INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    voice_channel_id INTEGER,
    lead_id          INTEGER,
    goal_prompt      INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped')),
    created_by       INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX session_series_by_guild ON session_series (guild_id, status);

ALTER TABLE reading_sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'reading'
    CHECK (kind IN ('reading', 'coworking', 'sprint', 'clinic', 'talk', 'social'));
ALTER TABLE reading_sessions ADD COLUMN goal_prompt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reading_sessions ADD COLUMN series_id INTEGER
    REFERENCES session_series (id) ON DELETE SET NULL;

CREATE TABLE session_goals (
    session_id  INTEGER NOT NULL REFERENCES reading_sessions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    goal        TEXT,
    outcome     TEXT CHECK (outcome IN ('done', 'partly', 'not')),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_goals_by_user ON session_goals (user_id);
