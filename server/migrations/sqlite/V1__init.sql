-- The event log in the server's order: `seq` is the pull cursor, `id` makes pushes idempotent.
CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
-- Admin sessions and reviewer links; only the SHA-256 of a token is kept.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT,
    reviewer TEXT,
    instance TEXT,
    stage BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
-- Messages owed to reviewers; `sent_at` and `recipient` record who was contacted.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    instance TEXT NOT NULL,
    stage BIGINT NOT NULL,
    reviewer TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    recipient TEXT,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
