-- why: after a reading, each member who went is asked to comment where the authors are; their
-- answer is kept per session (the digest counts comments), and a personal reading log with
-- its sharing choice (private unless the member shares it).

CREATE TABLE reading_comments (
    session_id  INTEGER NOT NULL REFERENCES reading_sessions (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    answer      TEXT    NOT NULL CHECK (answer IN ('commented', 'skipped')),
    link        TEXT,   -- the comment's address as given (never fetched)
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX reading_comments_by_guild ON reading_comments (guild_id, answered_at);

CREATE TABLE reading_log (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    item_id   INTEGER REFERENCES reading_items (id) ON DELETE SET NULL,
    title     TEXT    NOT NULL,  -- a copy: the item may be removed from the list later
    status    TEXT    NOT NULL CHECK (status IN ('skimmed', 'read', 'deep')),
    note      TEXT,
    logged_at INTEGER NOT NULL
);
CREATE INDEX reading_log_by_member ON reading_log (guild_id, user_id, logged_at);

CREATE TABLE reading_log_sharing (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    shared   INTEGER NOT NULL CHECK (shared IN (0, 1)),
    PRIMARY KEY (guild_id, user_id)
);
