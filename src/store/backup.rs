//! Backup to one file and restore from it. The file is JSON: a format marker, the schema
//! version, every record in log order, their count and a SHA-256 checksum over them (files
//! of earlier releases carry an FNV-1a one, still checked). A restore checks all of it
//! before writing anything, then replaces the log in one transaction.

use attest_engine::event::RECORD_VERSION;
use attest_engine::{replay, Record, State};
use serde_json::Value;

use super::{codec, Store, StoreError};

/// The `format` marker of an Attest backup file.
pub const BACKUP_FORMAT: &str = "attest-backup";

/// The `schema` a backup file carries: what its content is, not how IndexedDB stores the
/// log. Schema 3 changed only the stored values' encoding, not the JSON records a backup
/// holds, so backups stay at 2 and earlier releases still restore them.
pub const BACKUP_SCHEMA: u32 = 2;

/// Why a backup file was refused. The current data is untouched in every case.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BackupError {
    #[error("the file is not JSON (line {line}, column {column}): {detail}")]
    NotJson {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("this is not an Attest backup: {0}")]
    Foreign(String),
    #[error("the backup was written by a newer version of Attest (schema {found}; this version reads up to {supported})")]
    Newer { found: u64, supported: u32 },
    #[error("the file is incomplete: it says it holds {expected} records but has {found}")]
    Count { expected: u64, found: usize },
    #[error("record {index} of {count} is damaged: {detail}")]
    Record {
        index: usize,
        count: usize,
        detail: String,
    },
    #[error("the checksum does not match (the file says {expected}, its records give {actual}): the file was changed or damaged after it was saved")]
    Checksum { expected: String, actual: String },
    #[error("record {index} repeats the id \"{id}\" of record {first}")]
    Duplicate {
        index: usize,
        first: usize,
        id: String,
    },
    #[error("the backup is valid but could not be written: {0}")]
    Store(#[from] StoreError),
}

/// A backup that passed every check: its records, encoded for the log, and the state they
/// fold to.
pub struct CheckedBackup {
    pub records: Vec<(String, codec::Encoded)>,
    pub state: State,
}

impl Store {
    /// The whole database as one backup file (JSON text).
    pub async fn backup(&self) -> Result<String, StoreError> {
        let records = self.records().await?;
        let encoded: Vec<Vec<u8>> = records.iter().map(codec::record_json).collect();
        let sum = codec::checksum(&encoded);
        let mut out = Vec::with_capacity(encoded.iter().map(|r| r.len() + 2).sum::<usize>() + 512);
        let header = serde_json::json!({
            "format": BACKUP_FORMAT,
            "schema": BACKUP_SCHEMA,
            "recordVersion": RECORD_VERSION,
            "database": self.name,
            "created": chrono::Utc::now(),
            "count": records.len(),
            "checksum": sum,
        });
        let header = serde_json::to_vec(&header).expect("a header always serializes");
        // The header object without its closing brace, then the records, one per line.
        out.extend_from_slice(&header[..header.len() - 1]);
        out.extend_from_slice(b",\"records\":[");
        for (i, record) in encoded.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            out.extend_from_slice(record);
        }
        out.extend_from_slice(b"\n]}\n");
        Ok(String::from_utf8(out).expect("JSON is UTF-8"))
    }

    /// Checks `text` fully, then replaces this database's data with it in one transaction.
    /// Returns the restored state. On any error the stored data is as it was.
    pub async fn restore(&self, text: &str) -> Result<State, BackupError> {
        let checked = check_backup(text)?;
        self.replace_log(&checked.records).await?;
        Ok(checked.state)
    }
}

/// Every check a restore makes, in order; the first that fails says where.
pub fn check_backup(text: &str) -> Result<CheckedBackup, BackupError> {
    let file: Value = serde_json::from_str(text).map_err(|e| BackupError::NotJson {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })?;
    let Value::Object(mut file) = file else {
        return Err(BackupError::Foreign(
            "the file holds JSON but not an object with a \"format\" field".into(),
        ));
    };
    match file.get("format").and_then(Value::as_str) {
        Some(BACKUP_FORMAT) => {}
        Some(other) => {
            return Err(BackupError::Foreign(format!(
                "its format is \"{other}\", expected \"{BACKUP_FORMAT}\""
            )))
        }
        None => {
            return Err(BackupError::Foreign(format!(
                "it has no \"format\": \"{BACKUP_FORMAT}\" marker"
            )))
        }
    }
    let found = file
        .get("schema")
        .and_then(Value::as_u64)
        .ok_or_else(|| BackupError::Foreign("it has no schema version (\"schema\")".into()))?;
    if found > u64::from(BACKUP_SCHEMA) {
        return Err(BackupError::Newer {
            found,
            supported: BACKUP_SCHEMA,
        });
    }
    let expected_sum = file
        .get("checksum")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| BackupError::Foreign("it has no \"checksum\"".into()))?;
    let expected_count = file
        .get("count")
        .and_then(Value::as_u64)
        .ok_or_else(|| BackupError::Foreign("it has no record count (\"count\")".into()))?;
    let Some(Value::Array(values)) = file.remove("records") else {
        return Err(BackupError::Foreign("it has no \"records\" list".into()));
    };
    if values.len() as u64 != expected_count {
        return Err(BackupError::Count {
            expected: expected_count,
            found: values.len(),
        });
    }
    let count = values.len();
    let mut records: Vec<Record> = Vec::with_capacity(count);
    for (i, value) in values.into_iter().enumerate() {
        let record: Record = serde_json::from_value(value).map_err(|e| BackupError::Record {
            index: i + 1,
            count,
            detail: e.to_string(),
        })?;
        if record.v > RECORD_VERSION {
            return Err(BackupError::Record {
                index: i + 1,
                count,
                detail: format!("record version {} is newer than this version of Attest reads ({RECORD_VERSION})", record.v),
            });
        }
        records.push(record);
    }
    let json: Vec<Vec<u8>> = records.iter().map(codec::record_json).collect();
    let actual = if expected_sum.starts_with(codec::FNV_CHECKSUM_PREFIX) {
        codec::fnv_checksum(&json)
    } else {
        codec::checksum(&json)
    };
    if actual != expected_sum {
        return Err(BackupError::Checksum {
            expected: expected_sum,
            actual,
        });
    }
    let mut seen = std::collections::HashMap::with_capacity(count);
    for (i, record) in records.iter().enumerate() {
        if let Some(first) = seen.insert(record.id.as_str(), i + 1) {
            return Err(BackupError::Duplicate {
                index: i + 1,
                first,
                id: record.id.clone(),
            });
        }
    }
    let state = replay(records.iter());
    let records = records
        .iter()
        .map(|r| (r.id.clone(), codec::encode_record(r)))
        .collect();
    Ok(CheckedBackup { records, state })
}
