-- why: the research agenda that evolves (issue [3 of 6], the Hamming loop). Every save of a
-- member's agenda is a new numbered version, never an edit, so history and diffs stay true;
-- the member chooses whether the cohort may read it (default: the cohort may).
CREATE TABLE agenda_versions (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    problems    TEXT NOT NULL,
    approach    TEXT NOT NULL,
    change_mind TEXT NOT NULL,
    success     TEXT NOT NULL,
    blank_slate INTEGER NOT NULL DEFAULT 0,  -- written from the blank-slate invitation
    saved_at    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, version)
);

CREATE TABLE agenda_privacy (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    private    INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
