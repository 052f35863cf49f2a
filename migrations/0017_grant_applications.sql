-- why: members track their own grant applications from drafting to decision (one DM asking
-- how it went a week after the decision was due), keep private opportunities of their own
-- with DM reminders, and a grant may say how long its funder usually takes to decide.

-- Days from submission to the usual decision; NULL: the default (30 days).
ALTER TABLE grants ADD COLUMN decision_days INTEGER;

-- One row per application. grant_name keeps the name if the grant is removed (grant_id is
-- then NULL); decision_at is when the decision is due. status: drafting, submitted, funded,
-- declined, withdrawn, no_answer.
-- ask_rev counts the decision questions planned ("Still waiting" plans the next one); the
-- question's key names it, and next_ask_at is when it is due.
CREATE TABLE grant_applications (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    grant_id     INTEGER REFERENCES grants (id) ON DELETE SET NULL,
    grant_name   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    submitted_at INTEGER,
    decision_at  INTEGER,
    amount       TEXT,
    share        INTEGER NOT NULL DEFAULT 0,
    ask_rev      INTEGER NOT NULL DEFAULT 0,
    next_ask_at  INTEGER,
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX grant_applications_by_member ON grant_applications (guild_id, user_id);
CREATE INDEX grant_applications_asking ON grant_applications (next_ask_at)
    WHERE next_ask_at IS NOT NULL;

-- A member's own opportunity: never shown to anyone else. rev counts deadline changes, as
-- grants.schedule_rev does, so reminder keys of an old deadline are never reused.
CREATE TABLE grant_personal (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    deadline_at   INTEGER NOT NULL,
    deadline_zone TEXT    NOT NULL,
    url           TEXT,
    offsets       TEXT    NOT NULL,
    rev           INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX grant_personal_by_member ON grant_personal (guild_id, user_id);
