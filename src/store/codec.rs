//! How records and snapshots are turned into bytes for IndexedDB and back. One value per
//! engine `Record` (which may carry 100,000 decisions), never one per event: IndexedDB's cost
//! is per value, so few large values are what makes appends and reloads fast.

use attest_engine::{Record, State};

use super::StoreError;

/// How a stored `data` is encoded; stored beside it so newer code reads older values.
/// 1: JSON text (the first IndexedDB release). 2: the compact binary form of `binary`.
/// 3 (snapshots only): the engine's own state layout, `attest_engine::snapshot`, which
/// reads a 100,000-reviewee state about four times faster than 2.
pub const JSON: u32 = 1;
pub const BINARY: u32 = 2;
pub const STATE_LAYOUT: u32 = 3;
/// What new log values and snapshots are written in.
pub const RECORD_FORMAT: u32 = BINARY;
pub const SNAPSHOT_FORMAT: u32 = STATE_LAYOUT;

pub fn encode_record(record: &Record) -> Vec<u8> {
    super::binary::to_bytes(record).expect("a record always serializes")
}

/// The JSON text of a record: what backups hold, and what their checksum covers.
pub fn record_json(record: &Record) -> Vec<u8> {
    serde_json::to_vec(record).expect("a record always serializes")
}

pub fn decode_record(bytes: &[u8], format: u32, position: u64) -> Result<Record, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt {
        what: format!("the record at log position {position} does not read back: {e}"),
    };
    match format {
        JSON => serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string())),
        BINARY => super::binary::from_bytes(bytes).map_err(|e| corrupt(e.to_string())),
        other => Err(corrupt(format!("unknown format {other}"))),
    }
}

/// `state` in `format` (new snapshots use `SNAPSHOT_FORMAT`; the older formats stay
/// writable so tests can prove a snapshot from an earlier release still loads).
pub fn encode_state(state: &State, format: u32) -> Vec<u8> {
    match format {
        JSON => serde_json::to_vec(state).expect("a state always serializes"),
        BINARY => super::binary::to_bytes(state).expect("a state always serializes"),
        _ => attest_engine::snapshot::encode(state),
    }
}

pub fn decode_state(bytes: &[u8], format: u32) -> Result<State, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt {
        what: format!("the snapshot does not read back: {e}"),
    };
    match format {
        JSON => serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string())),
        BINARY => super::binary::from_bytes(bytes).map_err(|e| corrupt(e.to_string())),
        STATE_LAYOUT => attest_engine::snapshot::decode(bytes).map_err(|e| corrupt(e.to_string())),
        other => Err(corrupt(format!("unknown format {other}"))),
    }
}

/// FNV-1a, 64 bits: detects a damaged or edited backup file (not an attacker).
pub fn checksum(parts: impl IntoIterator<Item = impl AsRef<[u8]>>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_ref() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separate parts so that moving a byte across a boundary changes the sum.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
