//! The log's IndexedDB entries: writing and reading them, the values inside, and the
//! migration from the first schema.

use super::*;

/// Shared by every tab of this origin that opens the same database.
pub(super) fn channel_name(database: &str) -> String {
    format!("attest-store:{database}")
}

pub(super) fn log_entry(id: &str, encoded: &codec::Encoded) -> JsValue {
    let value = Object::new();
    set(&value, "id", &JsValue::from_str(id));
    set(
        &value,
        "format",
        &JsValue::from_f64(f64::from(encoded.format)),
    );
    set(&value, "data", &Uint8Array::from(&encoded.data[..]));
    value.into()
}

pub(super) fn set(target: &Object, key: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(key), value)
        .expect("setting a property on a plain object");
}

pub(super) fn number(value: &JsValue, key: &str) -> Result<f64, StoreError> {
    Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("a stored value has no number \"{key}\""),
        })
}

pub(super) fn bytes(value: &JsValue, key: &str) -> Result<Vec<u8>, StoreError> {
    Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        .map(|a| a.to_vec())
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("a stored value has no bytes \"{key}\""),
        })
}

/// One log value as stored.
pub(super) struct Stored {
    pub(super) position: u64,
    format: u32,
    pub(super) data: Vec<u8>,
    /// The readers of earlier formats, when this page has them.
    earlier: Option<&'static codec::EarlierFormats>,
}

impl Stored {
    pub(super) fn record(&self) -> Result<Record, StoreError> {
        codec::decode_record_with(&self.data, self.format, self.position, self.earlier)
    }

    pub(super) fn logged(&self) -> Result<Logged, StoreError> {
        Ok(Logged {
            position: self.position,
            record: self.record()?,
        })
    }
}

/// Every log value after position `after`, in order, to be read with `earlier`.
pub(super) async fn read_log(
    log: &indexed_db_futures::object_store::ObjectStore<'_>,
    after: u64,
    earlier: Option<&'static codec::EarlierFormats>,
) -> Result<Vec<Stored>, StoreError> {
    let fail = |e| StoreError::from_idb(e, "reading the log");
    let values = log
        .get_all::<JsValue>()
        .with_query((after as f64 + 1.0)..)
        .primitive()
        .map_err(fail)?
        .await
        .map_err(fail)?;
    let mut out = Vec::new();
    for value in values {
        let value = value.map_err(fail)?;
        // Values written before formats were recorded are JSON.
        let format = Reflect::get(&value, &JsValue::from_str("format"))
            .ok()
            .and_then(|f| f.as_f64())
            .map_or(codec::JSON, |f| f as u32);
        out.push(Stored {
            position: number(&value, schema::POSITION)? as u64,
            format,
            data: bytes(&value, "data")?,
            earlier,
        });
    }
    Ok(out)
}

/// Moves the records of a version 1 database into `log`, in one transaction that also
/// empties `records`: the move happens whole or not at all, and runs again on the next open
/// if it did not.
pub(super) async fn migrate_v1(db: &Database) -> Result<(), StoreError> {
    let doing = "moving data from the previous storage version";
    let fail = |e| StoreError::from_idb(e, doing);
    let tx = db
        .transaction([schema::V1_RECORDS, LOG])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(fail)?;
    let old = tx.object_store(schema::V1_RECORDS).map_err(fail)?;
    let log = tx.object_store(LOG).map_err(fail)?;
    let values = old
        .get_all::<JsValue>()
        .primitive()
        .map_err(fail)?
        .await
        .map_err(fail)?;
    let mut moved = 0u64;
    for value in values {
        let value = value.map_err(fail)?;
        moved += 1;
        let text = value.as_string().ok_or_else(|| StoreError::Corrupt {
            what: format!("record {moved} of the previous storage version is not text"),
        })?;
        let record: Record =
            attest_engine::json::from_bytes(text.as_bytes()).map_err(|e| StoreError::Corrupt {
                what: format!(
                    "record {moved} of the previous storage version does not read back: {e}"
                ),
            })?;
        let _ = log
            .add(log_entry(&record.id, &codec::encode_record(&record)))
            .primitive()
            .map_err(fail)?;
    }
    old.clear().map_err(fail)?;
    tx.commit().await.map_err(fail)
}
