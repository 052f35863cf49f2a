-- why: the Hamming loop (issue [3 of 6]). A member's reflection on a round is one row: how the
-- plan they wrote in an earlier round went (done, partly, not done, changed, with an optional
-- one-line why), their own answer to "did this week's work move your most important problem?",
-- and whether they share their blocker with the cohort. A click may come before the answers
-- (on a DM prompt) or after them, so it is not a column of checkin_answers.
CREATE TABLE checkin_reflections (
    round_id      INTEGER NOT NULL REFERENCES checkin_rounds (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    planned_in    INTEGER REFERENCES checkin_rounds (id) ON DELETE SET NULL,  -- the round the plan was written in
    plan_mark     TEXT CHECK (plan_mark IN ('done', 'partly', 'not_done', 'changed')),
    plan_note     TEXT,
    on_path       TEXT CHECK (on_path IN ('yes', 'partly', 'no')),
    share_blocker INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX checkin_reflections_by_user ON checkin_reflections (user_id, round_id);

-- why: the blockers members chose to share are gathered at the round's close into one message
-- (keyed in the ledger, so never posted twice); "I can help" connects two members, once per pair.
CREATE TABLE checkin_blocker_posts (
    round_id   INTEGER PRIMARY KEY REFERENCES checkin_rounds (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    message_id INTEGER,
    posted_at  INTEGER NOT NULL
);

CREATE TABLE checkin_help_offers (
    round_id   INTEGER NOT NULL REFERENCES checkin_rounds (id) ON DELETE CASCADE,
    asker_id   INTEGER NOT NULL,
    helper_id  INTEGER NOT NULL,
    thread_id  INTEGER,            -- the private thread that connects them, when one was made
    created_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, asker_id, helper_id)
);
CREATE INDEX checkin_help_offers_by_helper ON checkin_help_offers (helper_id);

-- why: prompts by DM at each member's own local time (Geekbot-style), and the blank-slate
-- agenda rewrite every N weeks (0: off).
ALTER TABLE checkin_settings ADD COLUMN delivery TEXT NOT NULL DEFAULT 'channel'
    CHECK (delivery IN ('channel', 'dm', 'both'));
ALTER TABLE checkin_settings ADD COLUMN blank_slate_weeks INTEGER NOT NULL DEFAULT 12;
