-- why: members' own switches (pause, where to be notified), what happens when they leave
-- (paused at once, purged after the server's retention period), the user a scheduled send is
-- for (so /me forget can cancel and delete it), and the weekly digest's schedule.

ALTER TABLE member_settings ADD COLUMN paused_until INTEGER;
ALTER TABLE member_settings ADD COLUMN left_at INTEGER;

CREATE TABLE notification_prefs (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    feature  TEXT    NOT NULL,
    channel  TEXT    NOT NULL CHECK (channel IN ('dm', 'mention')),
    PRIMARY KEY (guild_id, user_id, feature)
);

ALTER TABLE guild_settings ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 90;

ALTER TABLE deliveries ADD COLUMN user_id INTEGER;
CREATE INDEX deliveries_by_member ON deliveries (guild_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX member_settings_left ON member_settings (left_at) WHERE left_at IS NOT NULL;

CREATE TABLE digest_settings (
    guild_id   INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    local_time TEXT    NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1
);
