//! The shared event log and the server's copy of the state folded from it.
//!
//! The database is the source of truth; the in-memory `State` is a cache that every request
//! first brings up to date from the log (another server may have written), then lets the
//! clock run (`AdvanceTime` as `Actor::System`). Writes happen inside one database write
//! transaction, so the cache, the log and the outbox move together.

use std::collections::BTreeSet;

use attest_engine::event::Record;
use attest_engine::outbox::{outbox, MessageKind};
use attest_engine::{apply, Actor, Command, Context, State};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{watch, MutexGuard, OwnedRwLockWriteGuard, RwLockReadGuard};

use crate::db::{Conn, DbError};
use crate::token;

/// The folded state and the `seq` of the last record folded into it.
#[derive(Default)]
pub struct Cache {
    pub state: State,
    pub cursor: i64,
}

/// Read every record after the cache's cursor and fold it in.
pub async fn catch_up(cache: &mut Cache, conn: &mut Conn<'_>) -> Result<(), DbError> {
    loop {
        let page = conn.records_after(cache.cursor, 1000).await?;
        if page.is_empty() {
            return Ok(());
        }
        for (seq, id, body) in page {
            let record: Record = serde_json::from_str(&body)
                .map_err(|e| DbError::Other(format!("stored record {id} is unreadable: {e}")))?;
            apply(&mut cache.state, &record);
            cache.cursor = seq;
        }
    }
}

/// Append a record decided against the cache (the caller holds the write transaction and
/// has caught up), fold it in, and queue the messages it causes.
pub async fn store(
    cache: &mut Cache,
    conn: &mut Conn<'_>,
    record: &Record,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let body = serde_json::to_string(record).map_err(|e| DbError::Other(e.to_string()))?;
    let seq = conn
        .insert_record(&record.id, &body, now.timestamp_millis())
        .await?;
    apply(&mut cache.state, record);
    cache.cursor = seq;
    for (kind, instance, stage, reviewers) in messages(&cache.state, record) {
        for reviewer in reviewers {
            let id = format!("{kind}|{instance}|{stage}|{reviewer}");
            conn.queue_message(
                &id,
                kind,
                &instance,
                stage as i64,
                &reviewer,
                now.timestamp_millis(),
            )
            .await?;
        }
    }
    Ok(seq)
}

/// Whether the clock has a transition due at `now` (a stage ends, a review starts...).
pub fn due(state: &State, now: DateTime<Utc>) -> bool {
    let ctx = Context {
        actor: Actor::System,
        now,
        record_id: "due-check".into(),
        reason: None,
    };
    matches!(state.prepare(&Command::AdvanceTime, &ctx), Ok(Some(_)))
}

/// Let the clock run to `now`: one System record with every due transition, if any.
pub async fn advance(
    cache: &mut Cache,
    conn: &mut Conn<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let id = format!(
        "server-{}",
        &token::generate().map_err(|e| DbError::Other(e.to_string()))?[..24]
    );
    let ctx = Context {
        actor: Actor::System,
        now,
        record_id: id,
        reason: None,
    };
    let prepared = cache
        .state
        .prepare(&Command::AdvanceTime, &ctx)
        .map_err(|e| DbError::Other(e.to_string()))?;
    if let Some(record) = prepared {
        store(cache, conn, &record, now).await?;
    }
    Ok(())
}

/// The reviewer notifications a record causes — stage starts, reminders, reassignments and
/// escalations — as
/// the engine's outbox names them (the app's Notifications screen shows the same list).
/// (kind, instance, stage, reviewers)
fn messages(
    state: &State,
    record: &Record,
) -> Vec<(&'static str, String, usize, BTreeSet<String>)> {
    let mut out: Vec<(&'static str, String, usize, BTreeSet<String>)> = Vec::new();
    for m in outbox(state, std::slice::from_ref(record)) {
        let kind = match m.kind {
            MessageKind::ReviewStarted | MessageKind::StageStarted => "stageStarted",
            MessageKind::Reminder => "reminder",
            // Reviewees reassigned or escalated to someone: they get a link of their own.
            MessageKind::Reassigned | MessageKind::Escalation => "handedOver",
            _ => continue,
        };
        let (Some(instance), Some(stage), Some(reviewer)) = (m.instance, m.stage, m.to.user_id())
        else {
            continue;
        };
        match out.last_mut() {
            Some((k, i, s, reviewers)) if *k == kind && *i == instance && *s == stage => {
                reviewers.insert(reviewer.to_string());
            }
            _ => out.push((
                kind,
                instance,
                stage,
                BTreeSet::from([reviewer.to_string()]),
            )),
        }
    }
    out
}

/// Requests whose writes share one database transaction, so one commit (one fsync) makes
/// several requests durable. A writer finishing while others wait for the writers' lock
/// leaves the transaction open for the next one, up to `GROUP_LIMIT` requests; the last one
/// commits and every request of the group is answered only after that commit.
pub struct Group {
    /// The open transaction and the cache, locked for writing until the group commits (so
    /// readers never see uncommitted records).
    pub(crate) open: Option<(Conn<'static>, OwnedRwLockWriteGuard<Cache>)>,
    pub(crate) sessions: usize,
    /// Tells the group's requests how its commit went.
    pub(crate) outcome: Arc<watch::Sender<Option<bool>>>,
}

/// Requests in one group at most: bounds how long readers wait for the cache.
const GROUP_LIMIT: usize = 32;
/// How long a writer that handed its transaction on waits before checking that someone
/// took it.
const HANDOVER_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

impl Default for Group {
    fn default() -> Group {
        Group {
            open: None,
            sessions: 0,
            outcome: Arc::new(watch::channel(None).0),
        }
    }
}

/// The cache locked for writing, for as long as the session lasts.
pub struct CacheGuard(pub(crate) Option<OwnedRwLockWriteGuard<Cache>>);

impl Deref for CacheGuard {
    type Target = Cache;
    fn deref(&self) -> &Cache {
        self.0.as_deref().expect("the session has ended")
    }
}

impl DerefMut for CacheGuard {
    fn deref_mut(&mut self) -> &mut Cache {
        self.0.as_deref_mut().expect("the session has ended")
    }
}

/// The writer's session: this server's writers' lock, the cache locked for writing and a
/// connection inside a write transaction that holds the database's writers' lock, caught up
/// and with the clock run. End it with `commit` or `abort`; dropped unended (the request was
/// cancelled), its group's transaction is rolled back and the cache dropped.
pub struct Session<'a> {
    pub cache: CacheGuard,
    pub conn: Conn<'static>,
    pub now: DateTime<Utc>,
    pub(crate) group: Option<MutexGuard<'a, Group>>,
    pub(crate) app: &'a crate::App,
}

impl Session<'_> {
    /// Keep this request's writes; returns once they are committed (with its group's).
    pub async fn commit(mut self) -> Result<(), DbError> {
        match self.conn.release_savepoint().await {
            Ok(()) => self.end(true).await,
            Err(e) => {
                self.fail_group();
                Err(e)
            }
        }
    }

    /// Undo this request's writes (the rest of its group goes on) and drop the cache (it
    /// holds records that were never committed); the next session catches up again.
    pub async fn abort(mut self) {
        match self.conn.rollback_to_savepoint().await {
            Ok(()) => {
                *self.cache = Cache::default();
                let _ = self.end(false).await;
            }
            Err(_) => self.fail_group(),
        }
    }

    /// Hand the transaction on to a waiting writer, or commit the group.
    async fn end(&mut self, kept: bool) -> Result<(), DbError> {
        let mut group = self.group.take().expect("a session ends once");
        group.sessions += 1;
        let mut outcome = group.outcome.subscribe();
        if self.app.writers_waiting.load(Ordering::SeqCst) > 0 && group.sessions < GROUP_LIMIT {
            let mine = group.outcome.clone();
            group.open = Some((self.conn.take(), self.cache.0.take().unwrap()));
            drop(group);
            let committed = loop {
                let wait = tokio::time::timeout(HANDOVER_WAIT, outcome.wait_for(|o| o.is_some()));
                if let Ok(seen) = wait.await {
                    break matches!(seen.as_deref(), Ok(Some(true)));
                }
                // The writer that was waiting went away (its request was cancelled): commit
                // the group here, unless another writer has taken it on meanwhile.
                if let Ok(mut group) = self.app.group.try_lock() {
                    if Arc::ptr_eq(&group.outcome, &mine) {
                        if let Some((mut conn, mut cache)) = group.open.take() {
                            let result = conn.commit().await;
                            if result.is_err() {
                                conn.rollback().await;
                                *cache = Cache::default();
                            }
                            let _ = group.outcome.send(Some(result.is_ok()));
                            group.outcome = Arc::new(watch::channel(None).0);
                            group.sessions = 0;
                            break result.is_ok();
                        }
                    }
                }
            };
            return if committed || !kept {
                Ok(())
            } else {
                Err(DbError::Other(
                    "the write transaction was rolled back (another request of its group failed)"
                        .into(),
                ))
            };
        }
        let result = self.conn.commit().await;
        if result.is_err() {
            self.conn.rollback().await;
            *self.cache = Cache::default();
        }
        let _ = group.outcome.send(Some(result.is_ok()));
        group.outcome = Arc::new(watch::channel(None).0);
        group.sessions = 0;
        result
    }

    /// The transaction is broken: roll back the whole group (the connection's Drop closes
    /// it), drop the cache and tell the group's requests.
    fn fail_group(&mut self) {
        if let Some(cache) = self.cache.0.as_mut() {
            **cache = Cache::default();
        }
        if let Some(mut group) = self.group.take() {
            let _ = group.outcome.send(Some(false));
            group.outcome = Arc::new(watch::channel(None).0);
            group.sessions = 0;
            group.open = None;
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.group.is_some() {
            // Cancelled mid-request: nothing of its group can be trusted to commit.
            self.fail_group();
        }
    }
}

/// A reader's session: the cache locked for reading, caught up with every record committed
/// before the request began, and a connection outside any transaction. Readers never take
/// the writers' lock, so they do not queue behind writes.
pub struct ReadSession<'a> {
    pub cache: RwLockReadGuard<'a, Cache>,
    /// Taken from the pool only by readers that read the database itself (pages of the log,
    /// the outbox): a reader waiting for the cache holds no connection others need.
    pub(crate) conn: Option<Conn<'static>>,
    pub(crate) db: &'a crate::db::Db,
    pub now: DateTime<Utc>,
}

impl ReadSession<'_> {
    /// A connection outside any transaction, for reading the database.
    pub async fn conn(&mut self) -> Result<&mut Conn<'static>, DbError> {
        if self.conn.is_none() {
            self.conn = Some(self.db.lock().await?);
        }
        Ok(self.conn.as_mut().expect("just set"))
    }
}

/// How a request's session ends: committed when the request's answer stands, aborted when
/// storage failed.
pub trait End: Send {
    fn commit(self) -> impl Future<Output = Result<(), DbError>> + Send;
    fn abort(self) -> impl Future<Output = ()> + Send;
}

impl End for Session<'_> {
    fn commit(self) -> impl Future<Output = Result<(), DbError>> + Send {
        Session::commit(self)
    }
    fn abort(self) -> impl Future<Output = ()> + Send {
        Session::abort(self)
    }
}

impl End for ReadSession<'_> {
    async fn commit(self) -> Result<(), DbError> {
        Ok(())
    }
    async fn abort(self) {}
}
