//! Events: the facts the engine records. The log of `Record`s is the source of truth and
//! the audit evidence; state is their fold. Serialized events are a compatibility promise:
//! change them only by adding a new version and reading the old one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::ReviewDefinition;
use crate::directory::Directory;
use crate::instance::{ApplyResult, Decision, DecisionSource, Instance, StageEndReason};
use crate::Actor;

pub const RECORD_VERSION: u16 = 1;

/// One accepted command: its events land together or not at all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub v: u16,
    /// Unique across browsers (the caller supplies it); applying a record twice is a no-op.
    pub id: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// Why, when the actor gave a reason (stop, apply) — shown in the history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemDecision {
    pub item: u32,
    pub decision: Decision,
    pub justification: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemApplied {
    pub item: u32,
    pub result: ApplyResult,
}

/// A change to the directory caused by applying results or by a scheduled deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DirectoryChange {
    RemoveGroupMember {
        group: String,
        user: String,
    },
    RemoveAppAssignment {
        application: String,
        user: String,
    },
    RemoveRoleAssignment {
        role: String,
        user: String,
    },
    RemovePackageAssignment {
        package: String,
        user: String,
    },
    /// Block sign-in now; delete the user at `delete_at` (30 days later).
    BlockGuest {
        user: String,
        delete_at: DateTime<Utc>,
    },
    DeleteUser {
        user: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    DirectoryImported {
        directory: Box<Directory>,
        source: String,
    },
    DraftSaved {
        definition: Box<ReviewDefinition>,
    },
    DraftDeleted {
        definition: String,
    },
    ReviewCreated {
        definition: Box<ReviewDefinition>,
    },
    /// An occurrence of a review started on one resource, with its snapshot.
    InstanceStarted {
        instance: Box<Instance>,
    },
    DecisionsRecorded {
        instance: String,
        stage: usize,
        reviewer: String,
        source: DecisionSource,
        decisions: Vec<ItemDecision>,
    },
    DecisionsReset {
        instance: String,
        stage: usize,
        reviewer: String,
        items: Vec<u32>,
    },
    /// The halfway reminder went to these reviewers (those with undecided items).
    ReminderSent {
        instance: String,
        stage: usize,
        at: DateTime<Utc>,
        reviewers: Vec<String>,
    },
    StageEnded {
        instance: String,
        stage: usize,
        at: DateTime<Utc>,
        reason: StageEndReason,
    },
    /// The next stage started with these items (the reviewees going to the next stage).
    StageStarted {
        instance: String,
        stage: usize,
        at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        items: Vec<u32>,
    },
    InstanceCompleted {
        instance: String,
        at: DateTime<Utc>,
        stopped: bool,
    },
    ResultsApplied {
        instance: String,
        at: DateTime<Utc>,
        results: Vec<ItemApplied>,
    },
    DirectoryChanged {
        change: DirectoryChange,
        at: DateTime<Utc>,
        instance: Option<String>,
    },
    /// No further occurrences of a recurring review will start.
    SeriesEnded {
        definition: String,
        at: DateTime<Utc>,
    },
    /// An auditor signed off a finished review (`evidence::signoff`); nothing else changes.
    SignedOff {
        instance: String,
        verdict: crate::evidence::signoff::Verdict,
        comment: String,
    },
}
