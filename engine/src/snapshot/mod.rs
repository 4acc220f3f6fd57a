//! The compact form of a whole `State`, for snapshots: what a cold start reads.
//!
//! A snapshot of a finished review of 100,000 reviewees holds about two million strings and
//! a million timestamps. Through a generic self-describing format (serde) every struct field
//! is found by name, every tagged enum is buffered and re-read, and every timestamp is text
//! to parse again. Here the bulk — users, groups, applications, roles, packages, and each
//! instance's items and reviewer sets — is written field by field in a fixed order: varint
//! numbers, length-prefixed UTF-8, timestamps as seconds + nanoseconds, enums as one byte.
//! The small, rarely read parts (definitions, drafts, an instance's stages) stay JSON inside.
//!
//! Every struct is destructured exhaustively when written, so a field added to the engine
//! without being added here is a compile error, not a snapshot that silently drops it.
//! Decoding never panics: damaged bytes give a `SnapshotError` saying where.

use std::collections::BTreeSet;

use crate::directory::Directory;
use crate::state::State;

use bytes::{Damaged, Reader, Writer};

mod bytes;
mod directory;
mod event;
mod instance;
mod page;
mod record;

pub use page::{decode_reviewer_page, encode_reviewer_page, REVIEWER_PAGE_TYPE};
pub use record::{decode_earlier_record, decode_record, encode_record, same_events};

/// The first bytes of every snapshot, and the layout version after them.
const MAGIC: &[u8; 4] = b"ATSN";
/// The first bytes of a directory on its own (an imported directory inside a stored record).
const DIRECTORY_MAGIC: &[u8; 4] = b"ATDR";
/// Layout 2 adds each instance's outcome rule after its small parts; layout 1 (earlier
/// releases) is still read, its instances with the rule they ran under. Layout 3 adds the
/// delegations (JSON) at the end; earlier layouts read as having none. Layout 4 adds, after
/// them and all as JSON: the notification templates, the time-bound approvals, when the
/// directory was last imported, the directory's grant dates and each instance's delta-mode
/// record (`Instance::since_last`); earlier layouts read as having none.
const VERSION: u32 = 4;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the snapshot is damaged at byte {at}: {what}")]
pub struct SnapshotError {
    pub at: usize,
    pub what: String,
}

/// The bytes of `state`.
pub fn encode(state: &State) -> Vec<u8> {
    encode_layout(state, VERSION)
}

fn encode_layout(state: &State, layout: u32) -> Vec<u8> {
    let State {
        directory,
        drafts,
        reviews,
        instances,
        pending_deletions,
        applied_records,
        delegations,
        notification_templates,
        time_bound,
        directory_imported,
    } = state;
    let mut w = Writer {
        out: Vec::with_capacity(1 << 20),
        layout,
    };
    w.out.extend_from_slice(MAGIC);
    w.uint(u64::from(layout));
    w.directory(directory);
    w.json(drafts);
    w.json(reviews);
    w.uint(instances.len() as u64);
    for instance in instances.values() {
        w.instance(instance);
    }
    w.uint(pending_deletions.len() as u64);
    for (user, at) in pending_deletions {
        w.str(user);
        w.time(at);
    }
    w.uint(applied_records.len() as u64);
    for id in applied_records {
        w.str(id);
    }
    if layout >= 3 {
        w.json(delegations);
    }
    // Layout 4 (issues 24, 25, 26): the administrator's notification templates, the
    // approvals until a date, when the directory was last imported, the grant dates and the
    // delta-mode records, all JSON, in this order.
    if layout >= 4 {
        w.json(notification_templates);
        w.json(time_bound);
        w.json(directory_imported);
        w.json(&directory.granted);
        let since_last: Vec<(&String, &crate::context::SinceLast)> = instances
            .values()
            .filter(|i| !i.since_last.is_empty())
            .map(|i| (&i.id, &i.since_last))
            .collect();
        w.json(&since_last);
    }
    w.out
}

/// The bytes of a directory alone, in the same layout: what an import record carries.
pub fn encode_directory(directory: &Directory) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(1 << 20),
        layout: VERSION,
    };
    w.out.extend_from_slice(DIRECTORY_MAGIC);
    w.uint(u64::from(VERSION));
    w.directory(directory);
    // Layout 4: the grant dates after the directory.
    w.json(&directory.granted);
    w.out
}

/// The directory `bytes` written by [`encode_directory`] hold.
pub fn decode_directory(bytes: &[u8]) -> Result<Directory, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_directory(&mut r);
    r.finish(read)
}

fn read_directory(r: &mut Reader) -> Result<Directory, Damaged> {
    r.header(DIRECTORY_MAGIC, "not an Attest directory")?;
    let mut directory = r.directory()?;
    if r.version >= 4 {
        directory.granted = r.json()?;
    }
    if r.pos != r.bytes.len() {
        return Err(r.error("bytes left over after the directory"));
    }
    Ok(directory)
}

/// The state `bytes` hold, or where and why they cannot be read.
pub fn decode(bytes: &[u8]) -> Result<State, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_state(&mut r);
    r.finish(read)
}

fn read_state(r: &mut Reader) -> Result<State, Damaged> {
    r.header(MAGIC, "not an Attest snapshot")?;
    let mut directory = r.directory()?;
    let drafts = r.json()?;
    let reviews = r.json()?;
    let mut instances: std::collections::BTreeMap<String, crate::instance::Instance> =
        r.map(|r| {
            let instance = r.instance()?;
            Ok((instance.id.clone(), instance))
        })?;
    let pending_deletions = r.map(|r| Ok((r.string()?, r.time()?)))?;
    let count = r.len()?;
    let mut applied_records = Vec::with_capacity(count);
    for _ in 0..count {
        applied_records.push(r.string()?);
    }
    let delegations = if r.version >= 3 {
        r.json()?
    } else {
        Default::default()
    };
    // Layout 4 (issues 24, 25): the administrator's notification templates, then the
    // time-bound approvals; earlier layouts have none.
    let notification_templates = if r.version >= 4 {
        r.json()?
    } else {
        Default::default()
    };
    let time_bound = if r.version >= 4 {
        r.json()?
    } else {
        Default::default()
    };
    let directory_imported = if r.version >= 4 { r.json()? } else { None };
    // Layout 4, continued (issue 25): grant dates and delta-mode records.
    if r.version >= 4 {
        directory.granted = r.json()?;
        let since_last: Vec<(String, crate::context::SinceLast)> = r.json()?;
        for (id, since) in since_last {
            match instances.get_mut(&id) {
                Some(inst) => inst.since_last = since,
                None => return Err(r.error(format!("delta record of unknown instance {id}"))),
            }
        }
    }
    if r.pos != r.bytes.len() {
        return Err(r.error("bytes left over after the state"));
    }
    Ok(State {
        directory,
        drafts,
        reviews,
        instances,
        pending_deletions,
        applied_records: BTreeSet::from_iter(applied_records),
        delegations,
        notification_templates,
        time_bound,
        directory_imported,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{Instance, OutcomeRule};

    /// A snapshot of an earlier release (layout 1) still reads, and its instances keep the
    /// rule they ran under; the current layout keeps whichever rule an instance has.
    #[test]
    fn layout_1_reads_with_the_rule_of_its_release() {
        let mut state = State::default();
        let mut inst: Instance = serde_json::from_value(serde_json::json!({
            "id": "r~0~g", "definition": "r", "occurrence": 0,
            "resource": {"kind": "Group", "id": "g", "name": "G"},
            "status": "InProgress", "stopped": false, "started": "2026-11-01T00:00:00Z",
            "completed": null, "stages": [], "currentStage": 0, "items": [],
            "reviewerSets": [], "applied": null
        }))
        .expect("an instance of an earlier release");
        assert_eq!(inst.outcome_rule, OutcomeRule::CarriedOver, "serde default");
        state.instances.insert(inst.id.clone(), inst.clone());
        let old = decode(&encode_layout(&state, 1)).expect("layout 1 reads");
        assert_eq!(
            old.instances["r~0~g"].outcome_rule,
            OutcomeRule::CarriedOver
        );
        for rule in [OutcomeRule::StageDecision, OutcomeRule::CarriedOver] {
            inst.outcome_rule = rule;
            state.instances.insert(inst.id.clone(), inst.clone());
            let now = decode(&encode(&state)).expect("layout 2 reads");
            assert_eq!(now.instances["r~0~g"].outcome_rule, rule);
        }
    }
}
