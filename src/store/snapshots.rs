//! Snapshots: when one is due, encoding it, writing it as a Blob, and reading its bytes back.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use attest_engine::State;

use super::idb::{bytes, set};
use super::schema::SNAPSHOTS;
use super::{codec, Snapshot, Store, StoreError, LATEST, SNAPSHOT_MIN_BYTES};

impl Store {
    /// Whether enough was appended since the latest snapshot to write a new one.
    pub fn snapshot_due(&self) -> bool {
        self.since_snapshot.get() >= SNAPSHOT_MIN_BYTES.max(self.last_snapshot_bytes.get() / 4)
    }

    /// Encodes `state`, which must hold every record up to this page's position.
    pub fn snapshot_of(&self, state: &State) -> Snapshot {
        Snapshot {
            position: self.position.get(),
            format: codec::SNAPSHOT_FORMAT,
            data: attest_engine::snapshot::encode(state),
        }
    }

    /// Stores a snapshot in its own transaction. A failure loses nothing: the log is whole.
    pub async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        let doing = "saving a snapshot";
        let fail = |e| StoreError::from_idb(e, doing);
        let tx = self
            .db
            .transaction(SNAPSHOTS)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        let store = tx.object_store(SNAPSHOTS).map_err(fail)?;
        let value = Object::new();
        set(
            &value,
            "position",
            &JsValue::from_f64(snapshot.position as f64),
        );
        set(
            &value,
            "format",
            &JsValue::from_f64(f64::from(snapshot.format)),
        );
        // A Blob, not a byte array: IndexedDB keeps a large value as a file either way, but a
        // byte array is read back by copying and deserializing it on the page's main thread
        // (84–100 ms for 24 MB), while a Blob's bytes are read straight into one buffer
        // (19–27 ms). Older formats are written as earlier releases wrote them, a byte array,
        // so the tests that load them also read that way.
        let bytes = Uint8Array::from(&snapshot.data[..]);
        if snapshot.format == codec::SNAPSHOT_FORMAT {
            let blob = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&bytes))
                .map_err(|e| {
                    StoreError::WriteFailed(format!("the snapshot could not be packed: {e:?}"))
                })?;
            set(&value, "data", &blob);
        } else {
            set(&value, "data", &bytes);
        }
        let request = store
            .put(JsValue::from(value))
            .with_key(LATEST)
            .without_key_type()
            .primitive()
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        request.await.map_err(fail)?;
        // Records appended while this was being written are not in it: count from its position.
        self.since_snapshot.set(0);
        self.last_snapshot_bytes.set(snapshot.data.len());
        Ok(())
    }
}

/// A snapshot's bytes: a Blob (current) or a byte array (snapshots written before).
pub(super) async fn snapshot_bytes(value: &JsValue) -> Result<Vec<u8>, StoreError> {
    let data = Reflect::get(value, &JsValue::from_str("data")).unwrap_or(JsValue::UNDEFINED);
    match data.dyn_into::<web_sys::Blob>() {
        Ok(blob) => {
            let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
                .await
                .map_err(|e| StoreError::Unavailable(format!("reading the snapshot: {e:?}")))?;
            Ok(Uint8Array::new(&buffer).to_vec())
        }
        Err(_) => bytes(value, "data"),
    }
}
