-- why: the core every feature stands on: per-server settings, members' own settings, the audit
-- trail of configuration changes, and the delivery ledger that makes every scheduled send
-- happen exactly once across crashes and restarts.

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    timezone          TEXT    NOT NULL DEFAULT 'UTC',
    moderator_role_id INTEGER,
    cohort_role_id    INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE member_settings (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    timezone     TEXT,
    -- set when Discord answered 403/50007 to a DM, so we stop trying and use the fallback
    dm_closed_at INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE config_audit (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    setting   TEXT    NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX config_audit_by_guild ON config_audit (guild_id, at DESC);

-- One row per scheduled occurrence, keyed by what it is (e.g. checkin-prompt:<guild>:2026-W48).
-- pending -> claimed (about to send) -> done; or skipped / failed / cancelled.
CREATE TABLE deliveries (
    key         TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    guild_id    INTEGER,
    due_at      INTEGER NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '{}',
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'claimed', 'done', 'skipped', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    claimed_at  INTEGER,
    finished_at INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX deliveries_pending_by_due ON deliveries (due_at) WHERE state IN ('pending', 'claimed');
CREATE INDEX deliveries_by_guild_kind ON deliveries (guild_id, kind, state);

-- Small facts about this installation, e.g. the hash of the last synced command tree so that
-- a restart does not re-sync unchanged commands (Discord rate-limits command updates).
CREATE TABLE bot_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
