//! A replica of the record log (a browser tab, an app instance) and the one rule by which it
//! writes: a command is decided on the state folded up to a log position, and its record is
//! appended only while the log is still at that position. When another writer got there
//! first, the replica folds what it missed, in log order, and decides again — so a record
//! is always valid at the position it lands at (no decision after "Stop current stage").
//!
//! The browser's IndexedDB store answers `append_at` inside one readwrite transaction;
//! [`MemoryLog`] answers it the same way for tests.

use crate::event::Record;
use crate::state::{apply_owned, State};

/// A record with its position in the log: positions increase along the log (gaps allowed,
/// e.g. after an aborted write).
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    /// Position in the log.
    pub position: u64,
    /// Id of the record.
    pub record: Record,
}

/// What the log answered to an append attempted at a position.
#[derive(Clone, Debug, PartialEq)]
pub enum Appended {
    /// Stored, at this position.
    At(u64),
    /// Not stored: the log had moved on. These are the records after the position the
    /// command was decided at, in log order; fold them and decide again.
    Behind(Vec<Logged>),
}

/// A state and the log position it is the fold of.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replica {
    /// The folded state.
    pub state: State,
    /// Position in the log.
    pub position: u64,
}

impl Replica {
    /// Folds `entries` (read from the log after some position, in log order) and returns the
    /// ones that were new here; entries at or before this replica's position are already in.
    pub fn fold(&mut self, entries: Vec<Logged>) -> Vec<Logged> {
        let fresh = unseen(self.position, entries);
        for entry in &fresh {
            apply_owned(&mut self.state, entry.record.clone());
            self.position = entry.position;
        }
        fresh
    }
}

/// The entries after `position`, in order: what a replica at `position` has not folded yet.
pub fn unseen(position: u64, entries: Vec<Logged>) -> Vec<Logged> {
    let mut last = position;
    entries
        .into_iter()
        .filter(|e| {
            let new = e.position > last;
            last = last.max(e.position);
            new
        })
        .collect()
}

/// The log held in memory, with the same append rule as the browser's store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryLog {
    /// The log entries.
    pub entries: Vec<Logged>,
}

impl MemoryLog {
    /// The position of the last record (0 when empty).
    pub fn position(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.position)
    }

    /// Every record after `position`, in order.
    pub fn after(&self, position: u64) -> Vec<Logged> {
        self.entries
            .iter()
            .filter(|e| e.position > position)
            .cloned()
            .collect()
    }

    /// Appends `record` only if nothing was appended after `decided_at`.
    pub fn append_at(&mut self, record: Record, decided_at: u64) -> Appended {
        let missed = self.after(decided_at);
        if !missed.is_empty() {
            return Appended::Behind(missed);
        }
        let position = self.position() + 1;
        self.entries.push(Logged { position, record });
        Appended::At(position)
    }

    /// Appends `record` wherever the log is (records accepted elsewhere, e.g. by the server).
    pub fn append(&mut self, record: Record) -> u64 {
        let position = self.position() + 1;
        self.entries.push(Logged { position, record });
        position
    }
}

/// A local record that did not survive a rebase, and why (shown to the person).
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    /// The record's id.
    pub id: String,
    /// The engine's reason (or the server's, for a record it refused).
    pub reason: String,
}

/// What a replica's unsent tail becomes behind records the server ordered first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rebased {
    /// The new tail: first the `confirmed` pulled records in server order, then the local
    /// records still valid on top of them, each with the events decided there.
    pub records: Vec<Record>,
    /// How many of `records` are the server's (confirmed).
    pub confirmed: usize,
    /// Local records no longer valid (or refused by the server), in their old order.
    pub dropped: Vec<Dropped>,
    /// `state` (the fold of the confirmed prefix) with `records` folded in.
    pub state: State,
}

/// Two records of one id say the same (the server may have stamped its own time).
fn same_content(a: &Record, b: &Record) -> bool {
    a.actor == b.actor && a.reason == b.reason && a.events == b.events
}

/// Whether a record stays on this replica only: the clock's (the server's own clock
/// decides; a client's are ignored there) are dropped by a rebase and made again locally.
fn local_clock(record: &Record) -> bool {
    record.actor == crate::Actor::System
}

/// Server order wins: `state` is the fold of the replica's confirmed prefix (the records
/// the server acknowledged, in its order), `pulled` the server's records after it, in its
/// order, and `pending` the replica's unsent records after the prefix, in local order.
/// The pulled records go first; each pending record is then decided again on the state
/// in front of it (`replay_check::recheck`) and kept with the events decided there, or
/// dropped with the engine's reason. `refused` lists records the server refused, with its
/// reason: they are dropped as they are. A pending record the server already holds (same
/// id) is the pulled one, whatever the server stamped on it.
pub fn rebase(
    mut state: State,
    pulled: Vec<Record>,
    pending: Vec<Record>,
    refused: &[Dropped],
) -> Rebased {
    let mut records = Vec::with_capacity(pulled.len() + pending.len());
    let mut from_server = std::collections::BTreeSet::new();
    for record in pulled {
        if state.applied_records.contains(&record.id) {
            continue;
        }
        from_server.insert(record.id.clone());
        apply_owned(&mut state, record.clone());
        records.push(record);
    }
    let confirmed = records.len();
    let mut dropped = Vec::new();
    for mut record in pending {
        if let Some(why) = refused.iter().find(|d| d.id == record.id) {
            dropped.push(why.clone());
            continue;
        }
        // Ids are random per browser: the server's record of this id is this change as the
        // server stored it (its clock stamps time-bound ones again). Its version wins.
        if from_server.contains(&record.id) {
            continue;
        }
        if local_clock(&record) || state.applied_records.contains(&record.id) {
            continue;
        }
        match crate::replay_check::recheck(&state, &record) {
            Ok(events) if !events.is_empty() => {
                record.events = events;
                apply_owned(&mut state, record.clone());
                records.push(record);
            }
            // Nothing left to do (e.g. the same decision is already there): nothing to keep.
            Ok(_) => {}
            Err(e) => dropped.push(Dropped {
                id: record.id,
                reason: e.to_string(),
            }),
        }
    }
    Rebased {
        records,
        confirmed,
        dropped,
        state,
    }
}

/// How many records at the start of `pending` are exactly `pulled` (same ids and events,
/// same order): when that is all of `pulled`, the server put them where they already are
/// and nothing needs rewriting. None otherwise.
pub fn already_in_order(pending: &[Record], pulled: &[Record]) -> Option<usize> {
    (pulled.len() <= pending.len()
        && pending
            .iter()
            .zip(pulled)
            .all(|(a, b)| a.id == b.id && same_content(a, b)))
    .then_some(pulled.len())
}
