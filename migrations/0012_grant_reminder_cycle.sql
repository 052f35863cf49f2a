-- why: a moved deadline must not repeat a reminder already sent for it (docs/RELIABILITY.md),
-- but a grant given next year's deadline after this year's passed is a new round whose
-- reminders all come again. Reminders sent under schedule_rev >= reminder_cycle_rev belong to
-- the current round; an edit made after the old deadline passed starts a new round.
ALTER TABLE grants ADD COLUMN reminder_cycle_rev INTEGER NOT NULL DEFAULT 0;
