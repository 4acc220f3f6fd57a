//! The notification outbox: queue, list, claim for sending and settle messages.

use super::{Conn, Inner, OutboxRow, Result};

impl Conn<'_> {
    /// Queue a message unless the same one (same id) is already queued.
    pub async fn queue_message(
        &mut self,
        id: &str,
        kind: &str,
        instance: &str,
        stage: i64,
        reviewer: &str,
        now: i64,
    ) -> Result<()> {
        match self.inner() {
            Inner::Sqlite(c) => {
                c.prepare_cached(
                    "INSERT INTO outbox (id, kind, instance, stage, reviewer, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
                )?
                .execute(rusqlite::params![id, kind, instance, stage, reviewer, now])?;
            }
            Inner::Postgres(c) => {
                c.execute(
                    "INSERT INTO outbox (id, kind, instance, stage, reviewer, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                    &[&id, &kind, &instance, &stage, &reviewer, &now],
                )
                .await?;
            }
        }
        Ok(())
    }

    /// All messages, oldest first (for the administrator), or only those due for sending.
    pub async fn outbox(&mut self, due_at: Option<i64>) -> Result<Vec<OutboxRow>> {
        const COLS: &str = "id, kind, instance, stage, reviewer, created_at, recipient, sent_at, attempts, last_error";
        match self.inner() {
            Inner::Sqlite(c) => {
                let sql = match due_at {
                    None => format!("SELECT {COLS} FROM outbox ORDER BY created_at, id"),
                    Some(_) => format!(
                        "SELECT {COLS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ?1 ORDER BY created_at, id LIMIT 100"
                    ),
                };
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = match due_at {
                    None => stmt
                        .query_map([], sqlite_outbox_row)?
                        .collect::<std::result::Result<Vec<_>, _>>()?,
                    Some(t) => stmt
                        .query_map([t], sqlite_outbox_row)?
                        .collect::<std::result::Result<Vec<_>, _>>()?,
                };
                Ok(rows)
            }
            Inner::Postgres(c) => {
                let rows = match due_at {
                    None => {
                        c.query(&format!("SELECT {COLS} FROM outbox ORDER BY created_at, id"), &[])
                            .await?
                    }
                    Some(t) => {
                        c.query(
                            &format!("SELECT {COLS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY created_at, id LIMIT 100"),
                            &[&t],
                        )
                        .await?
                    }
                };
                Ok(rows.iter().map(outbox_row).collect())
            }
        }
    }

    /// One message by its id.
    pub async fn outbox_message(&mut self, id: &str) -> Result<Option<OutboxRow>> {
        const COLS: &str = "id, kind, instance, stage, reviewer, created_at, recipient, sent_at, attempts, last_error";
        match self.inner() {
            Inner::Sqlite(c) => {
                let mut stmt =
                    c.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE id = ?1"))?;
                let mut rows = stmt.query_map([id], sqlite_outbox_row)?;
                Ok(rows.next().transpose()?)
            }
            Inner::Postgres(c) => Ok(c
                .query_opt(&format!("SELECT {COLS} FROM outbox WHERE id = $1"), &[&id])
                .await?
                .as_ref()
                .map(outbox_row)),
        }
    }

    /// Claim up to `limit` messages due at `now` for `claimant` until `until`: each due
    /// message is handed to one server only, even with several sending from one database
    /// (PostgreSQL skips rows another server is claiming). A claim that is never settled
    /// (the server died) lapses at `until` and the message is due again.
    pub async fn claim_messages(
        &mut self,
        claimant: &str,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        const COLS: &str = "id, kind, instance, stage, reviewer, created_at, recipient, sent_at, attempts, last_error";
        let mut rows = match self.inner() {
            Inner::Sqlite(c) => {
                // One statement takes SQLite's write lock, so claims never overlap.
                let mut stmt = c.prepare_cached(&format!(
                    "UPDATE outbox SET claimed_by = ?1, next_attempt_at = ?3 WHERE id IN \
                     (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ?2 \
                     ORDER BY created_at, id LIMIT ?4) RETURNING {COLS}"
                ))?;
                let rows = stmt
                    .query_map(
                        rusqlite::params![claimant, now, until, limit],
                        sqlite_outbox_row,
                    )?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                rows
            }
            Inner::Postgres(c) => c
                .query(
                    &format!(
                        "UPDATE outbox SET claimed_by = $1, next_attempt_at = $3 WHERE id IN \
                         (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2 \
                         ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {COLS}"
                    ),
                    &[&claimant, &now, &until, &limit],
                )
                .await?
                .iter()
                .map(outbox_row)
                .collect(),
        };
        rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(rows)
    }

    /// Settle a claimed message: sent to `recipient` at `sent_at`, or failed with `error`
    /// and due again at `next_attempt_at` (i64::MAX: never). Only the claimant settles it.
    pub async fn mark_message(
        &mut self,
        id: &str,
        claimant: &str,
        recipient: Option<&str>,
        sent_at: Option<i64>,
        error: Option<&str>,
        next_attempt_at: i64,
    ) -> Result<()> {
        match self.inner() {
            Inner::Sqlite(c) => {
                c.execute(
                    "UPDATE outbox SET recipient = ?3, sent_at = ?4, last_error = ?5, \
                     next_attempt_at = ?6, attempts = attempts + 1, claimed_by = NULL \
                     WHERE id = ?1 AND claimed_by = ?2",
                    rusqlite::params![id, claimant, recipient, sent_at, error, next_attempt_at],
                )?;
            }
            Inner::Postgres(c) => {
                c.execute(
                    "UPDATE outbox SET recipient = $3, sent_at = $4, last_error = $5, \
                     next_attempt_at = $6, attempts = attempts + 1, claimed_by = NULL \
                     WHERE id = $1 AND claimed_by = $2",
                    &[
                        &id,
                        &claimant,
                        &recipient,
                        &sent_at,
                        &error,
                        &next_attempt_at,
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Give claimed messages back unsent and unattempted (their mail could not be prepared).
    pub async fn release_messages(
        &mut self,
        ids: &[String],
        claimant: &str,
        now: i64,
    ) -> Result<()> {
        for id in ids {
            match self.inner() {
                Inner::Sqlite(c) => {
                    c.execute(
                        "UPDATE outbox SET claimed_by = NULL, next_attempt_at = ?3 WHERE id = ?1 AND claimed_by = ?2",
                        rusqlite::params![id, claimant, now],
                    )?;
                }
                Inner::Postgres(c) => {
                    c.execute(
                        "UPDATE outbox SET claimed_by = NULL, next_attempt_at = $3 WHERE id = $1 AND claimed_by = $2",
                        &[&id, &claimant, &now],
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// An outbox row as SQLite returns it (columns in `COLS` order).
fn sqlite_outbox_row(r: &rusqlite::Row) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        instance: r.get(2)?,
        stage: r.get(3)?,
        reviewer: r.get(4)?,
        created_at: r.get(5)?,
        recipient: r.get(6)?,
        sent_at: r.get(7)?,
        attempts: r.get(8)?,
        last_error: r.get(9)?,
    })
}

/// An outbox row as PostgreSQL returns it (columns in `COLS` order).
fn outbox_row(r: &tokio_postgres::Row) -> OutboxRow {
    OutboxRow {
        id: r.get(0),
        kind: r.get(1),
        instance: r.get(2),
        stage: r.get(3),
        reviewer: r.get(4),
        created_at: r.get(5),
        recipient: r.get(6),
        sent_at: r.get(7),
        attempts: r.get(8),
        last_error: r.get(9),
    }
}

/// One message's delivery to one webhook route, with every attempt (for the outbox and the
/// evidence: sent, failed with the reason, retried).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRow {
    pub message_id: String,
    pub route: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    /// "sent", "failed" (waiting for its retry) or "pending".
    pub status: &'static str,
    /// Each attempt in order: when, and the error (None: accepted).
    pub history: Vec<WebhookAttempt>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAttempt {
    pub attempt: i64,
    pub at: i64,
    pub error: Option<String>,
}

const WEBHOOK_COLS: &str =
    "message_id, route, created_at, sent_at, attempts, next_attempt_at, last_error";

fn webhook_row(
    message_id: String,
    route: String,
    created_at: i64,
    sent_at: Option<i64>,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
) -> WebhookRow {
    let status = if sent_at.is_some() {
        "sent"
    } else if last_error.is_some() {
        "failed"
    } else {
        "pending"
    };
    WebhookRow {
        message_id,
        route,
        created_at,
        sent_at,
        attempts,
        next_attempt_at,
        last_error,
        status,
        history: Vec::new(),
    }
}

fn sqlite_webhook_row(r: &rusqlite::Row) -> rusqlite::Result<WebhookRow> {
    Ok(webhook_row(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn pg_webhook_row(r: &tokio_postgres::Row) -> WebhookRow {
    webhook_row(
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
    )
}

impl Conn<'_> {
    /// Give `route` a delivery for every outbox message it has none for, from the first
    /// message it ever had (or from `since`, for a route seen for the first time: a new route
    /// does not replay the past into a channel).
    pub async fn queue_webhooks(&mut self, route: &str, since: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO webhook_delivery (message_id, route, created_at) \
             SELECT o.id, $1, o.created_at FROM outbox o WHERE o.created_at >= \
             COALESCE((SELECT MIN(created_at) FROM webhook_delivery WHERE route = $1), $2) \
             ON CONFLICT (message_id, route) DO NOTHING";
        match self.inner() {
            Inner::Sqlite(c) => {
                c.prepare_cached(&SQL.replace('$', "?"))?
                    .execute(rusqlite::params![route, since])?;
            }
            Inner::Postgres(c) => {
                c.execute(SQL, &[&route, &since]).await?;
            }
        }
        Ok(())
    }

    /// Claim up to `limit` webhook deliveries due at `now` for `claimant` until `until` (as
    /// `claim_messages`: one server per delivery, a lapsed claim is due again).
    pub async fn claim_webhooks(
        &mut self,
        claimant: &str,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<WebhookRow>> {
        let mut rows = match self.inner() {
            Inner::Sqlite(c) => c
                .prepare_cached(&format!(
                    "UPDATE webhook_delivery SET claimed_by = ?1, next_attempt_at = ?3 \
                     WHERE (message_id, route) IN (SELECT message_id, route FROM webhook_delivery \
                     WHERE sent_at IS NULL AND next_attempt_at <= ?2 \
                     ORDER BY created_at, message_id, route LIMIT ?4) RETURNING {WEBHOOK_COLS}"
                ))?
                .query_map(
                    rusqlite::params![claimant, now, until, limit],
                    sqlite_webhook_row,
                )?
                .collect::<std::result::Result<Vec<_>, _>>()?,
            Inner::Postgres(c) => c
                .query(
                    &format!(
                        "UPDATE webhook_delivery SET claimed_by = $1, next_attempt_at = $3 \
                         WHERE (message_id, route) IN (SELECT message_id, route FROM webhook_delivery \
                         WHERE sent_at IS NULL AND next_attempt_at <= $2 \
                         ORDER BY created_at, message_id, route LIMIT $4 FOR UPDATE SKIP LOCKED) \
                         RETURNING {WEBHOOK_COLS}"
                    ),
                    &[&claimant, &now, &until, &limit],
                )
                .await?
                .iter()
                .map(pg_webhook_row)
                .collect(),
        };
        rows.sort_by(|a, b| {
            (a.created_at, &a.message_id, &a.route).cmp(&(b.created_at, &b.message_id, &b.route))
        });
        Ok(rows)
    }

    /// Settle a claimed delivery after one attempt at `at`: sent (`error` None) or failed
    /// and due again at `next_attempt_at` (i64::MAX: never). The attempt joins its history.
    pub async fn mark_webhook(
        &mut self,
        message_id: &str,
        route: &str,
        claimant: &str,
        at: i64,
        error: Option<&str>,
        next_attempt_at: i64,
    ) -> Result<()> {
        let sent_at = error.is_none().then_some(at);
        match self.inner() {
            Inner::Sqlite(c) => {
                let changed = c.execute(
                    "UPDATE webhook_delivery SET sent_at = ?4, last_error = COALESCE(?5, last_error), \
                     next_attempt_at = ?6, attempts = attempts + 1, claimed_by = NULL \
                     WHERE message_id = ?1 AND route = ?2 AND claimed_by = ?3",
                    rusqlite::params![message_id, route, claimant, sent_at, error, next_attempt_at],
                )?;
                if changed == 1 {
                    c.execute(
                        "INSERT INTO webhook_attempt (message_id, route, attempt, at, error) \
                         SELECT message_id, route, attempts, ?3, ?4 FROM webhook_delivery \
                         WHERE message_id = ?1 AND route = ?2",
                        rusqlite::params![message_id, route, at, error],
                    )?;
                }
            }
            Inner::Postgres(c) => {
                let changed = c
                    .execute(
                        "UPDATE webhook_delivery SET sent_at = $4, last_error = COALESCE($5, last_error), \
                         next_attempt_at = $6, attempts = attempts + 1, claimed_by = NULL \
                         WHERE message_id = $1 AND route = $2 AND claimed_by = $3",
                        &[&message_id, &route, &claimant, &sent_at, &error, &next_attempt_at],
                    )
                    .await?;
                if changed == 1 {
                    c.execute(
                        "INSERT INTO webhook_attempt (message_id, route, attempt, at, error) \
                         SELECT message_id, route, attempts, $3, $4 FROM webhook_delivery \
                         WHERE message_id = $1 AND route = $2",
                        &[&message_id, &route, &at, &error],
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Every webhook delivery with its attempts, oldest first.
    pub async fn webhook_deliveries(&mut self) -> Result<Vec<WebhookRow>> {
        let order = "ORDER BY created_at, message_id, route";
        let attempts_sql =
            "SELECT message_id, route, attempt, at, error FROM webhook_attempt ORDER BY message_id, route, attempt";
        let (mut rows, attempts): (Vec<WebhookRow>, Vec<(String, String, WebhookAttempt)>) =
            match self.inner() {
                Inner::Sqlite(c) => {
                    let rows = c
                        .prepare_cached(&format!(
                            "SELECT {WEBHOOK_COLS} FROM webhook_delivery {order}"
                        ))?
                        .query_map([], sqlite_webhook_row)?
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    let attempts = c
                        .prepare_cached(attempts_sql)?
                        .query_map([], |r| {
                            Ok((
                                r.get(0)?,
                                r.get(1)?,
                                WebhookAttempt {
                                    attempt: r.get(2)?,
                                    at: r.get(3)?,
                                    error: r.get(4)?,
                                },
                            ))
                        })?
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    (rows, attempts)
                }
                Inner::Postgres(c) => {
                    let rows = c
                        .query(
                            &format!("SELECT {WEBHOOK_COLS} FROM webhook_delivery {order}"),
                            &[],
                        )
                        .await?
                        .iter()
                        .map(pg_webhook_row)
                        .collect();
                    let attempts = c
                        .query(attempts_sql, &[])
                        .await?
                        .iter()
                        .map(|r| {
                            (
                                r.get(0),
                                r.get(1),
                                WebhookAttempt {
                                    attempt: r.get(2),
                                    at: r.get(3),
                                    error: r.get(4),
                                },
                            )
                        })
                        .collect();
                    (rows, attempts)
                }
            };
        for (message, route, attempt) in attempts {
            if let Some(row) = rows
                .iter_mut()
                .find(|r| r.message_id == message && r.route == route)
            {
                row.history.push(attempt);
            }
        }
        Ok(rows)
    }
}
