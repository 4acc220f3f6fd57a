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

use tokio::sync::{MutexGuard, RwLockReadGuard, RwLockWriteGuard};

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

/// The reviewer notifications a record causes — stage starts and halfway reminders — as
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

/// The writer's session: this server's writer lock, the cache locked for writing and a
/// connection inside a write transaction that holds the database's writers' lock, caught up
/// and with the clock run. End it with `commit` or `abort`; dropped unended (the request was
/// cancelled), it rolls back and drops the cache.
pub struct Session<'a> {
    pub cache: RwLockWriteGuard<'a, Cache>,
    pub conn: Conn<'a>,
    pub now: DateTime<Utc>,
    pub(crate) _writer: MutexGuard<'a, ()>,
    pub(crate) ended: bool,
}

impl Session<'_> {
    pub async fn commit(mut self) -> Result<(), DbError> {
        let result = self.conn.commit().await;
        if result.is_err() {
            self.conn.rollback().await;
        } else {
            self.ended = true;
        }
        result
    }

    /// Roll back and drop the cache (it may hold records that were never committed); the
    /// next request rebuilds it from the log.
    pub async fn abort(mut self) {
        self.conn.rollback().await;
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if !self.ended {
            // The cache may hold records that were never committed.
            *self.cache = Cache::default();
        }
    }
}

/// A reader's session: the cache locked for reading, caught up with every record committed
/// before the request began, and a connection outside any transaction. Readers never take
/// the writers' lock, so they do not queue behind writes.
pub struct ReadSession<'a> {
    pub cache: RwLockReadGuard<'a, Cache>,
    pub conn: Conn<'a>,
    pub now: DateTime<Utc>,
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
