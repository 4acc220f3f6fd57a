//! The IndexedDB layout and how each older layout is brought up to date, one step at a time.
//!
//! - Version 1 (the first layout): one object store `records`, auto-increment keys, each
//!   value the JSON text of one engine `Record`.
//! - Version 2 (current): `log` holds one value per `Record` as `{ position, id, data }`, the position given
//!   by the store's key generator, with `data` the record's compact encoding;
//!   `snapshots` holds the latest encoded `State` and the log position it covers, so a reload
//!   replays only the tail. The v1 `records` are moved into `log` right after opening.
//! - Version 3: the same stores; every log value and the snapshot are rewritten once, right
//!   after the upgrade, in the current formats (records in the engine's layout, format 5,
//!   instead of the serde binary forms 2 and 4 of earlier releases; a format-2 snapshot in
//!   the state layout). Values the rewrite has not reached (a tab closed during it) still
//!   read: the reader of every earlier format stays.
//! - Version 4: the same stores; every log value rewritten once more, right after the
//!   upgrade, in record format 6 (`ATR2`: every event in its own layout) instead of 5
//!   (small events as JSON), so the reviewer bundle, which has no JSON reader of `Event`,
//!   reads every record of an upgraded database. It hands a database below version 4 to the
//!   full app, as every older one.

use std::cell::RefCell;
use std::collections::BTreeSet;

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use futures::future::LocalBoxFuture;

use super::idb::{bytes, log_entry, migrate_v1, read_log, set};
use super::{codec, StoreError, LATEST};

/// The schema this code reads and writes.
pub const VERSION: u32 = 4;

thread_local! {
    /// Databases upgraded from before version 4 in this page whose values are not yet
    /// rewritten (the upgrade callback cannot wait for reads; `rewrite_old_formats` runs
    /// right after the open).
    static TO_REWRITE: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

pub const LOG: &str = "log";
pub const SNAPSHOTS: &str = "snapshots";
/// The key path of `log`: each value carries its own position.
pub const POSITION: &str = "position";
/// The version 1 object store; emptied when its records move to `log`.
pub const V1_RECORDS: &str = "records";

/// Runs inside `upgradeneeded`: each step takes the layout from one version to the next.
/// Without the readers of earlier formats (the reviewer bundle) an existing database is
/// left as it is: `refused` gets its version and the open fails, for the full app to do it.
pub(crate) fn upgrade(
    event: &VersionChangeEvent,
    db: &Database,
    earlier: bool,
    refused: &std::cell::Cell<u32>,
) -> indexed_db_futures::Result<()> {
    let old = event.old_version() as u32;
    if old == 0 {
        // A new database starts at the current layout.
        create_v2_stores(db)?;
        return Ok(());
    }
    if !earlier && old < VERSION {
        // Failing the callback aborts the version change: nothing of the database changes.
        refused.set(old);
        return Err(js_sys::Error::new("the full app upgrades this database").into());
    }
    if old < 2 {
        // v1 → v2: the new stores; `records` stays until its data is moved (see `migrate_v1`).
        create_v2_stores(db)?;
    }
    if old < 4 {
        // v2 → v3 and v3 → v4: the stores stay; their values are rewritten after the open.
        TO_REWRITE.with(|names| names.borrow_mut().insert(db.name()));
    }
    Ok(())
}

/// What `codec::EarlierFormats` runs right after an open.
pub(super) type BringUpToDate =
    for<'a> fn(&'a Database) -> LocalBoxFuture<'a, Result<(), StoreError>>;

/// Version 1's records moved into `log`, then earlier formats rewritten (both only when an
/// upgrade left something to do).
pub(super) fn bring_up_to_date(db: &Database) -> LocalBoxFuture<'_, Result<(), StoreError>> {
    Box::pin(async move {
        if has_v1_store(db) {
            migrate_v1(db).await?;
        }
        rewrite_old_formats(db).await
    })
}

/// After an upgrade from before version 4: every log value not in the current record
/// format, and a snapshot not in the current state layout, rewritten in one transaction
/// (all or nothing). Anything else opened: nothing to do.
async fn rewrite_old_formats(db: &Database) -> Result<(), StoreError> {
    let name = db.name();
    if !TO_REWRITE.with(|names| names.borrow().contains(&name)) {
        return Ok(());
    }
    let doing = "rewriting data of an earlier release in the current format";
    let fail = |e| StoreError::from_idb(e, doing);
    let tx = db
        .transaction([LOG, SNAPSHOTS])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(fail)?;
    let log = tx.object_store(LOG).map_err(fail)?;
    // Before version 4 nothing wrote the current format: every value is rewritten.
    for stored in read_log(&log, 0, Some(&codec::EARLIER_FORMATS)).await? {
        let record = stored.record()?;
        let entry = log_entry(&record.id, &codec::encode_record(&record));
        set(
            entry.unchecked_ref::<Object>(),
            POSITION,
            &JsValue::from_f64(stored.position as f64),
        );
        log.put(entry).primitive().map_err(fail)?;
    }
    let snapshots = tx.object_store(SNAPSHOTS).map_err(fail)?;
    let latest = snapshots
        .get::<JsValue, _, _>(LATEST)
        .primitive()
        .map_err(fail)?
        .await
        .map_err(fail)?;
    if let Some(value) = latest.filter(|v| !v.is_undefined()) {
        let format = Reflect::get(&value, &JsValue::from_str("format"))
            .ok()
            .and_then(|f| f.as_f64())
            .map_or(codec::JSON, |f| f as u32);
        if format != codec::SNAPSHOT_FORMAT {
            // A cache of the log: rewritten as the current code would write it. Earlier
            // formats were stored as byte arrays (read without leaving the transaction).
            let data = bytes(&value, "data")?;
            let state = codec::decode_state(&data, format)?;
            let bytes = attest_engine::snapshot::encode(&state);
            let blob = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(
                &js_sys::Uint8Array::from(&bytes[..]),
            ))
            .map_err(|e| {
                StoreError::WriteFailed(format!("the snapshot could not be packed: {e:?}"))
            })?;
            let updated = Object::new();
            let position =
                Reflect::get(&value, &JsValue::from_str("position")).unwrap_or(JsValue::UNDEFINED);
            set(&updated, "position", &position);
            set(
                &updated,
                "format",
                &JsValue::from_f64(f64::from(codec::SNAPSHOT_FORMAT)),
            );
            set(&updated, "data", &blob);
            snapshots
                .put(JsValue::from(updated))
                .with_key(LATEST)
                .without_key_type()
                .primitive()
                .map_err(fail)?;
        }
    }
    tx.commit().await.map_err(fail)?;
    TO_REWRITE.with(|names| names.borrow_mut().remove(&name));
    Ok(())
}

fn create_v2_stores(db: &Database) -> indexed_db_futures::Result<()> {
    // The key generator assigns positions inside the write transaction, so two tabs appending
    // at once are ordered by IndexedDB and neither overwrites the other.
    db.create_object_store(LOG)
        .with_auto_increment(true)
        .with_key_path(POSITION.into())
        .build()?;
    db.create_object_store(SNAPSHOTS).build()?;
    Ok(())
}

/// Whether the database still has a version 1 `records` store.
fn has_v1_store(db: &Database) -> bool {
    db.object_store_names().any(|name| name == V1_RECORDS)
}
