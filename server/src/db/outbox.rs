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
