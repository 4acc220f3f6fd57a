//! Durable storage of the review log in the browser (IndexedDB). The log of engine `Record`s
//! is the source of truth; state is rebuilt from it, starting at the latest snapshot.
//!
//! Invariants:
//! - one command's record is one IndexedDB value written in one transaction: all or nothing;
//! - positions are assigned by IndexedDB inside the write transaction, so concurrent tabs
//!   never overwrite each other;
//! - a record is appended only if the log still ends where its command was decided
//!   (`append_at`, checked in the write transaction): a tab that lost a race gets what it
//!   missed back instead, folds it and decides again (see `attest_engine::replica`);
//! - a snapshot is only a cache: it is written after the append, in its own transaction, and
//!   the state it holds equals the replay of the log up to its position.

mod backup;
pub mod binary;
pub mod codec;
mod error;
mod idb;
pub mod schema;
mod snapshots;
pub mod storage;

use std::cell::{Cell, RefCell};
use std::future::IntoFuture;
use std::rc::Rc;

pub use attest_engine::replica::{Appended, Logged};
use attest_engine::{apply_owned, replay, Record, State};
use futures::channel::oneshot;
use futures::future::{select, Either};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use backup::{check_backup, BackupError, CheckedBackup, BACKUP_FORMAT};
pub use error::StoreError;
use idb::*;
use schema::{LOG, SNAPSHOTS};
use snapshots::snapshot_bytes;

/// Key of the one snapshot kept in `snapshots`.
const LATEST: &str = "latest";
/// A snapshot is due once the records since the last one add up to this many bytes, or to a
/// quarter of the last snapshot's size, whichever is larger: replay after a reload stays short
/// and a large state is not re-encoded after every small command.
const SNAPSHOT_MIN_BYTES: usize = 256 * 1024;

/// What another tab (or app instance) on the same database did.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// It appended records up to this position.
    Appended(u64),
    /// It replaced the whole log (restore, reset): reload everything.
    Replaced,
    /// A newer version of Attest needs this tab to let go of the database.
    UpgradeWaiting,
}

/// A state encoded for the `snapshots` store, with the log position it covers.
pub struct Snapshot {
    pub position: u64,
    /// `codec::SNAPSHOT_FORMAT`, or an older format written by an earlier release.
    pub format: u32,
    pub data: Vec<u8>,
}

/// Figures about the last load, for Settings and the benchmark.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadInfo {
    /// Log position the snapshot covered (0: no snapshot was used).
    pub snapshot_position: u64,
    pub snapshot_bytes: usize,
    /// Records replayed after the snapshot.
    pub replayed: usize,
    /// Where the time went, in ms: reading values out of IndexedDB, decoding the snapshot,
    /// folding the records after it.
    pub read_ms: f64,
    pub decode_ms: f64,
    pub replay_ms: f64,
}

/// One named IndexedDB database of records.
pub struct Store {
    pub name: String,
    db: Database,
    /// The last log position folded into the state this page holds.
    position: Cell<u64>,
    /// Bytes of records appended since the latest snapshot.
    since_snapshot: Cell<usize>,
    last_snapshot_bytes: Cell<usize>,
    last_load: RefCell<LoadInfo>,
    channel: Option<web_sys::BroadcastChannel>,
    on_message: RefCell<Option<Closure<dyn FnMut(web_sys::MessageEvent)>>>,
    /// Test hook: abort the next write transaction after its requests were issued.
    fail_next_write: Cell<bool>,
    /// The readers of earlier releases' formats: the full app's, or None in the reviewer
    /// bundle, which hands such a database over (`crate::handover`).
    earlier: Option<&'static codec::EarlierFormats>,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
        self.db.clone().close();
    }
}

impl Store {
    /// Opens (creating or upgrading) the database `name`, reading every earlier format.
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        Store::open_with(name, Some(&codec::EARLIER_FORMATS)).await
    }

    /// Opens `name` for the app mounted on it: with the readers of earlier formats when the
    /// full app registered them for it (`crate::handover`), else current formats only.
    pub async fn open_in_app(name: &str) -> Result<Store, StoreError> {
        Store::open_with(name, crate::handover::earlier_formats(name)).await
    }

    async fn open_with(
        name: &str,
        earlier: Option<&'static codec::EarlierFormats>,
    ) -> Result<Store, StoreError> {
        let refused = Rc::new(Cell::new(0));
        let refused_in_upgrade = refused.clone();
        let (blocked_tx, blocked_rx) = oneshot::channel::<()>();
        let blocked_tx = RefCell::new(Some(blocked_tx));
        let request = Database::open(name)
            .with_version(schema::VERSION)
            .with_on_blocked(move |_| {
                if let Some(tx) = blocked_tx.borrow_mut().take() {
                    let _ = tx.send(());
                }
                Ok(())
            })
            .with_on_upgrade_needed(move |event, db| {
                schema::upgrade(&event, &db, earlier.is_some(), &refused_in_upgrade)
            })
            .into_future();
        let channel = web_sys::BroadcastChannel::new(&channel_name(name)).ok();
        let not_upgraded = |e| match refused.get() {
            0 => StoreError::from_open(e),
            old => crate::handover::earlier_release(format!("the database is at schema {old}")),
        };
        let db = match select(Box::pin(request), blocked_rx).await {
            Either::Left((opened, _)) => opened.map_err(not_upgraded)?,
            Either::Right((Ok(()), _)) => {
                // Ask older tabs of this app to let go; they say so to their user.
                if let Some(channel) = &channel {
                    let _ = channel.post_message(&JsValue::from_str("upgrade"));
                }
                return Err(StoreError::Blocked);
            }
            Either::Right((Err(_), pending)) => pending.await.map_err(not_upgraded)?,
        };
        if let Some(earlier) = earlier {
            (earlier.bring_up_to_date)(&db).await?;
        }
        Ok(Store {
            name: name.to_string(),
            db,
            position: Cell::new(0),
            since_snapshot: Cell::new(0),
            last_snapshot_bytes: Cell::new(0),
            last_load: RefCell::new(LoadInfo::default()),
            channel,
            on_message: RefCell::new(None),
            fail_next_write: Cell::new(false),
            earlier,
        })
    }

    /// The state the stored log folds to: the latest snapshot plus the records after it.
    pub async fn load(&self) -> Result<State, StoreError> {
        let (state, info, position, tail_bytes) = self.fold_to(u64::MAX).await?;
        self.position.set(position);
        self.since_snapshot.set(tail_bytes);
        self.last_snapshot_bytes.set(info.snapshot_bytes);
        *self.last_load.borrow_mut() = info;
        Ok(state)
    }

    /// The state the stored log folds to up to position `limit` (a sync rebase decides the
    /// unsent records again on the server's part of the log); this page's position is left
    /// alone.
    pub async fn state_at(&self, limit: u64) -> Result<State, StoreError> {
        Ok(self.fold_to(limit).await?.0)
    }

    /// The latest snapshot at or before `limit` plus the records after it up to `limit`:
    /// the state, figures, the position reached and the bytes of records folded.
    async fn fold_to(&self, limit: u64) -> Result<(State, LoadInfo, u64, usize), StoreError> {
        let clock = js_sys::Date::now;
        let started = clock();
        let tx = self
            .db
            .transaction([LOG, SNAPSHOTS])
            .build()
            .map_err(|e| StoreError::from_idb(e, "reading the log"))?;
        let snapshots = tx
            .object_store(SNAPSHOTS)
            .map_err(|e| StoreError::from_idb(e, "reading the log"))?;
        let stored: Option<JsValue> = snapshots
            .get(LATEST)
            .primitive()
            .map_err(|e| StoreError::from_idb(e, "reading the snapshot"))?
            .await
            .map_err(|e| StoreError::from_idb(e, "reading the snapshot"))?;
        let mut info = LoadInfo::default();
        let snapshot = match stored.filter(|v| v.is_object()) {
            Some(value) => {
                let position = number(&value, "position")? as u64;
                let format = number(&value, "format")? as u32;
                (position <= limit).then(|| {
                    info.snapshot_position = position;
                    (value, format)
                })
            }
            None => None,
        };
        // The log after the snapshot, in the same transaction; the snapshot's bytes (a Blob)
        // are read after it: awaiting anything but IndexedDB would end the transaction.
        let log = tx
            .object_store(LOG)
            .map_err(|e| StoreError::from_idb(e, "reading the log"))?;
        let tail = read_log(&log, info.snapshot_position, self.earlier).await?;
        drop(tx);
        let mut state = match snapshot {
            Some((value, format)) => {
                let data = snapshot_bytes(&value).await?;
                info.snapshot_bytes = data.len();
                let decoding = clock();
                info.read_ms = decoding - started;
                let state = codec::decode_state_with(&data, format, self.earlier)?;
                info.decode_ms = clock() - decoding;
                state
            }
            None => {
                info.read_ms = clock() - started;
                State::default()
            }
        };
        let replaying = clock();
        let mut position = info.snapshot_position;
        let mut tail_bytes = 0;
        for stored in tail.into_iter().take_while(|s| s.position <= limit) {
            apply_owned(&mut state, stored.record()?);
            position = stored.position;
            tail_bytes += stored.data.len();
            info.replayed += 1;
        }
        info.replay_ms = clock() - replaying;
        Ok((state, info, position, tail_bytes))
    }

    /// Figures about the last `load`.
    pub fn last_load(&self) -> LoadInfo {
        self.last_load.borrow().clone()
    }

    /// The last log position this page has folded into its state.
    pub fn position(&self) -> u64 {
        self.position.get()
    }

    /// Appends one record durably — all of its events or none — wherever the log is, and
    /// returns its position (seeding a database in tests and benchmarks; the app appends
    /// through `append_at`).
    pub async fn append(&self, record: &Record) -> Result<u64, StoreError> {
        match self.write(record, None).await? {
            Appended::At(at) => {
                self.position.set(self.position.get().max(at));
                Ok(at)
            }
            Appended::Behind(_) => unreachable!("an unconditional append is never behind"),
        }
    }

    /// Appends one record — all of its events or none — only if the log still ends at
    /// `decided_at`, the position its command was decided at. Checked in the same readwrite
    /// transaction as the write, so no other tab can append in between; when the log has
    /// moved on, nothing is written and the records after `decided_at` come back instead.
    pub async fn append_at(
        &self,
        record: &Record,
        decided_at: u64,
    ) -> Result<Appended, StoreError> {
        self.write(record, Some(decided_at)).await
    }

    async fn write(
        &self,
        record: &Record,
        decided_at: Option<u64>,
    ) -> Result<Appended, StoreError> {
        let encoded = codec::encode_record(record);
        let doing = "saving the change";
        let fail = |e| StoreError::from_idb(e, doing);
        let tx = self
            .db
            .transaction(LOG)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        let log = tx.object_store(LOG).map_err(fail)?;
        if let Some(decided_at) = decided_at {
            // Awaiting an IndexedDB request keeps the transaction alive for the write below.
            let missed = read_log(&log, decided_at, self.earlier).await?;
            if !missed.is_empty() {
                drop(log);
                drop(tx);
                let missed = missed
                    .iter()
                    .map(Stored::logged)
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(Appended::Behind(missed));
            }
        }
        let request = log
            .add(log_entry(&record.id, &encoded))
            .with_key_type::<f64>()
            .primitive()
            .map_err(fail)?;
        if self.fail_next_write.replace(false) {
            let _ = tx.abort().await;
            return Err(StoreError::WriteFailed(format!(
                "{doing}: the transaction was aborted"
            )));
        }
        tx.commit().await.map_err(fail)?;
        let at = request.await.map_err(fail)? as u64;
        self.since_snapshot
            .set(self.since_snapshot.get() + encoded.data.len());
        self.announce(&JsValue::from_f64(at as f64));
        Ok(Appended::At(at))
    }

    /// The stored records after position `after`, with their positions, in log order.
    pub async fn read_after(&self, after: u64) -> Result<Vec<Logged>, StoreError> {
        let tx = self.read_tx()?;
        let store = tx
            .object_store(LOG)
            .map_err(|e| StoreError::from_idb(e, "reading the log"))?;
        let tail = read_log(&store, after, self.earlier).await?;
        drop(store);
        drop(tx);
        tail.iter().map(Stored::logged).collect()
    }

    /// Notes that this page's state now holds every record up to `position` (the runtime
    /// calls this after folding; snapshots are written at this position).
    pub fn folded_to(&self, position: u64) {
        self.position.set(self.position.get().max(position));
    }

    /// Every stored record, in log order (backup, history, sync).
    pub async fn records(&self) -> Result<Vec<Record>, StoreError> {
        self.records_between(0, u64::MAX).await
    }

    /// The state rebuilt from the whole log, ignoring snapshots (to check a snapshot).
    pub async fn replay_log(&self) -> Result<State, StoreError> {
        Ok(replay(self.records().await?.iter()))
    }

    /// Records with positions strictly between `after` and `before`.
    async fn records_between(&self, after: u64, before: u64) -> Result<Vec<Record>, StoreError> {
        Ok(self
            .read_after(after)
            .await?
            .into_iter()
            .filter(|s| s.position < before)
            .map(|s| s.record)
            .collect())
    }

    fn read_tx(&self) -> Result<indexed_db_futures::transaction::Transaction<'_>, StoreError> {
        self.db
            .transaction(LOG)
            .build()
            .map_err(|e| StoreError::from_idb(e, "reading the log"))
    }

    /// Replaces the whole log with `records` (restore) in one transaction; the snapshot goes.
    pub(crate) async fn replace_log(
        &self,
        records: &[(String, codec::Encoded)],
    ) -> Result<(), StoreError> {
        let doing = "replacing the stored data";
        let fail = |e| StoreError::from_idb(e, doing);
        let tx = self
            .db
            .transaction([LOG, SNAPSHOTS])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        let log = tx.object_store(LOG).map_err(fail)?;
        let snapshots = tx.object_store(SNAPSHOTS).map_err(fail)?;
        log.clear().map_err(fail)?;
        snapshots.clear().map_err(fail)?;
        let mut last = None;
        for (id, data) in records {
            last = Some(
                log.add(log_entry(id, data))
                    .with_key_type::<f64>()
                    .primitive()
                    .map_err(fail)?,
            );
        }
        if self.fail_next_write.replace(false) {
            let _ = tx.abort().await;
            return Err(StoreError::WriteFailed(format!(
                "{doing}: the transaction was aborted"
            )));
        }
        tx.commit().await.map_err(fail)?;
        let position = match last {
            Some(request) => request.await.map_err(fail)? as u64,
            None => 0,
        };
        self.position.set(position);
        self.since_snapshot
            .set(records.iter().map(|(_, d)| d.data.len()).sum());
        self.last_snapshot_bytes.set(0);
        self.announce(&JsValue::from_str("replaced"));
        Ok(())
    }

    /// Replaces the log after position `keep` with `records`, in one transaction, only if
    /// the log still ends at `expected_end` (no other tab appended since it was read); a
    /// snapshot past `keep` goes too. Returns the new records' positions, or None when the
    /// log had moved on (nothing written). Other tabs reload (a sync rebase).
    pub async fn rewrite_after(
        &self,
        keep: u64,
        expected_end: u64,
        records: &[Record],
    ) -> Result<Option<Vec<u64>>, StoreError> {
        let doing = "rewriting the changes not yet on the server";
        let fail = |e| StoreError::from_idb(e, doing);
        let encoded: Vec<codec::Encoded> = records.iter().map(codec::encode_record).collect();
        let tx = self
            .db
            .transaction([LOG, SNAPSHOTS])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        let log = tx.object_store(LOG).map_err(fail)?;
        let snapshots = tx.object_store(SNAPSHOTS).map_err(fail)?;
        if !read_log(&log, expected_end, self.earlier).await?.is_empty() {
            return Ok(None);
        }
        let stored: Option<JsValue> = snapshots
            .get(LATEST)
            .primitive()
            .map_err(fail)?
            .await
            .map_err(fail)?;
        if let Some(value) = stored.filter(|v| v.is_object()) {
            if number(&value, "position")? as u64 > keep {
                snapshots.delete(LATEST).primitive().map_err(fail)?;
            }
        }
        log.delete((keep as f64 + 1.0)..)
            .primitive()
            .map_err(fail)?;
        let mut requests = Vec::with_capacity(records.len());
        for (record, data) in records.iter().zip(&encoded) {
            requests.push(
                log.add(log_entry(&record.id, data))
                    .with_key_type::<f64>()
                    .primitive()
                    .map_err(fail)?,
            );
        }
        if self.fail_next_write.replace(false) {
            let _ = tx.abort().await;
            return Err(StoreError::WriteFailed(format!(
                "{doing}: the transaction was aborted"
            )));
        }
        tx.commit().await.map_err(fail)?;
        let mut positions = Vec::with_capacity(requests.len());
        for request in requests {
            positions.push(request.await.map_err(fail)? as u64);
        }
        self.since_snapshot
            .set(encoded.iter().map(|e| e.data.len()).sum());
        self.announce(&JsValue::from_str("replaced"));
        Ok(Some(positions))
    }

    /// Replaces the whole log with `records`, in one transaction (a reviewer link's view).
    pub async fn replace_records(&self, records: &[Record]) -> Result<(), StoreError> {
        let encoded: Vec<(String, codec::Encoded)> = records
            .iter()
            .map(|r| (r.id.clone(), codec::encode_record(r)))
            .collect();
        self.replace_log(&encoded).await
    }

    /// Deletes every record and snapshot of this database (Settings → Reset).
    pub async fn wipe(&self) -> Result<(), StoreError> {
        self.replace_log(&[]).await
    }

    /// Calls `listener` when another tab or app instance changes this database.
    pub fn on_change(&self, listener: impl Fn(Change) + 'static) {
        let Some(channel) = &self.channel else { return };
        let closure = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data();
                if let Some(position) = data.as_f64() {
                    listener(Change::Appended(position as u64));
                } else if data.as_string().as_deref() == Some("replaced") {
                    listener(Change::Replaced);
                } else if data.as_string().as_deref() == Some("upgrade") {
                    listener(Change::UpgradeWaiting);
                }
            },
        );
        channel.set_onmessage(Some(closure.as_ref().unchecked_ref()));
        *self.on_message.borrow_mut() = Some(closure);
    }

    /// Lets go of the database so that a newer version in another tab can upgrade it.
    pub fn close(&self) {
        self.db.clone().close();
    }

    fn announce(&self, message: &JsValue) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(message);
        }
    }

    /// Test hook: the next write transaction is aborted after its requests were issued, the
    /// way a browser aborts one (quota, crash), to check that nothing of it stays.
    #[doc(hidden)]
    pub fn fail_next_write(&self) {
        self.fail_next_write.set(true);
    }
}

/// Rc handle used by the runtime and screens.
pub type SharedStore = Rc<Store>;
