-- why: a server that removes the bot stops its schedules and calendar feeds at once, and its
-- data is purged after the server's retention period unless the bot is added back first.
CREATE TABLE removed_guilds (
    guild_id   INTEGER PRIMARY KEY,
    removed_at INTEGER NOT NULL
);
