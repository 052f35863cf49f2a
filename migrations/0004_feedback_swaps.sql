-- why: feedback swaps: members post drafts, opt in as reviewers, and each round pairs reviewers
-- with drafts (stored with its assignments in one transaction before anything is announced);
-- follow-ups, ratings and lapses keep the give-to-get ledger honest.

CREATE TABLE feedback_settings (
    guild_id            INTEGER PRIMARY KEY,
    enabled             INTEGER NOT NULL DEFAULT 0,
    channel_id          INTEGER,
    cadence             TEXT    NOT NULL DEFAULT 'weekly' CHECK (cadence IN ('weekly', 'biweekly')),
    weekday             INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
    round_time          TEXT    NOT NULL DEFAULT '10:00',
    -- biweekly rounds fall on dates an even number of weeks from this local date (YYYY-MM-DD)
    anchor_date         TEXT,
    reviewers_per_draft INTEGER NOT NULL DEFAULT 1,
    repeat_window       INTEGER NOT NULL DEFAULT 6,
    draft_limit         INTEGER NOT NULL DEFAULT 2,
    topics              TEXT,   -- JSON list of topic names; NULL means the default list
    updated_at          INTEGER NOT NULL
);

CREATE TABLE feedback_drafts (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    author_id      INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    link           TEXT    NOT NULL,
    wanted         TEXT    NOT NULL,
    length         TEXT    NOT NULL,
    topics         TEXT    NOT NULL DEFAULT '[]',  -- JSON list
    due_at         INTEGER NOT NULL,               -- "feedback needed by"
    -- open: waiting for a round; in_review: has reviewers at work; closed: every review ended;
    -- withdrawn by the author; expired: its due date came before a reviewer could be found
    status         TEXT    NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'in_review', 'closed', 'withdrawn', 'expired')),
    carried_rounds INTEGER NOT NULL DEFAULT 0,     -- rounds it waited without a reviewer
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX feedback_drafts_by_guild ON feedback_drafts (guild_id, status);
CREATE INDEX feedback_drafts_by_author ON feedback_drafts (guild_id, author_id, status);

CREATE TABLE feedback_reviewers (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    topics        TEXT    NOT NULL DEFAULT '[]',  -- JSON list
    per_round     INTEGER NOT NULL DEFAULT 1 CHECK (per_round BETWEEN 1 AND 3),
    active        INTEGER NOT NULL DEFAULT 1,     -- 0 after /feedback leave
    paused_until  INTEGER,                        -- snoozed until then (NULL: not paused)
    paused_reason TEXT,                           -- 'member' or 'lapses'
    lapses        INTEGER NOT NULL DEFAULT 0,     -- since they last (re)joined
    joined_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- Private: never shown to the avoided member. Forbids the pair in both directions.
CREATE TABLE feedback_avoid (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    avoided_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, avoided_id)
);

-- One row per computed round; `slot` (the scheduled local date, or now-<interaction>) is
-- unique per server so a restart can never compute a second round for the same slot.
CREATE TABLE feedback_rounds (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    slot                TEXT    NOT NULL,
    started_at          INTEGER NOT NULL,
    reviewers_per_draft INTEGER NOT NULL,
    triggered_by        INTEGER,                  -- the moderator for match-now
    UNIQUE (guild_id, slot)
);

CREATE TABLE feedback_assignments (
    id                INTEGER PRIMARY KEY,
    round_id          INTEGER NOT NULL REFERENCES feedback_rounds (id),
    guild_id          INTEGER NOT NULL,
    draft_id          INTEGER NOT NULL REFERENCES feedback_drafts (id),
    reviewer_id       INTEGER NOT NULL,
    author_id         INTEGER NOT NULL,
    reason            TEXT    NOT NULL,
    repeat_rounds_ago INTEGER,
    due_at            INTEGER NOT NULL,
    -- active: in progress; done: the reviewer sent it (or the author confirmed receipt);
    -- cancelled: the reviewer could not; lapsed: no answer by due + grace; withdrawn: draft gone
    status            TEXT    NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'done', 'cancelled', 'lapsed', 'withdrawn')),
    extensions        INTEGER NOT NULL DEFAULT 0,
    sent_at           INTEGER,                    -- the reviewer said "Yes"
    received_at       INTEGER,                    -- the author confirmed receipt
    rating            INTEGER CHECK (rating BETWEEN 1 AND 5),
    closed_at         INTEGER,
    created_at        INTEGER NOT NULL
);
CREATE INDEX feedback_assignments_by_round ON feedback_assignments (round_id);
CREATE INDEX feedback_assignments_by_reviewer ON feedback_assignments (guild_id, reviewer_id);
CREATE INDEX feedback_assignments_by_author ON feedback_assignments (guild_id, author_id);
CREATE INDEX feedback_assignments_by_draft ON feedback_assignments (draft_id);

-- What each round could not do, so nobody is dropped silently (shown in /feedback report).
CREATE TABLE feedback_unmatched (
    round_id INTEGER NOT NULL REFERENCES feedback_rounds (id),
    draft_id INTEGER NOT NULL,
    assigned INTEGER NOT NULL,
    missing  INTEGER NOT NULL,
    reason   TEXT    NOT NULL,
    PRIMARY KEY (round_id, draft_id)
);

CREATE TABLE feedback_idle (
    round_id INTEGER NOT NULL REFERENCES feedback_rounds (id),
    user_id  INTEGER NOT NULL,
    reason   TEXT    NOT NULL,
    PRIMARY KEY (round_id, user_id)
);

-- The private thread used when a member's DMs are closed (one per member, reused), so a
-- retried announcement posts into the same thread instead of opening another.
CREATE TABLE feedback_threads (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
