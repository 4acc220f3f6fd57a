//! The IndexedDB layout and how each older layout is brought up to date, one step at a time.
//!
//! - Version 1 (the first layout): one object store `records`, auto-increment keys, each
//!   value the JSON text of one engine `Record`.
//! - Version 2 (current): `log` holds one value per `Record` as `{ position, id, data }`, the position given
//!   by the store's key generator, with `data` the record's compact encoding;
//!   `snapshots` holds the latest encoded `State` and the log position it covers, so a reload
//!   replays only the tail. The v1 `records` are moved into `log` right after opening.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;

/// The schema this code reads and writes.
pub const VERSION: u32 = 2;

pub const LOG: &str = "log";
pub const SNAPSHOTS: &str = "snapshots";
/// The key path of `log`: each value carries its own position.
pub const POSITION: &str = "position";
/// The version 1 object store; emptied when its records move to `log`.
pub const V1_RECORDS: &str = "records";

/// Runs inside `upgradeneeded`: each step takes the layout from one version to the next.
pub(crate) fn upgrade(event: &VersionChangeEvent, db: &Database) -> indexed_db_futures::Result<()> {
    let old = event.old_version() as u32;
    if old == 0 {
        // A new database starts at the current layout.
        create_v2_stores(db)?;
        return Ok(());
    }
    if old < 2 {
        // v1 → v2: the new stores; `records` stays until its data is moved (see `migrate_v1`).
        create_v2_stores(db)?;
    }
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
pub(crate) fn has_v1_store(db: &Database) -> bool {
    db.object_store_names().any(|name| name == V1_RECORDS)
}
