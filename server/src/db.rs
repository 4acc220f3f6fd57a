//! Storage: the same small set of operations on SQLite (a file, the default) and on
//! PostgreSQL (a connection URL). The database is the server's only state, so several
//! servers can share one PostgreSQL database.
//!
//! Writers serialize on a database lock (`BEGIN IMMEDIATE` on SQLite, an advisory
//! transaction lock on PostgreSQL), so `seq` grows in commit order and a pull cursor never
//! skips a record that commits later with a smaller `seq`.

use std::marker::PhantomData;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(tokio_postgres::Error),
    /// The database's disk is full: nothing was stored; writes work again once there is room.
    #[error("the database's disk is full: {0}")]
    DiskFull(String),
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("{0}")]
    Other(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => DbError::DiskFull(e.to_string()),
            _ => DbError::Sqlite(e),
        }
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> DbError {
        match e.code() {
            Some(c) if *c == tokio_postgres::error::SqlState::DISK_FULL => {
                DbError::DiskFull(e.to_string())
            }
            _ => DbError::Postgres(e),
        }
    }
}

type Result<T> = std::result::Result<T, DbError>;

/// Key of the PostgreSQL advisory lock writers take (any constant shared by all servers).
const WRITE_LOCK: i64 = 0x4174_7465_7374;

/// SQLite connections per server: one writer at a time (the App's writer lock) plus
/// readers, which WAL lets run beside it.
const SQLITE_CONNECTIONS: usize = 4;
/// PostgreSQL connections per server: writers use one at a time, readers the rest.
const POSTGRES_CONNECTIONS: usize = 12;
/// How long a request waits for a connection (or for a new one to be made) before it
/// answers 503: a database restart costs a few seconds of 503s, never a hung request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_delivery.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_delivery.sql")),
];

/// A pool of connections. PostgreSQL connections that broke (the database restarted) are
/// dropped when they come back to the pool and new ones are made on demand, so the server
/// recovers by itself once the database answers again.
pub enum Db {
    Sqlite(deadpool::unmanaged::Pool<rusqlite::Connection>),
    Postgres(deadpool_postgres::Pool),
}

/// One pooled connection, for the length of one request's database work. A connection
/// dropped inside a transaction (the request was cancelled) never goes back to the pool
/// with that transaction open: SQLite rolls it back, a PostgreSQL connection is closed.
pub struct Conn<'a> {
    inner: Option<Inner>,
    in_transaction: bool,
    _pool: PhantomData<&'a Db>,
}

enum Inner {
    Sqlite(deadpool::unmanaged::Object<rusqlite::Connection>),
    Postgres(deadpool_postgres::Object),
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if !self.in_transaction {
            return;
        }
        match self.inner.take() {
            Some(Inner::Sqlite(c)) => {
                // SQLite may have rolled back already (a full disk does): then the
                // connection is clean and goes back to the pool, which never makes new ones.
                let _ = c.execute_batch("ROLLBACK");
                if !c.is_autocommit() {
                    drop(deadpool::unmanaged::Object::take(c));
                }
            }
            Some(Inner::Postgres(c)) => drop(deadpool_postgres::Object::take(c)),
            None => {}
        }
    }
}

fn open_sqlite_connection(path: &std::path::Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    // WAL + FULL: a commit is on disk (fsync of the WAL) before the push is acknowledged.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
    )?;
    Ok(conn)
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
        let pool = deadpool::unmanaged::Pool::from_config(&deadpool::unmanaged::PoolConfig {
            max_size: SQLITE_CONNECTIONS,
            timeout: Some(CONNECT_TIMEOUT),
            runtime: Some(deadpool::Runtime::Tokio1),
        });
        for _ in 0..SQLITE_CONNECTIONS {
            pool.add(open_sqlite_connection(path)?)
                .await
                .map_err(|(_, e)| DbError::Pool(e.to_string()))?;
        }
        let db = Db::Sqlite(pool);
        db.migrate().await?;
        Ok(db)
    }

    /// Connect to PostgreSQL (`postgres://user:password@host:port/database`, no TLS).
    pub async fn connect_postgres(url: &str) -> Result<Db> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(POSTGRES_CONNECTIONS)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| DbError::Pool(e.to_string()))?;
        let db = Db::Postgres(pool);
        db.migrate().await?;
        Ok(db)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A connection from the pool; fails (and the request answers 503) when the database
    /// cannot be reached within a few seconds.
    pub async fn lock(&self) -> Result<Conn<'static>> {
        let inner = match self {
            Db::Sqlite(p) => {
                Inner::Sqlite(p.get().await.map_err(|e| DbError::Pool(e.to_string()))?)
            }
            Db::Postgres(p) => {
                Inner::Postgres(p.get().await.map_err(|e| DbError::Pool(e.to_string()))?)
            }
        };
        Ok(Conn {
            inner: Some(inner),
            in_transaction: false,
            _pool: PhantomData,
        })
    }

    /// Apply the migrations not yet applied, each in its own write transaction.
    async fn migrate(&self) -> Result<()> {
        let mut conn = self.lock().await?;
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
    fn inner(&mut self) -> &mut Inner {
        // Only Drop takes the connection out.
        self.inner
            .as_mut()
            .expect("a connection is used after it was dropped")
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        match self.inner() {
            Inner::Sqlite(c) => c.execute_batch(sql)?,
            Inner::Postgres(c) => c.batch_execute(sql).await?,
        }
        Ok(())
    }

    async fn migration_applied(&mut self, version: i64) -> Result<bool> {
        Ok(match self.inner() {
            Inner::Sqlite(c) => {
                c.query_row(
                    "SELECT COUNT(*) FROM schema_migrations WHERE version = ?1",
                    [version],
                    |r| r.get::<_, i64>(0),
                )? > 0
            }
            Inner::Postgres(c) => {
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
        match self.inner() {
            Inner::Sqlite(c) => {
                c.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                    [version, now],
                )?;
            }
            Inner::Postgres(c) => {
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
        self.in_transaction = true;
        match self.inner() {
            Inner::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE")?,
            Inner::Postgres(c) => {
                c.batch_execute("BEGIN").await?;
                c.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT").await?;
        self.in_transaction = false;
        Ok(())
    }

    /// Mark where one request's writes begin inside a shared write transaction.
    pub async fn savepoint(&mut self) -> Result<()> {
        self.batch("SAVEPOINT request").await
    }

    /// Keep the writes since `savepoint`.
    pub async fn release_savepoint(&mut self) -> Result<()> {
        self.batch("RELEASE SAVEPOINT request").await
    }

    /// Undo the writes since `savepoint`; the transaction goes on.
    pub async fn rollback_to_savepoint(&mut self) -> Result<()> {
        self.batch("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request")
            .await
    }

    /// The connection, moved out (this one is left empty and does nothing when dropped).
    pub fn take(&mut self) -> Conn<'static> {
        let taken = Conn {
            inner: self.inner.take(),
            in_transaction: self.in_transaction,
            _pool: PhantomData,
        };
        self.in_transaction = false;
        taken
    }

    /// Roll back; a failure here leaves nothing to do but report the first error (the
    /// connection is then closed rather than reused, see Drop).
    pub async fn rollback(&mut self) {
        if self.batch("ROLLBACK").await.is_ok() {
            self.in_transaction = false;
        }
    }

    /// Up to `limit` records after `after`, in the server's order: (seq, id, JSON body).
    pub async fn records_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        match self.inner() {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, id, body FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt
                    .query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(rows)
            }
            Inner::Postgres(c) => {
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
        match self.inner() {
            Inner::Sqlite(c) => Ok(c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM records",
                [],
                |r| r.get(0),
            )?),
            Inner::Postgres(c) => Ok(c
                .query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM records", &[])
                .await?
                .get(0)),
        }
    }

    /// Append a record; returns its `seq`.
    pub async fn insert_record(&mut self, id: &str, body: &str, now: i64) -> Result<i64> {
        match self.inner() {
            Inner::Sqlite(c) => {
                c.prepare_cached(
                    "INSERT INTO records (id, body, received_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![id, body, now])?;
                Ok(c.last_insert_rowid())
            }
            Inner::Postgres(c) => Ok(c
                .query_one(
                    "INSERT INTO records (id, body, received_at) VALUES ($1, $2, $3) RETURNING seq",
                    &[&id, &body, &now],
                )
                .await?
                .get(0)),
        }
    }

    pub async fn insert_token(&mut self, hash: &str, row: &TokenRow, now: i64) -> Result<()> {
        match self.inner() {
            Inner::Sqlite(c) => {
                c.execute(
                    "INSERT INTO tokens (hash, kind, name, reviewer, instance, stage, created_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    rusqlite::params![
                        hash, row.kind, row.name, row.reviewer, row.instance, row.stage, now,
                        row.expires_at
                    ],
                )?;
            }
            Inner::Postgres(c) => {
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
        match self.inner() {
            Inner::Sqlite(c) => {
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
            Inner::Postgres(c) => {
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
        match self.inner() {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached("SELECT body FROM records WHERE id = ?1")?;
                let mut rows = stmt.query([id])?;
                Ok(match rows.next()? {
                    Some(r) => Some(r.get(0)?),
                    None => None,
                })
            }
            Inner::Postgres(c) => Ok(c
                .query_opt("SELECT body FROM records WHERE id = $1", &[&id])
                .await?
                .map(|r| r.get(0))),
        }
    }

    /// Delete every token of `kind` ("administrator" or "reviewer"); how many there were.
    pub async fn delete_tokens_of_kind(&mut self, kind: &str) -> Result<u64> {
        Ok(match self.inner() {
            Inner::Sqlite(c) => c.execute("DELETE FROM tokens WHERE kind = ?1", [kind])? as u64,
            Inner::Postgres(c) => {
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
        Ok(match self.inner() {
            Inner::Sqlite(c) => c.execute(
                "DELETE FROM tokens WHERE kind = 'reviewer' AND instance = ?1 AND stage = ?2 AND reviewer = ?3",
                rusqlite::params![instance, stage, reviewer],
            )? as u64,
            Inner::Postgres(c) => {
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
        Ok(match self.inner() {
            Inner::Sqlite(c) => {
                c.execute("DELETE FROM tokens WHERE expires_at <= ?1", [now])? as u64
            }
            Inner::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE expires_at <= $1", &[&now])
                    .await?
            }
        })
    }

    pub async fn delete_token(&mut self, hash: &str) -> Result<()> {
        match self.inner() {
            Inner::Sqlite(c) => {
                c.execute("DELETE FROM tokens WHERE hash = ?1", [hash])?;
            }
            Inner::Postgres(c) => {
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
