-- why: /checkin stats and the weekly digest list every member's streak, and folding five years
-- of a 1,000-member cohort's answers on each call took 175 ms (bench/storage.py). Each server's
-- streaks are kept folded through its last settled week (the week before the current one);
-- a call then reads one row and the current week. Triggers drop a server's fold whenever a round,
-- an answer or an away week at or before that week changes, so no code path can leave it
-- stale; the next call folds again from the start.

CREATE TABLE checkin_streak_folds (
    guild_id     INTEGER PRIMARY KEY,
    through_week TEXT    NOT NULL,    -- ISO week key: every week up to this one is folded
    folds        TEXT    NOT NULL     -- JSON [[user ids], [runs], [bests]]: run is the streak
                                      -- ending at through_week, best the longest up to it;
                                      -- members with nothing counted are left out
);

CREATE TRIGGER checkin_fold_round_added AFTER INSERT ON checkin_rounds
WHEN EXISTS (
    SELECT 1 FROM checkin_streak_folds f WHERE f.guild_id = NEW.guild_id AND f.through_week >= NEW.week
)
BEGIN
    DELETE FROM checkin_streak_folds WHERE guild_id = NEW.guild_id;
END;

CREATE TRIGGER checkin_fold_answer_added AFTER INSERT ON checkin_answers
WHEN EXISTS (
    SELECT 1 FROM checkin_rounds r JOIN checkin_streak_folds f ON f.guild_id = r.guild_id
    WHERE r.id = NEW.round_id AND f.through_week >= r.week
)
BEGIN
    DELETE FROM checkin_streak_folds
    WHERE guild_id = (SELECT guild_id FROM checkin_rounds WHERE id = NEW.round_id);
END;

CREATE TRIGGER checkin_fold_answer_removed AFTER DELETE ON checkin_answers
WHEN EXISTS (
    SELECT 1 FROM checkin_rounds r JOIN checkin_streak_folds f ON f.guild_id = r.guild_id
    WHERE r.id = OLD.round_id AND f.through_week >= r.week
)
BEGIN
    DELETE FROM checkin_streak_folds
    WHERE guild_id = (SELECT guild_id FROM checkin_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER checkin_fold_skip_added AFTER INSERT ON checkin_skips
WHEN EXISTS (
    SELECT 1 FROM checkin_streak_folds f WHERE f.guild_id = NEW.guild_id AND f.through_week >= NEW.week
)
BEGIN
    DELETE FROM checkin_streak_folds WHERE guild_id = NEW.guild_id;
END;

CREATE TRIGGER checkin_fold_skip_removed AFTER DELETE ON checkin_skips
WHEN EXISTS (
    SELECT 1 FROM checkin_streak_folds f WHERE f.guild_id = OLD.guild_id AND f.through_week >= OLD.week
)
BEGIN
    DELETE FROM checkin_streak_folds WHERE guild_id = OLD.guild_id;
END;
