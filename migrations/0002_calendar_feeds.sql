-- why: each server gets one secret calendar URL (/calendar/<secret>.ics) that the reading
-- group and grant deadlines both publish into; rotating the secret revokes old links.
CREATE TABLE calendar_feeds (
    guild_id   INTEGER PRIMARY KEY,
    secret     TEXT    NOT NULL UNIQUE,
    rotated_at INTEGER NOT NULL
);
