//! Storage: the same small set of operations on SQLite (a file, the default) and on
//! PostgreSQL (a connection URL). The database is the server's only state, so several
//! servers can share one PostgreSQL database.
//!
//! Writers serialize on a database lock (`BEGIN IMMEDIATE` on SQLite, an advisory
//! transaction lock on PostgreSQL), so `seq` grows in commit order and a pull cursor never
//! skips a record that commits later with a smaller `seq`.

mod migrate;
mod outbox;
pub use outbox::{WebhookAttempt, WebhookRow};
mod records;
mod tokens;

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

/// A pool of connections. PostgreSQL connections that broke (the database restarted) are
/// dropped when they come back to the pool and new ones are made on demand, so the server
/// recovers by itself once the database answers again.
pub struct Db {
    pool: Pool,
    fault: std::sync::Mutex<Option<Fault>>,
}

enum Pool {
    Sqlite(deadpool::unmanaged::Pool<rusqlite::Connection>),
    Postgres(deadpool_postgres::Pool),
}

/// A storage fault switched on from Rust (`Db::inject`), never over HTTP: the refusal
/// table provokes the answers to a stopped database (503) and a full disk (507) with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No connection can be had, as when the database is down.
    Unreachable,
    /// The disk fills up after this many more writes (records or tokens).
    DiskFullAfter(u32),
}

/// One pooled connection, for the length of one request's database work. A connection
/// dropped inside a transaction (the request was cancelled) never goes back to the pool
/// with that transaction open: SQLite rolls it back, a PostgreSQL connection is closed.
pub struct Conn<'a> {
    inner: Option<Inner>,
    in_transaction: bool,
    /// Writes this connection may still make before an injected full disk (`Fault`).
    writes_left: Option<u32>,
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
    fn new(pool: Pool) -> Db {
        Db {
            pool,
            fault: std::sync::Mutex::new(None),
        }
    }

    /// Switch an injected storage fault on (or off with None). For tests: nothing reachable
    /// over HTTP calls it.
    pub fn inject(&self, fault: Option<Fault>) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = fault;
    }
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
        let db = Db::new(Pool::Sqlite(pool));
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
        let db = Db::new(Pool::Postgres(pool));
        db.migrate().await?;
        Ok(db)
    }

    pub fn kind(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// A connection from the pool; fails (and the request answers 503) when the database
    /// cannot be reached within a few seconds.
    pub async fn lock(&self) -> Result<Conn<'static>> {
        let fault = *self.fault.lock().unwrap_or_else(|e| e.into_inner());
        if fault == Some(Fault::Unreachable) {
            return Err(DbError::Pool(
                "the database cannot be reached (injected fault)".into(),
            ));
        }
        let inner = match &self.pool {
            Pool::Sqlite(p) => {
                Inner::Sqlite(p.get().await.map_err(|e| DbError::Pool(e.to_string()))?)
            }
            Pool::Postgres(p) => {
                Inner::Postgres(p.get().await.map_err(|e| DbError::Pool(e.to_string()))?)
            }
        };
        Ok(Conn {
            inner: Some(inner),
            in_transaction: false,
            writes_left: match fault {
                Some(Fault::DiskFullAfter(n)) => Some(n),
                _ => None,
            },
            _pool: PhantomData,
        })
    }

    /// Bring the schema up to date (see migrate.rs).
    async fn migrate(&self) -> Result<()> {
        migrate::migrate(&mut self.lock().await?).await
    }
}

impl Conn<'_> {
    /// Count one write against an injected full disk (`Fault::DiskFullAfter`).
    fn write(&mut self) -> Result<()> {
        match &mut self.writes_left {
            Some(0) => Err(DbError::DiskFull(
                "database or disk is full (injected fault)".into(),
            )),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }

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
        match self.inner() {
            // SQLite's commit waits for its fsync in this thread: let the runtime move its
            // other tasks to another worker meanwhile (a multi-thread runtime only).
            Inner::Sqlite(c) => match tokio::runtime::Handle::current().runtime_flavor() {
                tokio::runtime::RuntimeFlavor::MultiThread => {
                    tokio::task::block_in_place(|| c.execute_batch("COMMIT"))?
                }
                _ => c.execute_batch("COMMIT")?,
            },
            Inner::Postgres(c) => c.batch_execute("COMMIT").await?,
        }
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
            writes_left: self.writes_left,
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
}
