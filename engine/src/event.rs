//! Events: the facts the engine records. The log of `Record`s is the source of truth and
//! the audit evidence; state is their fold. Serialized events are a compatibility promise:
//! change them only by adding a new version and reading the old one.

use crate::tagged::internally_tagged;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::ReviewDefinition;
use crate::directory::Directory;
use crate::instance::{ApplyResult, Decision, DecisionSource, Instance, StageEndReason};
use crate::remediation::{FileDigest, ItemRef};
use crate::Actor;

/// Version written into new records.
pub const RECORD_VERSION: u16 = 1;

/// One accepted command: its events land together or not at all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Format version, for reading older forms.
    pub v: u16,
    /// Unique across browsers (the caller supplies it); applying a record twice is a no-op.
    pub id: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who acted.
    pub actor: Actor,
    /// Why, when the actor gave a reason (stop, apply) — shown in the history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The events, in order.
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One decision on one item.
pub struct ItemDecision {
    /// Index of the item within the instance.
    pub item: u32,
    /// The decision.
    pub decision: Decision,
    /// The reviewer's justification (may be empty).
    pub justification: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// What applying did to one item.
pub struct ItemApplied {
    /// Index of the item within the instance.
    pub item: u32,
    /// What applying did.
    pub result: ApplyResult,
}

internally_tagged! { "type", "DirectoryChange",
    /// A change to the directory caused by applying results or by a scheduled deletion.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum DirectoryChange {
        /// Remove a user from a group.
        RemoveGroupMember {
            /// The group's id.
            group: String,
            /// The user's id.
            user: String,
        },
        /// Remove a user's application assignment.
        RemoveAppAssignment {
            /// The application's id.
            application: String,
            /// The user's id.
            user: String,
        },
        /// Remove a user's role assignment.
        RemoveRoleAssignment {
            /// The role's id.
            role: String,
            /// The user's id.
            user: String,
        },
        /// Remove a user's access package assignment.
        RemovePackageAssignment {
            /// The access package's id.
            package: String,
            /// The user's id.
            user: String,
        },
        /// Block sign-in now; delete the user at `delete_at` (30 days later).
        BlockGuest {
            /// The user's id.
            user: String,
            /// When the blocked guest is deleted.
            delete_at: DateTime<Utc>,
        },
        /// Delete a (blocked guest) user.
        DeleteUser {
            /// The user's id.
            user: String,
        },
    }
}

internally_tagged! { "type", "Event",
    #[derive(Clone, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    /// A fact the engine records.
    pub enum Event {
        /// The directory was imported; it replaces the current one.
        DirectoryImported {
            /// The whole directory; it replaces the current one.
            directory: Box<Directory>,
            /// Where the directory came from (file names, "sample").
            source: String,
        },
        /// A draft was saved.
        DraftSaved {
            /// The review definition.
            definition: Box<ReviewDefinition>,
        },
        /// A draft was deleted.
        DraftDeleted {
            /// Id of the review definition.
            definition: String,
        },
        /// A review was created.
        ReviewCreated {
            /// The review definition.
            definition: Box<ReviewDefinition>,
        },
        /// An occurrence of a review started on one resource, with its snapshot.
        InstanceStarted {
            /// Id of the review instance.
            instance: Box<Instance>,
        },
        /// Decisions were recorded.
        DecisionsRecorded {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// The reviewer's user id.
            reviewer: String,
            /// How it was decided: by the reviewer or by accepting recommendations.
            source: DecisionSource,
            /// The decisions, one per item.
            decisions: Vec<ItemDecision>,
        },
        /// Decisions were reset to none.
        DecisionsReset {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// The reviewer's user id.
            reviewer: String,
            /// Item indices within the instance.
            items: Vec<u32>,
        },
        /// The halfway reminder went to these reviewers (those with undecided items).
        ReminderSent {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// When it happened.
            at: DateTime<Utc>,
            /// User ids of the reviewers.
            reviewers: Vec<String>,
        },
        /// A stage ended.
        StageEnded {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// When it happened.
            at: DateTime<Utc>,
            /// Why the stage ended.
            reason: StageEndReason,
        },
        /// The next stage started with these items (the reviewees going to the next stage).
        StageStarted {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// When it happened.
            at: DateTime<Utc>,
            /// When the stage ends.
            deadline: DateTime<Utc>,
            /// Item indices within the instance.
            items: Vec<u32>,
        },
        /// An instance completed.
        InstanceCompleted {
            /// Id of the review instance.
            instance: String,
            /// When it happened.
            at: DateTime<Utc>,
            /// True when an administrator stopped the review.
            stopped: bool,
        },
        /// Results were applied.
        ResultsApplied {
            /// Id of the review instance.
            instance: String,
            /// When it happened.
            at: DateTime<Utc>,
            /// Per item, what applying did.
            results: Vec<ItemApplied>,
        },
        /// The directory changed (applying results, blocking or deleting a guest).
        DirectoryChanged {
            /// The change.
            change: DirectoryChange,
            /// When it happened.
            at: DateTime<Utc>,
            /// Id of the review instance.
            instance: Option<String>,
        },
        /// No further occurrences of a recurring review will start.
        SeriesEnded {
            /// Id of the review definition.
            definition: String,
            /// When it happened.
            at: DateTime<Utc>,
        },
        /// Denied items given an owner and a due date (remediation).
        RemediationAssigned {
            /// The denied items.
            items: Vec<ItemRef>,
            /// The owner: a directory user id.
            owner: String,
            /// When the work is due.
            due: DateTime<Utc>,
        },
        /// A comment, and optionally a file digest, recorded for a denied item.
        RemediationEvidenceRecorded {
            /// The denied item.
            item: ItemRef,
            /// What was done, in words.
            comment: String,
            /// A file kept as evidence: its name and digest.
            file: Option<FileDigest>,
        },
        /// Removed outside Attest; the next import verifies it.
        RemediationDoneExternally {
            /// The denied items.
            items: Vec<ItemRef>,
            /// What was done, in words.
            comment: String,
        },
        /// An auditor signed off a finished review (`evidence::signoff`); nothing else changes.
        SignedOff {
            /// The review instance.
            instance: String,
            /// Signed off or rejected.
            verdict: crate::evidence::signoff::Verdict,
            /// The auditor's comment.
            comment: String,
        },
        /// Items of a stage went from one reviewer to another (reassignment).
        ItemsReassigned {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// The reviewer who gave them up.
            from: String,
            /// The new reviewer.
            to: String,
            /// Item indices within the instance.
            items: Vec<u32>,
            /// Why.
            reason: String,
        },
        /// A reviewer named a delegate for a date range (it takes effect when the clock reaches
        /// `from`, see `DelegationStarted`). Replaces that reviewer's earlier delegation.
        DelegationSet {
            /// The reviewer who is away.
            reviewer: String,
            /// The delegate.
            delegate: String,
            /// When it starts.
            from: DateTime<Utc>,
            /// When it ends.
            until: DateTime<Utc>,
            /// Why.
            reason: String,
        },
        /// A delegation began: the reviewer's items are the delegate's until it ends.
        DelegationStarted {
            /// The reviewer who is away.
            reviewer: String,
            /// The delegate.
            delegate: String,
            /// When it happened.
            at: DateTime<Utc>,
        },
        /// A delegation ended: the items are the reviewer's again.
        DelegationEnded {
            /// The reviewer who was away.
            reviewer: String,
            /// The delegate.
            delegate: String,
            /// When it happened.
            at: DateTime<Utc>,
        },
        /// After the ladder's Nth reminder, a reviewer's undecided items were escalated: `to`
        /// (their manager or the named person) now reviews them too.
        Escalated {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// When it happened.
            at: DateTime<Utc>,
            /// The reviewer who did not decide.
            reviewer: String,
            /// Who the items were escalated to.
            to: String,
            /// Item indices within the instance.
            items: Vec<u32>,
        },
        /// An administrator worded a message kind (None: back to the default wording).
        NotificationTemplateSet {
            /// Which messages.
            kind: crate::outbox::MessageKind,
            /// The wording in force from now on.
            template: Option<crate::notify::Template>,
        },
        /// A reviewer confirmed a bulk approval the guardrails flag; the decisions follow in
        /// the same record.
        BulkApprovalConfirmed {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// The reviewer's user id.
            reviewer: String,
            /// The flagged approvals: item indices within the instance.
            items: Vec<u32>,
            /// The reviewer's justification for the confirmation.
            justification: String,
        },
        /// The approvals just recorded (same record) hold only until `until`.
        ApprovalTimeBound {
            /// Id of the review instance.
            instance: String,
            /// Stage index (0 is the first stage).
            stage: usize,
            /// Item indices within the instance.
            items: Vec<u32>,
            /// When the approvals end.
            until: DateTime<Utc>,
        },
        /// A time-bound approval reached its date: the access is removed (a `DirectoryChanged`
        /// follows when it is still held directly), or a newer review had certified it.
        TimeBoundApprovalEnded {
            /// Id of the review instance.
            instance: String,
            /// Index of the item within the instance.
            item: u32,
            /// When it happened.
            at: DateTime<Utc>,
            /// The newer instance whose approval keeps the access, if any.
            certified_by: Option<String>,
        },
        /// An occurrence outside the schedule starts: "Run now", or a mover review after an
        /// import showed users' managers or departments changed. The `InstanceStarted` events
        /// of its instances follow in the same record.
        ExtraOccurrenceStarted {
            /// Id of the review definition.
            definition: String,
            /// The series' extra run this is (0-based; part of the instance ids).
            run: u32,
            /// When it happened.
            at: DateTime<Utc>,
            /// Why it runs.
            cause: crate::programme::ExtraCause,
        },
    }
}
