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

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::directory::{Directory, ResourceKind};
use crate::event::{Event, Record};
use crate::instance::{ApplyResult, DecisionItem, Effect, Instance, InstanceStatus, NotSupported};
use crate::limits::{MAX_ID, MAX_JUSTIFICATION, MAX_NAME};
use crate::state::{EngineError, State};
use crate::Actor;

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

/// Why Attest could not apply a denial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
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

/// Every denied item of every applied instance in `log`, in the order they were applied,
/// with its status at `now`. `state` is the fold of `log` (it gives each item's reviewee and
/// resource; instances never change their items after they start).
pub fn remediation(state: &State, log: &[Record], now: DateTime<Utc>) -> Vec<RemediationItem> {
    let mut items: Vec<RemediationItem> = Vec::new();
    let mut index: HashMap<ItemRef, usize> = HashMap::new();
    for record in log {
        for event in &record.events {
            match event {
                Event::ResultsApplied {
                    instance, results, ..
                } => {
                    let Some(inst) = state.instances.get(instance) else {
                        continue;
                    };
                    for r in results {
                        let Some(item) = inst.items.get(r.item as usize) else {
                            continue;
                        };
                        let Some((status, effect, blocker)) = start(&r.result) else {
                            continue;
                        };
                        let at = ItemRef {
                            instance: instance.clone(),
                            item: r.item,
                        };
                        if index.contains_key(&at) {
                            continue;
                        }
                        index.insert(at.clone(), items.len());
                        items.push(new_item(
                            state, inst, item, at, effect, blocker, status, record.at,
                        ));
                    }
                }
                Event::DirectoryImported { directory, source } => {
                    verify(state, &mut items, directory, source, record.at);
                }
                Event::RemediationAssigned {
                    items: refs,
                    owner,
                    due,
                } => {
                    for r in refs {
                        let Some(it) = index.get(r).map(|&i| &mut items[i]) else {
                            continue;
                        };
                        it.task = Some(Task {
                            owner: owner.clone(),
                            due: *due,
                            assigned_at: record.at,
                            assigned_by: record.actor.clone(),
                        });
                        if it.status == Status::CannotBeApplied {
                            step(it, Status::ManualTask, record.at, None);
                        }
                    }
                }
                Event::RemediationEvidenceRecorded {
                    item,
                    comment,
                    file,
                } => {
                    if let Some(it) = index.get(item).map(|&i| &mut items[i]) {
                        it.evidence.push(Evidence {
                            at: record.at,
                            by: record.actor.clone(),
                            comment: comment.clone(),
                            file: file.clone(),
                            done: false,
                        });
                    }
                }
                Event::RemediationDoneExternally {
                    items: refs,
                    comment,
                } => {
                    for r in refs {
                        let Some(it) = index.get(r).map(|&i| &mut items[i]) else {
                            continue;
                        };
                        // Nothing to do for an item already verified removed or awaiting
                        // its import anyway.
                        if matches!(
                            it.status,
                            Status::VerifiedRemoved | Status::Applied | Status::DoneExternally
                        ) {
                            continue;
                        }
                        if !comment.trim().is_empty() {
                            it.evidence.push(Evidence {
                                at: record.at,
                                by: record.actor.clone(),
                                comment: comment.clone(),
                                file: None,
                                done: true,
                            });
                        }
                        step(it, Status::DoneExternally, record.at, None);
                    }
                }
                _ => {}
            }
        }
    }
    for it in &mut items {
        it.status = status_at(it, now);
    }
    items
}

/// The status of an item at `now`: Overdue when it is owned, still waiting on its owner,
/// and its due date has passed.
fn status_at(it: &RemediationItem, now: DateTime<Utc>) -> Status {
    let base = it.base_status();
    let waiting_on_owner = matches!(
        base,
        Status::ManualTask | Status::StillPresent | Status::CameBack | Status::CannotBeApplied
    );
    match &it.task {
        Some(task) if waiting_on_owner && task.due < now => Status::Overdue,
        _ => base,
    }
}

/// The first status of an applied item, or None when the item was not denied.
fn start(result: &ApplyResult) -> Option<(Status, Option<Effect>, Option<Blocker>)> {
    match result {
        ApplyResult::Applied {
            effect: Effect::AccessKept,
        } => None,
        ApplyResult::Applied { effect } => Some((Status::Applied, Some(*effect), None)),
        // The access was already gone when applied: the next import confirms it.
        ApplyResult::ObjectNotFound => Some((Status::Applied, None, None)),
        ApplyResult::NotSupported { reason } => Some((
            Status::CannotBeApplied,
            None,
            Some(Blocker::NotSupported {
                reason: reason.clone(),
            }),
        )),
        ApplyResult::Failed { reason } => Some((
            Status::CannotBeApplied,
            None,
            Some(Blocker::Failed {
                reason: reason.clone(),
            }),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn new_item(
    state: &State,
    inst: &Instance,
    item: &DecisionItem,
    at: ItemRef,
    effect: Option<Effect>,
    blocker: Option<Blocker>,
    status: Status,
    when: DateTime<Utc>,
) -> RemediationItem {
    RemediationItem {
        at,
        review: inst.definition.clone(),
        review_name: state
            .reviews
            .get(&inst.definition)
            .map(|r| r.definition.name.clone())
            .unwrap_or_default(),
        resource_kind: inst.resource.kind,
        resource: inst.resource.id.clone(),
        resource_name: inst.resource.name.clone(),
        user: item.user.clone(),
        user_name: item.user_name.clone(),
        user_principal_name: item.user_principal_name.clone(),
        effect,
        status,
        blocker,
        task: None,
        evidence: Vec::new(),
        steps: vec![Step {
            at: when,
            status,
            import: None,
        }],
    }
}

fn step(it: &mut RemediationItem, status: Status, at: DateTime<Utc>, import: Option<&str>) {
    it.status = status;
    it.steps.push(Step {
        at,
        status,
        import: import.map(str::to_string),
    });
}

/// An import is the directory as it really is: each tracked item whose access it no longer
/// shows is verified removed; one whose access it shows is still present (never verified
/// yet) or came back (verified before). Items waiting on their owner stay as they are when
/// the access is still there.
fn verify(
    state: &State,
    items: &mut [RemediationItem],
    dir: &Directory,
    source: &str,
    at: DateTime<Utc>,
) {
    // Read every item first, then change them: the cache borrows the items' resource ids.
    let mut holders = HolderCache::new();
    let present: Vec<bool> = items
        .iter()
        .map(|it| has_access(state, dir, it, &mut holders))
        .collect();
    for (it, present) in items.iter_mut().zip(present) {
        let current = it.status;
        let next = match (present, current) {
            (false, Status::VerifiedRemoved) => None,
            (false, _) => Some(Status::VerifiedRemoved),
            (true, Status::VerifiedRemoved) => Some(Status::CameBack),
            (true, Status::Applied | Status::DoneExternally) => Some(Status::StillPresent),
            (true, _) => None,
        };
        if let Some(next) = next {
            step(it, next, at, Some(source));
        }
    }
}

/// Holders of each (resource, transitive) in one imported directory: computed once per
/// resource, not once per item.
type HolderCache<'a> = HashMap<(ResourceKind, &'a str, bool), HashSet<String>>;

/// Whether `dir` still gives the item's user the access that was denied: for a blocked
/// guest, an enabled account; otherwise the user among the resource's holders (through
/// nested groups too when the review looked at them; for roles, an active assignment in
/// place of a denied eligible one is still the role).
fn has_access<'a>(
    state: &State,
    dir: &Directory,
    it: &'a RemediationItem,
    cache: &mut HolderCache<'a>,
) -> bool {
    if it.effect == Some(Effect::GuestBlocked) {
        return dir.users.get(&it.user).is_some_and(|u| u.account_enabled);
    }
    let inst = state.instances.get(&it.at.instance);
    let transitive = inst
        .and_then(|i| state.reviews.get(&i.definition))
        .is_some_and(|r| r.definition.scope.transitive);
    let set = cache
        .entry((it.resource_kind, it.resource.as_str(), transitive))
        .or_insert_with(|| {
            dir.access_holders(it.resource_kind, &it.resource, transitive)
                .into_iter()
                .map(|a| a.user)
                .collect()
        });
    set.contains(&it.user)
}

/// Check a remediation command; the events it records. Administrators only: they own the
/// follow-up of the reviews they applied.
pub fn decide(
    state: &State,
    cmd: &Command,
    actor: &Actor,
    _now: DateTime<Utc>,
) -> Result<Vec<Event>, EngineError> {
    if !actor.is_administrator() {
        return Err(EngineError::AdministratorOnly {
            action: "follow up the remediation of denied access",
        });
    }
    match cmd {
        Command::AssignRemediation { items, owner, due } => {
            check_items(state, items)?;
            if !state.directory.users.contains_key(owner) {
                return Err(EngineError::NotFound {
                    what: "owner (directory user)",
                    id: owner.clone(),
                });
            }
            Ok(vec![Event::RemediationAssigned {
                items: items.clone(),
                owner: owner.clone(),
                due: *due,
            }])
        }
        Command::RecordRemediationEvidence {
            item,
            comment,
            file,
        } => {
            check_items(state, std::slice::from_ref(item))?;
            if comment.trim().is_empty() {
                return Err(EngineError::InvalidRemediation {
                    problem: "evidence needs a comment saying what was done".into(),
                });
            }
            if let Some(f) = file {
                check_digest(f)?;
            }
            Ok(vec![Event::RemediationEvidenceRecorded {
                item: item.clone(),
                comment: comment.trim().to_string(),
                file: file.clone(),
            }])
        }
        Command::MarkRemediationDone { items, comment } => {
            check_items(state, items)?;
            Ok(vec![Event::RemediationDoneExternally {
                items: items.clone(),
                comment: comment.trim().to_string(),
            }])
        }
        _ => Ok(vec![]),
    }
}

/// Every item must be a denial of an applied instance.
fn check_items(state: &State, items: &[ItemRef]) -> Result<(), EngineError> {
    if items.is_empty() {
        return Err(EngineError::InvalidRemediation {
            problem: "select at least one item".into(),
        });
    }
    for r in items {
        let inst = state.instance(&r.instance)?;
        if inst.status != InstanceStatus::Applied {
            return Err(EngineError::WrongStatus {
                status: "not applied",
                action: "remediation follows Apply results",
            });
        }
        let item = inst
            .items
            .get(r.item as usize)
            .ok_or_else(|| EngineError::NotFound {
                what: "reviewee",
                id: format!("{} item {}", r.instance, r.item),
            })?;
        let denied = item
            .apply_result
            .as_ref()
            .is_some_and(|res| start(res).is_some());
        if !denied {
            return Err(EngineError::InvalidRemediation {
                problem: format!(
                    "{}'s access was kept: there is nothing to remove",
                    item.user_name
                ),
            });
        }
    }
    Ok(())
}

fn check_digest(f: &FileDigest) -> Result<(), EngineError> {
    if f.name.trim().is_empty() {
        return Err(EngineError::InvalidRemediation {
            problem: "the evidence file needs a name".into(),
        });
    }
    let hex = f.sha256.len() == 64
        && f.sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex {
        return Err(EngineError::InvalidRemediation {
            problem: format!(
                "the digest of \"{}\" is not a SHA-256 in lower-case hex (64 characters)",
                f.name
            ),
        });
    }
    Ok(())
}

fn cap(what: &str, text: &str, max: usize) -> Result<(), EngineError> {
    if text.len() > max && text.chars().count() > max {
        return Err(EngineError::TooLong {
            what: what.to_string(),
            max,
        });
    }
    Ok(())
}

/// Caps on the texts a remediation command carries (see `limits`).
pub fn check_limits(cmd: &Command) -> Result<(), EngineError> {
    let refs = |items: &[ItemRef]| {
        items
            .iter()
            .try_for_each(|r| cap("the review instance id", &r.instance, MAX_ID))
    };
    match cmd {
        Command::AssignRemediation { items, owner, .. } => {
            refs(items)?;
            cap("the owner's id", owner, MAX_ID)
        }
        Command::RecordRemediationEvidence {
            item,
            comment,
            file,
        } => {
            refs(std::slice::from_ref(item))?;
            cap("the evidence comment", comment, MAX_JUSTIFICATION)?;
            match file {
                Some(f) => cap("the evidence file name", &f.name, MAX_NAME),
                None => Ok(()),
            }
        }
        Command::MarkRemediationDone { items, comment } => {
            refs(items)?;
            cap("the comment", comment, MAX_JUSTIFICATION)
        }
        _ => Ok(()),
    }
}

/// The command a remediation event records (for re-checking a record from a sync peer).
pub fn command_of(event: &Event) -> Option<Command> {
    Some(match event {
        Event::RemediationAssigned { items, owner, due } => Command::AssignRemediation {
            items: items.clone(),
            owner: owner.clone(),
            due: *due,
        },
        Event::RemediationEvidenceRecorded {
            item,
            comment,
            file,
        } => Command::RecordRemediationEvidence {
            item: item.clone(),
            comment: comment.clone(),
            file: file.clone(),
        },
        Event::RemediationDoneExternally { items, comment } => Command::MarkRemediationDone {
            items: items.clone(),
            comment: comment.clone(),
        },
        _ => return None,
    })
}

/// The history rows of a remediation event: (item, action, details).
pub fn audit_entries(state: &State, event: &Event) -> Vec<(ItemRef, &'static str, String)> {
    match event {
        Event::RemediationAssigned { items, owner, due } => items
            .iter()
            .map(|r| {
                (
                    r.clone(),
                    "Remediation assigned",
                    format!(
                        "to {}, due {}",
                        state.directory.display_name(owner),
                        crate::evidence::timestamp(*due)
                    ),
                )
            })
            .collect(),
        Event::RemediationEvidenceRecorded {
            item,
            comment,
            file,
        } => vec![(
            item.clone(),
            "Remediation evidence",
            match file {
                Some(f) => format!("{comment} (file {} sha256 {})", f.name, f.sha256),
                None => comment.clone(),
            },
        )],
        Event::RemediationDoneExternally { items, comment } => items
            .iter()
            .map(|r| (r.clone(), "Remediation done externally", comment.clone()))
            .collect(),
        _ => Vec::new(),
    }
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

/// Columns of the remediation CSV export.
pub const CSV_COLUMNS: [&str; 13] = [
    "ReviewId",
    "ReviewName",
    "AccessReviewInstanceId",
    "ResourceType",
    "ResourceName",
    "PrincipalId",
    "PrincipalName",
    "UserPrincipalName",
    "Status",
    "Reason",
    "Owner",
    "DueDateTime",
    "Evidence",
];

/// `items` as UTF-8 CSV (one row each), for the Remediation screen's export.
pub fn csv(state: &State, items: &[RemediationItem]) -> String {
    use crate::evidence::{cell, timestamp};
    use crate::import::csv_field;
    let dir = &state.directory;
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for it in items {
        let evidence = it
            .evidence
            .iter()
            .map(|e| match &e.file {
                Some(f) => format!("{} [{} sha256:{}]", e.comment, f.name, f.sha256),
                None => e.comment.clone(),
            })
            .collect::<Vec<_>>()
            .join(" | ");
        let row = [
            it.review.clone(),
            it.review_name.clone(),
            it.at.instance.clone(),
            it.resource_kind.label().to_string(),
            it.resource_name.clone(),
            it.user.clone(),
            it.user_name.clone(),
            it.user_principal_name.clone(),
            it.status.label().to_string(),
            it.blocker.as_ref().map(|b| b.text(dir)).unwrap_or_default(),
            it.task
                .as_ref()
                .map(|t| dir.display_name(&t.owner).to_string())
                .unwrap_or_default(),
            it.task
                .as_ref()
                .map(|t| timestamp(t.due))
                .unwrap_or_default(),
            evidence,
        ];
        let fields: Vec<String> = row.iter().map(|c| csv_field(&cell(c))).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}
