-- why: bench/storage.py found a full table scan: the weekly digest and /feedback report read a
-- server's latest feedback rounds (ORDER BY started_at DESC), which scanned every round of every
-- server; this index serves the filter and the order.
CREATE INDEX feedback_rounds_by_guild_started ON feedback_rounds (guild_id, started_at DESC, id DESC);
