//! Closed-loop remediation: what became of every denied item after Apply results, derived
//! from the log alone (like the outbox). A removal is verified by the next directory import
//! that no longer shows the access; access that is still there, or there again after being
//! verified gone, reopens the item. Denials Attest cannot apply (dynamic, on-premises,
//! nested, group-assigned) become manual tasks with an owner, a due date and evidence, which
//! an administrator marks done externally and the next import verifies like the others.
//!
//! The commands here (`AssignRemediation`, `RecordRemediationEvidence`,
//! `MarkRemediationDone`) are decided by [`decide`]; they change nothing in `State`, so the
//! status is [`remediation`]`(state, log, now)`, a fold of the records.
//!
//! Here: the item types and dashboard counts; `status.rs` the fold (`remediation`),
//! `commands.rs` the commands' checks (`decide`), `export.rs` the CSV export.

use crate::tagged::internally_tagged;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::{Directory, ResourceKind};
use crate::instance::{Effect, NotSupported};
use crate::Actor;

mod commands;
mod export;
mod status;

pub use commands::{audit_entries, check_limits, command_of, decide};
pub use export::{csv, CSV_COLUMNS};
pub use status::remediation;

/// One reviewee of one instance: what a remediation command is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemRef {
    /// The review instance.
    pub instance: String,
    /// The item number within the instance.
    pub item: u32,
}

/// A file attached as evidence: only its name and SHA-256 digest are recorded (the file
/// stays with the administrator; anyone can check it against the digest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDigest {
    /// The file name as given.
    pub name: String,
    /// Lower-case hex SHA-256 of the file's bytes, as `sha256sum` prints it.
    pub sha256: String,
}

/// Where a denied item stands. See the module documentation for the transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Status {
    /// Removed by Apply results; no directory import since to confirm it.
    Applied,
    /// An import after the removal no longer shows the access. The item is closed.
    VerifiedRemoved,
    /// The first import after the removal (or after "done externally") still shows it.
    StillPresent,
    /// Verified gone once, then an import showed the access again.
    CameBack,
    /// Attest cannot remove it (the reason is on the item) and nobody owns it yet.
    CannotBeApplied,
    /// Someone owns removing it by hand.
    ManualTask,
    /// Marked done outside Attest; the next import verifies it.
    DoneExternally,
    /// Owned, open, and its due date has passed.
    Overdue,
}

impl Status {
    /// Every status, in the order the screen lists them.
    pub const ALL: [Status; 8] = [
        Status::Applied,
        Status::VerifiedRemoved,
        Status::StillPresent,
        Status::CameBack,
        Status::CannotBeApplied,
        Status::ManualTask,
        Status::DoneExternally,
        Status::Overdue,
    ];

    /// The words on screen and in exports.
    pub fn label(self) -> &'static str {
        match self {
            Status::Applied => "Applied, awaiting import",
            Status::VerifiedRemoved => "Verified removed",
            Status::StillPresent => "Still present",
            Status::CameBack => "Came back",
            Status::CannotBeApplied => "Cannot be applied",
            Status::ManualTask => "Manual task",
            Status::DoneExternally => "Done externally, awaiting import",
            Status::Overdue => "Overdue",
        }
    }

    /// Everything but a verified removal still needs someone (or an import).
    pub fn is_open(self) -> bool {
        self != Status::VerifiedRemoved
    }

    /// The access was seen in the directory after it should have gone: the administrator
    /// is told (dashboard, Remediation screen).
    pub fn reopened(self) -> bool {
        matches!(self, Status::StillPresent | Status::CameBack)
    }
}

internally_tagged! { "type", "Blocker",
    /// Why Attest could not apply a denial.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum Blocker {
        /// Attest does not change this kind of access (dynamic, on-premises, nested, group-assigned).
        NotSupported {
            /// Which kind.
            reason: NotSupported,
        },
        /// Applying failed, with the reason.
        Failed {
            /// What went wrong.
            reason: String,
        },
    }
}

impl Blocker {
    /// The reason in words, naming groups from the directory.
    pub fn text(&self, dir: &Directory) -> String {
        match self {
            Blocker::NotSupported { reason } => reason.reason(dir),
            Blocker::Failed { reason } => format!("applying failed: {reason}"),
        }
    }
}

/// Who removes an item by hand, and by when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// A directory user id.
    pub owner: String,
    /// When the work is due.
    pub due: DateTime<Utc>,
    /// When the task was assigned.
    pub assigned_at: DateTime<Utc>,
    /// Who assigned it.
    pub assigned_by: Actor,
}

/// A comment (and optionally a file's digest) recorded for an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub by: Actor,
    /// The comment.
    pub comment: String,
    /// A file kept as evidence, if any.
    pub file: Option<FileDigest>,
    /// Recorded when the item was marked done externally.
    pub done: bool,
}

/// One status an item went through, and when (the record's time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// When the item reached this status.
    pub at: DateTime<Utc>,
    /// The status reached.
    pub status: Status,
    /// The import (its source) that caused the step, if one did.
    pub import: Option<String>,
}

/// A denied item and where its removal stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemediationItem {
    /// The item.
    pub at: ItemRef,
    /// The review definition id.
    pub review: String,
    /// The review's name.
    pub review_name: String,
    /// The kind of resource.
    pub resource_kind: ResourceKind,
    /// The resource id.
    pub resource: String,
    /// The resource's display name.
    pub resource_name: String,
    /// The reviewee's user id.
    pub user: String,
    /// The reviewee's display name.
    pub user_name: String,
    /// The reviewee's sign-in name.
    pub user_principal_name: String,
    /// What Apply results did (a guest blocked rather than the access removed).
    pub effect: Option<Effect>,
    /// Where the removal stands now (Overdue read at `now`).
    pub status: Status,
    /// Why Attest could not apply it, if it could not.
    pub blocker: Option<Blocker>,
    /// The manual task, once assigned.
    pub task: Option<Task>,
    /// Comments and file digests recorded, oldest first.
    pub evidence: Vec<Evidence>,
    /// Every status the item went through, oldest first (Overdue is not a step: it is read
    /// at `now`).
    pub steps: Vec<Step>,
}

impl RemediationItem {
    /// The status before "Overdue" was read at `now`.
    fn base_status(&self) -> Status {
        self.steps.last().map_or(self.status, |s| s.status)
    }
}

/// Counts for the dashboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Items not yet verified removed.
    pub open: usize,
    /// Items whose task is past its due date.
    pub overdue: usize,
    /// Items whose access came back after it was verified gone.
    pub came_back: usize,
    /// Items still present at the first import after removal.
    pub still_present: usize,
}

/// The dashboard counts of `items`.
pub fn counts(items: &[RemediationItem]) -> Counts {
    let mut c = Counts::default();
    for it in items {
        c.open += usize::from(it.status.is_open());
        c.overdue += usize::from(it.status == Status::Overdue);
        c.came_back += usize::from(it.base_status() == Status::CameBack);
        c.still_present += usize::from(it.base_status() == Status::StillPresent);
    }
    c
}

/// Items of `all` keyed by reference, for screens that look one up.
pub fn by_ref(all: &[RemediationItem]) -> BTreeMap<ItemRef, &RemediationItem> {
    all.iter().map(|it| (it.at.clone(), it)).collect()
}

/// The digest of an evidence file, as [`FileDigest`] records it.
pub fn file_digest(name: &str, bytes: &[u8]) -> FileDigest {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let sha256 = Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
    FileDigest {
        name: name.to_string(),
        sha256,
    }
}
