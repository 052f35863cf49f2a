-- why: write-ups, from idea to published: each member's write-ups and their stage, the
-- moderators' announcement channel and nudge interval, and who turned nudges off for themselves.

CREATE TABLE writeup_settings (
    guild_id    INTEGER PRIMARY KEY,
    channel_id  INTEGER,                         -- where publications are announced (NULL: nowhere)
    nudge_weeks INTEGER NOT NULL DEFAULT 4 CHECK (nudge_weeks BETWEEN 0 AND 52),  -- 0 = off
    updated_at  INTEGER NOT NULL
);

CREATE TABLE writeups (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    author_id      INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    link           TEXT,
    stage          TEXT    NOT NULL
        CHECK (stage IN ('idea', 'drafting', 'feedback', 'revising', 'published')),
    private        INTEGER NOT NULL DEFAULT 0,
    stage_since    INTEGER NOT NULL,  -- when it entered its stage: a nudge is keyed by it
    -- the feedback-swap draft asked for from this write-up (a draft's id, not a member's)
    feedback_draft INTEGER,
    published_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX writeups_by_author ON writeups (guild_id, author_id);
CREATE INDEX writeups_by_draft ON writeups (feedback_draft) WHERE feedback_draft IS NOT NULL;
CREATE INDEX writeups_published ON writeups (guild_id, published_at) WHERE published_at IS NOT NULL;

CREATE TABLE writeup_members (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    nudges     INTEGER NOT NULL DEFAULT 1,  -- 0: this member asked for no stale-stage nudges
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
