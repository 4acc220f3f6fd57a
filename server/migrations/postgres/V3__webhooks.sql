-- Webhook routes (Teams, Slack): one delivery per outbox message and route, claimed like the
-- outbox (claimed_by until next_attempt_at), and every attempt kept with its outcome, so the
-- record shows a failure followed by the retry that succeeded.
CREATE TABLE webhook_delivery (
    message_id TEXT NOT NULL,
    route TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_by TEXT,
    PRIMARY KEY (message_id, route)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE sent_at IS NULL;
CREATE TABLE webhook_attempt (
    message_id TEXT NOT NULL,
    route TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    error TEXT,
    PRIMARY KEY (message_id, route, attempt)
);
