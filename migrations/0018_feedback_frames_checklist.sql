-- why: feedback swaps gain frames (a member's fields, and a draft asking for a reviewer from
-- outside or close to its author's fields) and a review checklist whose ticks reach the author.

-- The server's list of fields and the reviewers' checklist (JSON lists; NULL: the defaults).
CREATE TABLE feedback_frame_settings (
    guild_id   INTEGER PRIMARY KEY,
    fields     TEXT,
    checklist  TEXT,
    updated_at INTEGER NOT NULL
);

-- A member's background, separate from their topics and from pool membership.
CREATE TABLE feedback_member_fields (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    fields     TEXT    NOT NULL DEFAULT '[]',  -- JSON list
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- A draft's frame request; a draft without a row asked for any frame.
CREATE TABLE feedback_draft_frames (
    draft_id INTEGER PRIMARY KEY REFERENCES feedback_drafts (id),
    frame    TEXT    NOT NULL CHECK (frame IN ('close', 'outside'))
);

-- The checklist points a reviewer says their feedback covered (the point's text at the time).
CREATE TABLE feedback_checklist_ticks (
    assignment_id INTEGER NOT NULL REFERENCES feedback_assignments (id),
    guild_id      INTEGER NOT NULL,
    reviewer_id   INTEGER NOT NULL,
    point         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, point)
);
CREATE INDEX feedback_checklist_ticks_by_guild ON feedback_checklist_ticks (guild_id, created_at);
CREATE INDEX feedback_checklist_ticks_by_reviewer ON feedback_checklist_ticks (guild_id, reviewer_id);
