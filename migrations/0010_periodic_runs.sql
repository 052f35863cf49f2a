-- why: periodic maintenance (the retention purge, replans) first ran one interval after start-up,
-- so a bot restarted more often than that (redeployed daily, crash-looping) never purged. Each
-- job's last successful run is kept here; at start-up a job runs if its interval has passed.

CREATE TABLE periodic_runs (
    name        TEXT    PRIMARY KEY,   -- the name given to Scheduler.add_periodic
    last_run_at INTEGER NOT NULL       -- unix seconds (UTC) when its last successful run began
);
