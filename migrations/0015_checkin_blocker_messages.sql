-- why: the blockers gathered at a round's close fill more than one message when more than 25
-- members share (25 buttons) or their text passes an embed's 6,000 characters. Each part's
-- message id is kept as soon as it is sent, so a retry after a crash sends only the parts
-- that are missing (checkin_blocker_posts keeps one row per round: the first part).
CREATE TABLE checkin_blocker_messages (
    round_id   INTEGER NOT NULL REFERENCES checkin_rounds (id) ON DELETE CASCADE,
    part       INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (round_id, part)
);
