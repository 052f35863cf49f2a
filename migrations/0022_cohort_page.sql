-- why: the cohort page (issue [6 of 6]): one public page per server at
-- PUBLIC_BASE_URL/cohort/<secret>, on only while a row exists. Rotating replaces the secret, so
-- the old link stops at once; turning it off deletes the row.
CREATE TABLE cohort_pages (
    guild_id   INTEGER PRIMARY KEY,
    secret     TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    rotated_at INTEGER NOT NULL
);
