//! How records and snapshots are turned into bytes for IndexedDB and back. One value per
//! engine `Record` (which may carry 100,000 decisions), never one per event: IndexedDB's cost
//! is per value, so few large values are what makes appends and reloads fast.

use attest_engine::{Event, Record, State};

use super::StoreError;

/// How a stored `data` is encoded; stored beside it so newer code reads older values.
/// 1: JSON text (the first IndexedDB release). 2: the compact serde form of `binary`
/// (earlier releases; read only). 3 (snapshots only): the engine's own state layout,
/// `attest_engine::snapshot`, which reads a 100,000-reviewee state about four times faster
/// than 2.
pub const JSON: u32 = 1;
pub const BINARY: u32 = 2;
pub const STATE_LAYOUT: u32 = 3;
/// 4 (records only; earlier releases, read only): format 2 with every imported directory
/// taken out and written in the engine's layout in front of it.
pub const BINARY_WITH_DIRECTORIES: u32 = 4;
/// 5 (records only; earlier releases, read only): the engine's record layout `ATRC`, its
/// small events as JSON (`attest_engine::snapshot::decode_earlier_record`).
pub const RECORD_LAYOUT_WITH_JSON: u32 = 5;
/// 6 (records only): the engine's record layout `ATR2`, every event in its own layout
/// (`attest_engine::snapshot::encode_record`): reading it needs no JSON reader of `Event`.
pub const RECORD_LAYOUT: u32 = 6;
/// What new snapshots are written in.
pub const SNAPSHOT_FORMAT: u32 = STATE_LAYOUT;
/// What new records are written in.
pub const RECORD_FORMAT: u32 = RECORD_LAYOUT;

/// A record's bytes for the log and the format they are in.
#[derive(Clone, Debug)]
pub struct Encoded {
    pub format: u32,
    pub data: Vec<u8>,
}

pub fn encode_record(record: &Record) -> Encoded {
    Encoded {
        format: RECORD_FORMAT,
        data: attest_engine::snapshot::encode_record(record),
    }
}

/// A value of format 2 through its JSON text (see `binary`).
fn from_binary<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let json = super::binary::to_json(bytes).map_err(|e| e.to_string())?;
    attest_engine::json::from_bytes(&json).map_err(|e| e.to_string())
}

/// Reads format 4: the count of directories, each as length and bytes, then the record in
/// format 2 with empty directories in its imports.
fn decode_with_directories(bytes: &[u8]) -> Result<Record, String> {
    let mut pos = 0;
    let u32_at = |pos: &mut usize| -> Result<usize, String> {
        let raw = bytes
            .get(*pos..*pos + 4)
            .ok_or_else(|| format!("it ends too early at byte {pos}"))?;
        *pos += 4;
        Ok(u32::from_le_bytes(raw.try_into().expect("4 bytes")) as usize)
    };
    let count = u32_at(&mut pos)?;
    let mut directories = Vec::new();
    for _ in 0..count.min(bytes.len()) {
        let len = u32_at(&mut pos)?;
        let part = bytes
            .get(pos..pos.saturating_add(len))
            .ok_or_else(|| format!("a directory runs past the end at byte {pos}"))?;
        directories
            .push(attest_engine::snapshot::decode_directory(part).map_err(|e| e.to_string())?);
        pos += len;
    }
    let mut record: Record = from_binary(&bytes[pos..])?;
    let mut directories = directories.into_iter();
    for event in &mut record.events {
        if let Event::DirectoryImported { directory, .. } = event {
            **directory = directories
                .next()
                .ok_or("the record names more imports than it holds directories")?;
        }
    }
    if directories.next().is_some() || count > record.events.len() {
        return Err("the record holds more directories than imports".into());
    }
    Ok(record)
}

/// The JSON text of a record: what backups hold, and what their checksum covers.
pub fn record_json(record: &Record) -> Vec<u8> {
    serde_json::to_vec(record).expect("a record always serializes")
}

/// The readers of the formats earlier releases wrote (records 1, 2, 4 and 5, snapshots 1
/// and 2). Only the full app registers them (`crate::handover`): they carry serde's JSON reading
/// of every engine type, which the reviewer bundle leaves out and hands over instead.
pub struct EarlierFormats {
    record: fn(&[u8], u32) -> Result<Record, String>,
    state: fn(&[u8], u32) -> Result<State, String>,
    /// Right after the open: moves version 1's records and rewrites what an upgrade from
    /// before version 4 left in earlier formats (`schema`).
    pub(super) bring_up_to_date: super::schema::BringUpToDate,
}

/// Every earlier format this release still reads.
pub static EARLIER_FORMATS: EarlierFormats = EarlierFormats {
    record: |bytes, format| match format {
        JSON => attest_engine::json::from_bytes(bytes).map_err(|e| e.to_string()),
        BINARY => from_binary(bytes),
        RECORD_LAYOUT_WITH_JSON => {
            attest_engine::snapshot::decode_earlier_record(bytes).map_err(|e| e.to_string())
        }
        _ => decode_with_directories(bytes),
    },
    state: |bytes, format| match format {
        JSON => attest_engine::json::from_bytes(bytes).map_err(|e| e.to_string()),
        _ => from_binary(bytes),
    },
    bring_up_to_date: super::schema::bring_up_to_date,
};

/// A stored record in any format (the full app's reader; tests).
pub fn decode_record(bytes: &[u8], format: u32, position: u64) -> Result<Record, StoreError> {
    decode_record_with(bytes, format, position, Some(&EARLIER_FORMATS))
}

/// A stored record; one in an earlier format only with `earlier`, else the page hands
/// over to the full app.
pub(crate) fn decode_record_with(
    bytes: &[u8],
    format: u32,
    position: u64,
    earlier: Option<&EarlierFormats>,
) -> Result<Record, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt {
        what: format!("the record at log position {position} does not read back: {e}"),
    };
    match format {
        RECORD_LAYOUT => {
            attest_engine::snapshot::decode_record(bytes).map_err(|e| corrupt(e.to_string()))
        }
        JSON | BINARY | BINARY_WITH_DIRECTORIES | RECORD_LAYOUT_WITH_JSON => match earlier {
            Some(earlier) => (earlier.record)(bytes, format).map_err(corrupt),
            None => Err(crate::handover::earlier_release(format!(
                "the record at log position {position} is in format {format}"
            ))),
        },
        other => Err(corrupt(format!("unknown format {other}"))),
    }
}

/// `state` in `format`: new snapshots use `SNAPSHOT_FORMAT`; JSON stays writable so tests
/// can prove a snapshot of the first release still loads (format 2's writer is in tests).
pub fn encode_state(state: &State, format: u32) -> Vec<u8> {
    match format {
        JSON => serde_json::to_vec(state).expect("a state always serializes"),
        _ => attest_engine::snapshot::encode(state),
    }
}

/// A stored snapshot in any format (the full app's reader; tests).
pub fn decode_state(bytes: &[u8], format: u32) -> Result<State, StoreError> {
    decode_state_with(bytes, format, Some(&EARLIER_FORMATS))
}

/// A stored snapshot; one in an earlier format only with `earlier` (see `decode_record_with`).
pub(crate) fn decode_state_with(
    bytes: &[u8],
    format: u32,
    earlier: Option<&EarlierFormats>,
) -> Result<State, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt {
        what: format!("the snapshot does not read back: {e}"),
    };
    match format {
        STATE_LAYOUT => attest_engine::snapshot::decode(bytes).map_err(|e| corrupt(e.to_string())),
        JSON | BINARY => match earlier {
            Some(earlier) => (earlier.state)(bytes, format).map_err(corrupt),
            None => Err(crate::handover::earlier_release(format!(
                "the snapshot is in format {format}"
            ))),
        },
        other => Err(corrupt(format!("unknown format {other}"))),
    }
}

/// The label of the integrity check new backups carry, in front of its hex digest.
pub const CHECKSUM_PREFIX: &str = "sha256:";
/// The label of the check backups of earlier releases carry; they still restore.
pub const FNV_CHECKSUM_PREFIX: &str = "fnv1a64:";

/// A backup's integrity check: SHA-256 over every part (a record's JSON text) followed by a
/// newline, as `sha256:<hex>`. Compact JSON holds no raw newline, so moving a byte across a
/// boundary changes the sum.
pub fn checksum(parts: impl IntoIterator<Item = impl AsRef<[u8]>>) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_ref());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .fold(String::from(CHECKSUM_PREFIX), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The check of earlier releases' backups, `fnv1a64:<16 hex digits>` (FNV-1a, 64 bits, with
/// a separator after each part): read so their files still restore, written only by tests.
pub fn fnv_checksum(parts: impl IntoIterator<Item = impl AsRef<[u8]>>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_ref() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{FNV_CHECKSUM_PREFIX}{hash:016x}")
}
