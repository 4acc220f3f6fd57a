-- Which server holds a message while it sends it (its claim lasts until next_attempt_at),
-- so several servers sharing one database never send the same message twice.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
