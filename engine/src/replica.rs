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
