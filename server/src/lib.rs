//! Attest's optional sync server: one shared event log for many browsers.
//!
//! Every pushed record is decided again by the engine (`replay_check`) as its actor against
//! the server's state before it is stored, so the server accepts exactly what the browser's
//! engine would. The database (SQLite file or PostgreSQL) is the only state; the server
//! keeps the time (`AdvanceTime` as `Actor::System`), authenticates administrators with a
//! secret and reviewers with per-link tokens, and delivers the notification outbox by SMTP.

pub mod api;
pub mod clock;
pub mod db;
pub mod delivery;
pub mod evidence;
pub mod log;
pub mod reviewer;
pub mod serve;
pub mod smtp;
pub mod static_files;
pub mod throttle;
pub mod token;
pub mod webhook;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use tokio::sync::{Mutex, Notify, RwLock};

pub use clock::Clock;
use db::{Db, DbError};
use log::{Cache, ReadSession, Session};

#[derive(Clone, Debug)]
pub enum Storage {
    /// A SQLite file, created on first start.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// host:port of the relay.
    pub relay: String,
    pub from: String,
    pub security: smtp::Security,
    /// User name and password for AUTH, if the relay wants them.
    pub credentials: Option<(String, String)>,
    /// A CA certificate (PEM) to trust for the relay besides the usual public roots.
    pub ca_pem: Option<String>,
}

impl SmtpConfig {
    /// A relay taking mail without TLS or AUTH (on this machine or a private network).
    pub fn plain(relay: impl Into<String>, from: impl Into<String>) -> SmtpConfig {
        SmtpConfig {
            relay: relay.into(),
            from: from.into(),
            security: smtp::Security::None,
            credentials: None,
            ca_pem: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub storage: Storage,
    /// The administrators' sign-in secret.
    pub admin_secret: String,
    pub listen: SocketAddr,
    /// The built app to serve (dist/ of scripts/build-dist.sh), if any.
    pub dist: Option<PathBuf>,
    /// Where the app is reached, for the links in notifications; defaults to the listen address.
    pub public_url: Option<String>,
    pub session_ttl: Duration,
    pub max_body_bytes: usize,
    pub smtp: Option<SmtpConfig>,
    /// How often the outbox is checked for messages to send.
    pub delivery_interval: std::time::Duration,
    /// A client must send its request head within this time, and its body within
    /// `body_timeout` (408). Handlers themselves are not timed out: dropping one inside its
    /// write transaction would leave the transaction open.
    pub header_read_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
    /// Open connections at most; more clients wait to be accepted.
    pub max_connections: usize,
    /// Requests being handled at once at most; more wait their turn.
    pub max_in_flight: usize,
    /// Wrong administrator secrets one client address may send per `sign_in_window`.
    pub sign_in_failures: u32,
    pub sign_in_window: Duration,
    /// The evidence signing key file (`evidence.rs`); without one, packs are signed in browsers.
    pub evidence_key: Option<PathBuf>,
    /// Webhook routes (Teams, Slack) every outbox message is also posted to (`webhook`).
    pub webhooks: Vec<webhook::WebhookRoute>,
}

impl Config {
    pub fn new(storage: Storage, admin_secret: impl Into<String>) -> Config {
        Config {
            storage,
            admin_secret: admin_secret.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            dist: None,
            public_url: None,
            session_ttl: Duration::hours(12),
            max_body_bytes: 16 * 1024 * 1024,
            smtp: None,
            delivery_interval: std::time::Duration::from_secs(2),
            header_read_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(60),
            max_connections: 1024,
            max_in_flight: 256,
            sign_in_failures: 5,
            sign_in_window: Duration::minutes(1),
            evidence_key: None,
            webhooks: Vec::new(),
        }
    }
}

/// What every request shares.
pub struct App {
    pub config: Config,
    pub db: Db,
    /// The state folded from the log. Writers hold it for writing for their transaction;
    /// readers share it.
    pub cache: Arc<RwLock<Cache>>,
    /// One writer at a time per server, so waiting writers hold no pooled connection and
    /// readers always find one; it also holds the transaction a group of writers shares
    /// (see `log::Group`).
    pub group: Mutex<log::Group>,
    /// Writers waiting for `group`: a finishing writer leaves the transaction open for them.
    pub writers_waiting: std::sync::atomic::AtomicUsize,
    pub clock: Clock,
    pub public_url: String,
    /// This server's name in the outbox's claims (random, new at each start).
    pub id: String,
    /// Wakes the delivery loop when new messages may be queued.
    pub outbox_changed: Notify,
    /// Failed sign-ins per client address.
    pub sign_ins: throttle::Throttle,
}

impl App {
    /// Open a write transaction holding the database's writers' lock, catch up with the
    /// log under that lock and let the clock run: every decision made in the session is
    /// made against the latest committed state, whichever server wrote it.
    pub async fn session(&self) -> Result<Session<'_>, DbError> {
        let group = {
            let _waiting = Waiting::new(&self.writers_waiting);
            self.group.lock().await
        };
        let mut group = group;
        let now = self.clock.now();
        let (conn, cache) = match group.open.take() {
            // The transaction of the writer before, still open: this request joins its group.
            Some(open) => open,
            None => {
                let mut conn = self.db.lock().await?;
                conn.begin_write().await?;
                (conn, self.cache.clone().write_owned().await)
            }
        };
        let mut session = Session {
            cache: log::CacheGuard(Some(cache)),
            conn,
            now,
            group: Some(group),
            app: self,
        };
        let ready = async {
            session.conn.savepoint().await?;
            log::catch_up(&mut session.cache, &mut session.conn).await?;
            log::advance(&mut session.cache, &mut session.conn, now).await
        }
        .await;
        match ready {
            Ok(()) => Ok(session),
            Err(e) => {
                session.abort().await;
                Err(e)
            }
        }
    }

    /// A read-only view caught up with every record committed before the call. It takes
    /// no writers' lock: only when the clock has a transition due does it first run one
    /// short write session to record it.
    pub async fn read(&self) -> Result<ReadSession<'_>, DbError> {
        let now = self.clock.now();
        // The connection goes back to the pool at once: a reader waiting for the cache (a
        // write group holds it until its commit) holds no connection others need.
        let head = self.db.lock().await?.last_seq().await?;
        {
            let cache = self.cache.read().await;
            if cache.cursor >= head {
                if !log::due(&cache.state, now) {
                    return Ok(ReadSession {
                        cache,
                        conn: None,
                        db: &self.db,
                        now,
                    });
                }
                drop(cache);
                self.session().await?.commit().await?;
            } else {
                drop(cache);
                // Records committed (by any server) after the cache's cursor: every smaller
                // seq is settled, since seqs are taken under the writers' lock.
                let mut conn = self.db.lock().await?;
                let mut cache = self.cache.write().await;
                log::catch_up(&mut cache, &mut conn).await?;
            }
        }
        let cache = self.cache.read().await;
        Ok(ReadSession {
            cache,
            conn: None,
            db: &self.db,
            now,
        })
    }
}

/// Counts a writer waiting for the writers' lock, also when its request is cancelled.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a std::sync::atomic::AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    pub task: tokio::task::JoinHandle<()>,
    pub delivery: Option<tokio::task::JoinHandle<()>>,
    /// Posting to the webhook routes, when there are any.
    pub webhooks: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Server {
    /// A dropped server stops listening and sending.
    fn drop(&mut self) {
        self.task.abort();
        if let Some(d) = &self.delivery {
            d.abort();
        }
        if let Some(w) = &self.webhooks {
            w.abort();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the administrator secret must be at least 12 characters")]
    WeakSecret,
}

/// Open the storage, bind the address and serve until the task is dropped or aborted.
pub async fn start(config: Config, clock: Clock) -> Result<Server, StartError> {
    if config.admin_secret.chars().count() < 12 {
        return Err(StartError::WeakSecret);
    }
    let db = match &config.storage {
        Storage::Sqlite(path) => Db::open_sqlite(path).await?,
        Storage::Postgres(url) => Db::connect_postgres(url).await?,
    };
    let listen_error = |source| StartError::Listen {
        addr: config.listen,
        source,
    };
    // A backlog as deep as the connection cap: tokio's `bind` listens with 128, so a burst of
    // more clients at once (the load run's 200) had connections dropped and retried a second
    // later by the client's TCP.
    let socket = match config.listen {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    }
    .map_err(listen_error)?;
    socket.set_reuseaddr(true).map_err(listen_error)?;
    socket.bind(config.listen).map_err(listen_error)?;
    let listener = socket
        .listen(
            u32::try_from(config.max_connections)
                .unwrap_or(u32::MAX)
                .max(128),
        )
        .map_err(listen_error)?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let sign_ins = throttle::Throttle::new(config.sign_in_failures, config.sign_in_window);
    let app = Arc::new(App {
        config,
        db,
        cache: Arc::new(RwLock::new(Cache::default())),
        group: Mutex::new(log::Group::default()),
        writers_waiting: std::sync::atomic::AtomicUsize::new(0),
        clock,
        public_url,
        sign_ins,
        id: format!(
            "server-{}",
            &token::generate().map_err(|e| StartError::Database(DbError::Other(e.to_string())))?
                [..16]
        ),
        outbox_changed: Notify::new(),
    });
    let router = api::router(app.clone());
    let delivery = app
        .config
        .smtp
        .clone()
        .map(|smtp| tokio::spawn(delivery::run(app.clone(), smtp)));
    let webhooks = (!app.config.webhooks.is_empty())
        .then(|| tokio::spawn(webhook::run(app.clone(), app.config.webhooks.clone())));
    let (max_connections, header_timeout) =
        (app.config.max_connections, app.config.header_read_timeout);
    let task = tokio::spawn(serve::run(
        listener,
        router,
        max_connections,
        header_timeout,
    ));
    Ok(Server {
        addr,
        app,
        task,
        delivery,
        webhooks,
    })
}
