//! How records and snapshots are turned into bytes for IndexedDB and back. One value per
//! engine `Record` (which may carry 100,000 decisions), never one per event: IndexedDB's cost
//! is per value, so few large values are what makes appends and reloads fast.

use attest_engine::{Record, State};

use super::StoreError;

/// Encoding of a snapshot's `data`, stored beside it so a later encoding can read old ones.
pub const SNAPSHOT_FORMAT: u32 = 1;

pub fn encode_record(record: &Record) -> Vec<u8> {
    serde_json::to_vec(record).expect("a record always serializes")
}

pub fn decode_record(bytes: &[u8], position: u64) -> Result<Record, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("the record at log position {position} does not read back: {e}"),
    })
}

pub fn encode_state(state: &State) -> Vec<u8> {
    serde_json::to_vec(state).expect("a state always serializes")
}

pub fn decode_state(bytes: &[u8], format: u32) -> Result<State, StoreError> {
    if format != SNAPSHOT_FORMAT {
        return Err(StoreError::Corrupt {
            what: format!("snapshot format {format} is unknown"),
        });
    }
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("the snapshot does not read back: {e}"),
    })
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
