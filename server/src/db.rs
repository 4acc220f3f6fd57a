//! Storage: the same small set of operations on SQLite (a file, the default) and on
//! PostgreSQL (a connection URL). The database is the server's only state, so several
//! servers can share one PostgreSQL database.
//!
//! Writers serialize on a database lock (`BEGIN IMMEDIATE` on SQLite, an advisory
//! transaction lock on PostgreSQL), so `seq` grows in commit order and a pull cursor never
//! skips a record that commits later with a smaller `seq`.

use tokio::sync::{Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("{0}")]
    Other(String),
}

type Result<T> = std::result::Result<T, DbError>;

/// Key of the PostgreSQL advisory lock writers take (any constant shared by all servers).
const WRITE_LOCK: i64 = 0x4174_7465_7374;

const SQLITE_MIGRATIONS: &[(i64, &str)] =
    &[(1, include_str!("../migrations/sqlite/0001_init.sql"))];
const POSTGRES_MIGRATIONS: &[(i64, &str)] =
    &[(1, include_str!("../migrations/postgres/0001_init.sql"))];

pub enum Db {
    Sqlite(Mutex<rusqlite::Connection>),
    Postgres(Mutex<tokio_postgres::Client>),
}

/// One locked connection. Hold it only for the length of one request's database work.
pub enum Conn<'a> {
    Sqlite(MutexGuard<'a, rusqlite::Connection>),
    Postgres(MutexGuard<'a, tokio_postgres::Client>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TokenRow {
    pub kind: String,
    pub name: Option<String>,
    pub reviewer: Option<String>,
    pub instance: Option<String>,
    pub stage: Option<i64>,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub instance: String,
    pub stage: i64,
    pub reviewer: String,
    pub created_at: i64,
    pub recipient: Option<String>,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl Db {
    /// Open (creating if needed) a SQLite file and bring its schema up to date.
    pub async fn open_sqlite(path: &std::path::Path) -> Result<Db> {
        let conn = rusqlite::Connection::open(path)?;
        // WAL + NORMAL: durable at each checkpoint, and commits do not wait on fsync each time.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        )?;
        let db = Db::Sqlite(Mutex::new(conn));
        db.migrate().await?;
        Ok(db)
    }

    /// Connect to PostgreSQL (`postgres://user:password@host:port/database`, no TLS).
    pub async fn connect_postgres(url: &str) -> Result<Db> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("attest-server: PostgreSQL connection closed: {e}");
            }
        });
        let db = Db::Postgres(Mutex::new(client));
        db.migrate().await?;
        Ok(db)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn lock(&self) -> Conn<'_> {
        match self {
            Db::Sqlite(m) => Conn::Sqlite(m.lock().await),
            Db::Postgres(m) => Conn::Postgres(m.lock().await),
        }
    }

    /// Apply the migrations not yet applied, each in its own write transaction.
    async fn migrate(&self) -> Result<()> {
        let mut conn = self.lock().await;
        conn.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let list = match self {
            Db::Sqlite(_) => SQLITE_MIGRATIONS,
            Db::Postgres(_) => POSTGRES_MIGRATIONS,
        };
        for &(version, sql) in list {
            conn.begin_write().await?;
            let done = conn.migration_applied(version).await;
            let result = match done {
                Ok(true) => Ok(()),
                Ok(false) => match conn.batch(sql).await {
                    Ok(()) => conn.mark_migration(version).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => conn.commit().await?,
                Err(e) => {
                    conn.rollback().await;
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

impl Conn<'_> {
    async fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql)?,
            Conn::Postgres(c) => c.batch_execute(sql).await?,
        }
        Ok(())
    }

    async fn migration_applied(&mut self, version: i64) -> Result<bool> {
        Ok(match self {
            Conn::Sqlite(c) => {
                c.query_row(
                    "SELECT COUNT(*) FROM schema_migrations WHERE version = ?1",
                    [version],
                    |r| r.get::<_, i64>(0),
                )? > 0
            }
            Conn::Postgres(c) => {
                let row = c
                    .query_one(
                        "SELECT COUNT(*) FROM schema_migrations WHERE version = $1",
                        &[&version],
                    )
                    .await?;
                row.get::<_, i64>(0) > 0
            }
        })
    }

    async fn mark_migration(&mut self, version: i64) -> Result<()> {
        let now = crate::clock::millis_now();
        match self {
            Conn::Sqlite(c) => {
                c.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                    [version, now],
                )?;
            }
            Conn::Postgres(c) => {
                c.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[&version, &now],
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Start a transaction that holds the writers' lock until commit or rollback.
    pub async fn begin_write(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE")?,
            Conn::Postgres(c) => {
                c.batch_execute("BEGIN").await?;
                if let Err(e) = c
                    .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                    .await
                {
                    let _ = c.batch_execute("ROLLBACK").await;
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    pub async fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT").await
    }

    /// Roll back; a failure here leaves nothing to do but report the first error.
    pub async fn rollback(&mut self) {
        let _ = self.batch("ROLLBACK").await;
    }

    /// Up to `limit` records after `after`, in the server's order: (seq, id, JSON body).
    pub async fn records_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, id, body FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt
                    .query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(rows)
            }
            Conn::Postgres(c) => {
                let rows = c
                    .query(
                        "SELECT seq, id, body FROM records WHERE seq > $1 ORDER BY seq LIMIT $2",
                        &[&after, &limit],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect())
            }
        }
    }

    /// The last `seq` (0 for an empty log).
    pub async fn last_seq(&mut self) -> Result<i64> {
        match self {
            Conn::Sqlite(c) => Ok(c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM records",
                [],
                |r| r.get(0),
            )?),
            Conn::Postgres(c) => Ok(c
                .query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM records", &[])
                .await?
                .get(0)),
        }
    }

    /// Append a record; returns its `seq`.
    pub async fn insert_record(&mut self, id: &str, body: &str, now: i64) -> Result<i64> {
        match self {
            Conn::Sqlite(c) => {
                c.prepare_cached(
                    "INSERT INTO records (id, body, received_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![id, body, now])?;
                Ok(c.last_insert_rowid())
            }
            Conn::Postgres(c) => Ok(c
                .query_one(
                    "INSERT INTO records (id, body, received_at) VALUES ($1, $2, $3) RETURNING seq",
                    &[&id, &body, &now],
                )
                .await?
                .get(0)),
        }
    }

    pub async fn insert_token(&mut self, hash: &str, row: &TokenRow, now: i64) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                c.execute(
                    "INSERT INTO tokens (hash, kind, name, reviewer, instance, stage, created_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    rusqlite::params![
                        hash, row.kind, row.name, row.reviewer, row.instance, row.stage, now,
                        row.expires_at
                    ],
                )?;
            }
            Conn::Postgres(c) => {
                c.execute(
                    "INSERT INTO tokens (hash, kind, name, reviewer, instance, stage, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &hash, &row.kind, &row.name, &row.reviewer, &row.instance, &row.stage,
                        &now, &row.expires_at,
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }

    pub async fn token(&mut self, hash: &str) -> Result<Option<TokenRow>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(
                    "SELECT kind, name, reviewer, instance, stage, expires_at FROM tokens WHERE hash = ?1",
                )?;
                let mut rows = stmt.query([hash])?;
                match rows.next()? {
                    None => Ok(None),
                    Some(r) => Ok(Some(TokenRow {
                        kind: r.get(0)?,
                        name: r.get(1)?,
                        reviewer: r.get(2)?,
                        instance: r.get(3)?,
                        stage: r.get(4)?,
                        expires_at: r.get(5)?,
                    })),
                }
            }
            Conn::Postgres(c) => {
                let row = c
                    .query_opt(
                        "SELECT kind, name, reviewer, instance, stage, expires_at FROM tokens WHERE hash = $1",
                        &[&hash],
                    )
                    .await?;
                Ok(row.map(|r| TokenRow {
                    kind: r.get(0),
                    name: r.get(1),
                    reviewer: r.get(2),
                    instance: r.get(3),
                    stage: r.get(4),
                    expires_at: r.get(5),
                }))
            }
        }
    }

    /// The stored body of the record `id`, if any (to tell a re-send from a conflict).
    pub async fn record_body(&mut self, id: &str) -> Result<Option<String>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached("SELECT body FROM records WHERE id = ?1")?;
                let mut rows = stmt.query([id])?;
                Ok(match rows.next()? {
                    Some(r) => Some(r.get(0)?),
                    None => None,
                })
            }
            Conn::Postgres(c) => Ok(c
                .query_opt("SELECT body FROM records WHERE id = $1", &[&id])
                .await?
                .map(|r| r.get(0))),
        }
    }

    /// Delete every token of `kind` ("administrator" or "reviewer"); how many there were.
    pub async fn delete_tokens_of_kind(&mut self, kind: &str) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c) => c.execute("DELETE FROM tokens WHERE kind = ?1", [kind])? as u64,
            Conn::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE kind = $1", &[&kind])
                    .await?
            }
        })
    }

    /// Delete the reviewer links of one reviewer in one stage of one instance.
    pub async fn delete_links(
        &mut self,
        instance: &str,
        stage: i64,
        reviewer: &str,
    ) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c) => c.execute(
                "DELETE FROM tokens WHERE kind = 'reviewer' AND instance = ?1 AND stage = ?2 AND reviewer = ?3",
                rusqlite::params![instance, stage, reviewer],
            )? as u64,
            Conn::Postgres(c) => {
                c.execute(
                    "DELETE FROM tokens WHERE kind = 'reviewer' AND instance = $1 AND stage = $2 AND reviewer = $3",
                    &[&instance, &stage, &reviewer],
                )
                .await?
            }
        })
    }

    /// Delete the tokens that expired before `now` (milliseconds); how many there were.
    pub async fn purge_expired_tokens(&mut self, now: i64) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c) => {
                c.execute("DELETE FROM tokens WHERE expires_at <= ?1", [now])? as u64
            }
            Conn::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE expires_at <= $1", &[&now])
                    .await?
            }
        })
    }

    pub async fn delete_token(&mut self, hash: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                c.execute("DELETE FROM tokens WHERE hash = ?1", [hash])?;
            }
            Conn::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE hash = $1", &[&hash])
                    .await?;
            }
        }
        Ok(())
    }

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
        match self {
            Conn::Sqlite(c) => {
                c.prepare_cached(
                    "INSERT INTO outbox (id, kind, instance, stage, reviewer, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
                )?
                .execute(rusqlite::params![id, kind, instance, stage, reviewer, now])?;
            }
            Conn::Postgres(c) => {
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
        match self {
            Conn::Sqlite(c) => {
                let sql = match due_at {
                    None => format!("SELECT {COLS} FROM outbox ORDER BY created_at, id"),
                    Some(_) => format!(
                        "SELECT {COLS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ?1 ORDER BY created_at, id LIMIT 100"
                    ),
                };
                let mut stmt = c.prepare_cached(&sql)?;
                let map = |r: &rusqlite::Row| {
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
                };
                let rows = match due_at {
                    None => stmt
                        .query_map([], map)?
                        .collect::<std::result::Result<Vec<_>, _>>()?,
                    Some(t) => stmt
                        .query_map([t], map)?
                        .collect::<std::result::Result<Vec<_>, _>>()?,
                };
                Ok(rows)
            }
            Conn::Postgres(c) => {
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
                Ok(rows
                    .iter()
                    .map(|r| OutboxRow {
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
                    })
                    .collect())
            }
        }
    }

    /// Record a delivery: sent to `recipient` at `sent_at`, or failed with `error` and to
    /// be retried at `next_attempt_at` (None: give up).
    pub async fn mark_message(
        &mut self,
        id: &str,
        recipient: Option<&str>,
        sent_at: Option<i64>,
        error: Option<&str>,
        next_attempt_at: i64,
    ) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                c.execute(
                    "UPDATE outbox SET recipient = ?2, sent_at = ?3, last_error = ?4, \
                     next_attempt_at = ?5, attempts = attempts + 1 WHERE id = ?1",
                    rusqlite::params![id, recipient, sent_at, error, next_attempt_at],
                )?;
            }
            Conn::Postgres(c) => {
                c.execute(
                    "UPDATE outbox SET recipient = $2, sent_at = $3, last_error = $4, \
                     next_attempt_at = $5, attempts = attempts + 1 WHERE id = $1",
                    &[&id, &recipient, &sent_at, &error, &next_attempt_at],
                )
                .await?;
            }
        }
        Ok(())
    }
}
