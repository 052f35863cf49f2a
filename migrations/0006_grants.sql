-- why: grant deadlines with reminders at several offsets: the opportunities themselves, each
-- server's reminder settings, members' subscriptions with their own offsets, and the iCalendar
-- feeds deadlines were imported from (so a re-import updates by UID instead of duplicating).

CREATE TABLE grant_settings (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER,
    offsets       TEXT    NOT NULL DEFAULT '30d,14d,7d,3d,1d',
    rolling_nudge INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE grant_feeds (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    url             TEXT    NOT NULL,
    added_by        INTEGER NOT NULL,
    added_at        INTEGER NOT NULL,
    last_fetched_at INTEGER,
    last_error      TEXT,
    UNIQUE (guild_id, url)
);

CREATE TABLE grants (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    -- casefolded, single-spaced name: two grants of a server never share it
    name_key      TEXT    NOT NULL,
    deadline_at   INTEGER,
    -- the IANA zone the deadline was read in; reminders "7d before" keep its wall-clock time
    deadline_zone TEXT    NOT NULL DEFAULT 'UTC',
    rolling       INTEGER NOT NULL DEFAULT 0,
    url           TEXT,
    funder        TEXT,
    notes         TEXT,
    feed_id       INTEGER REFERENCES grant_feeds (id) ON DELETE SET NULL,
    source_uid    TEXT,
    -- fingerprint of the feed's event at the last import: unchanged events keep local edits
    source_hash   TEXT,
    -- bumped on every deadline change; part of reminder keys so edits get fresh reminders
    schedule_rev  INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (guild_id, name_key)
);
CREATE UNIQUE INDEX grants_by_source ON grants (feed_id, source_uid) WHERE source_uid IS NOT NULL;
CREATE INDEX grants_by_deadline ON grants (deadline_at) WHERE deadline_at IS NOT NULL;

-- grant_id NULL: `subscribe all:` (every current and future grant). An empty `offsets` on a
-- grant's own row means "not this one" for a member who is subscribed to all.
CREATE TABLE grant_subscriptions (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    grant_id   INTEGER REFERENCES grants (id) ON DELETE CASCADE,
    offsets    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX grant_subscriptions_unique
    ON grant_subscriptions (guild_id, user_id, IFNULL(grant_id, 0));
CREATE INDEX grant_subscriptions_by_grant ON grant_subscriptions (guild_id, grant_id);
