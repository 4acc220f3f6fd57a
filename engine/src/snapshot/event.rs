//! Each event in the record layout (`record.rs`): a one-byte code, then its fields with
//! the snapshot primitives, the bulk ones (imports, instances) in the snapshot's own
//! directory and instance layouts. Writer and reader of every event side by side.

use crate::event::{DirectoryChange, Event, ItemApplied, ItemDecision};
use crate::evidence::signoff::Verdict;
use crate::instance::{DecisionSource, StageEndReason};
use crate::programme::ExtraCause;
use crate::remediation::{FileDigest, ItemRef};

use super::bytes::{Damaged, Reader, Writer};
use super::instance::decision_code;

/// How each event is written: one byte in front of it. `JSON` only in `ATRC` records.
const JSON: u8 = 0;
const DIRECTORY_IMPORTED: u8 = 1;
const INSTANCE_STARTED: u8 = 2;
const DECISIONS_RECORDED: u8 = 3;
const DECISIONS_RESET: u8 = 4;
const STAGE_STARTED: u8 = 5;
const DRAFT_SAVED: u8 = 6;
const DRAFT_DELETED: u8 = 7;
const REVIEW_CREATED: u8 = 8;
const REMINDER_SENT: u8 = 9;
const STAGE_ENDED: u8 = 10;
const INSTANCE_COMPLETED: u8 = 11;
const RESULTS_APPLIED: u8 = 12;
const DIRECTORY_CHANGED: u8 = 13;
const SERIES_ENDED: u8 = 14;
const REMEDIATION_ASSIGNED: u8 = 15;
const REMEDIATION_EVIDENCE_RECORDED: u8 = 16;
const REMEDIATION_DONE_EXTERNALLY: u8 = 17;
const SIGNED_OFF: u8 = 18;
const ITEMS_REASSIGNED: u8 = 19;
const DELEGATION_SET: u8 = 20;
const DELEGATION_STARTED: u8 = 21;
const DELEGATION_ENDED: u8 = 22;
const ESCALATED: u8 = 23;
const NOTIFICATION_TEMPLATE_SET: u8 = 24;
const BULK_APPROVAL_CONFIRMED: u8 = 25;
const APPROVAL_TIME_BOUND: u8 = 26;
const TIME_BOUND_APPROVAL_ENDED: u8 = 27;
const EXTRA_OCCURRENCE_STARTED: u8 = 28;
const KINDS: u8 = 29;

impl Writer {
    pub(super) fn event(&mut self, event: &Event) {
        // No wildcard: a new event is a compile error here until it is given a layout
        // (JSON unless it can grow large).
        match event {
            Event::DirectoryImported { directory, source } => {
                self.byte(DIRECTORY_IMPORTED);
                self.str(source);
                self.directory(directory);
                // Layout 4: the grant dates, as the snapshot writes them after its directory.
                if self.layout >= 4 {
                    self.json(&directory.granted);
                }
            }
            Event::InstanceStarted { instance } => {
                self.byte(INSTANCE_STARTED);
                self.instance(instance);
                // Layout 4: the delta-mode record the instance started with.
                if self.layout >= 4 {
                    self.json(&instance.since_last);
                }
            }
            Event::DecisionsRecorded {
                instance,
                stage,
                reviewer,
                source,
                decisions,
            } => {
                self.byte(DECISIONS_RECORDED);
                self.str(instance);
                self.uint(*stage as u64);
                self.str(reviewer);
                self.byte(match source {
                    DecisionSource::Reviewer => 0,
                    DecisionSource::AcceptedRecommendation => 1,
                });
                self.uint(decisions.len() as u64);
                for ItemDecision {
                    item,
                    decision,
                    justification,
                } in decisions
                {
                    self.uint(u64::from(*item));
                    self.byte(decision_code(*decision));
                    self.str(justification);
                }
            }
            Event::DecisionsReset {
                instance,
                stage,
                reviewer,
                items,
            } => {
                self.byte(DECISIONS_RESET);
                self.str(instance);
                self.uint(*stage as u64);
                self.str(reviewer);
                self.items(items);
            }
            Event::StageStarted {
                instance,
                stage,
                at,
                deadline,
                items,
            } => {
                self.byte(STAGE_STARTED);
                self.str(instance);
                self.uint(*stage as u64);
                self.time(at);
                self.time(deadline);
                self.items(items);
            }
            Event::DraftSaved { definition } => {
                self.byte(DRAFT_SAVED);
                self.json(definition);
            }
            Event::DraftDeleted { definition } => {
                self.byte(DRAFT_DELETED);
                self.str(definition);
            }
            Event::ReviewCreated { definition } => {
                self.byte(REVIEW_CREATED);
                self.json(definition);
            }
            Event::ReminderSent {
                instance,
                stage,
                at,
                reviewers,
            } => {
                self.byte(REMINDER_SENT);
                self.str(instance);
                self.uint(*stage as u64);
                self.time(at);
                self.strs(reviewers);
            }
            Event::StageEnded {
                instance,
                stage,
                at,
                reason,
            } => {
                self.byte(STAGE_ENDED);
                self.str(instance);
                self.uint(*stage as u64);
                self.time(at);
                self.byte(match reason {
                    StageEndReason::Deadline => 0,
                    StageEndReason::Stopped => 1,
                    StageEndReason::ReviewStopped => 2,
                    StageEndReason::NoReviewees => 3,
                });
            }
            Event::InstanceCompleted {
                instance,
                at,
                stopped,
            } => {
                self.byte(INSTANCE_COMPLETED);
                self.str(instance);
                self.time(at);
                self.bool(*stopped);
            }
            Event::ResultsApplied {
                instance,
                at,
                results,
            } => {
                self.byte(RESULTS_APPLIED);
                self.str(instance);
                self.time(at);
                self.json(results);
            }
            Event::DirectoryChanged {
                change,
                at,
                instance,
            } => {
                self.byte(DIRECTORY_CHANGED);
                self.change(change);
                self.time(at);
                self.opt_str(instance);
            }
            Event::SeriesEnded { definition, at } => {
                self.byte(SERIES_ENDED);
                self.str(definition);
                self.time(at);
            }
            Event::RemediationAssigned { items, owner, due } => {
                self.byte(REMEDIATION_ASSIGNED);
                self.item_refs(items);
                self.str(owner);
                self.time(due);
            }
            Event::RemediationEvidenceRecorded {
                item,
                comment,
                file,
            } => {
                self.byte(REMEDIATION_EVIDENCE_RECORDED);
                self.item_ref(item);
                self.str(comment);
                match file {
                    None => self.byte(0),
                    Some(FileDigest { name, sha256 }) => {
                        self.byte(1);
                        self.str(name);
                        self.str(sha256);
                    }
                }
            }
            Event::RemediationDoneExternally { items, comment } => {
                self.byte(REMEDIATION_DONE_EXTERNALLY);
                self.item_refs(items);
                self.str(comment);
            }
            Event::SignedOff {
                instance,
                verdict,
                comment,
            } => {
                self.byte(SIGNED_OFF);
                self.str(instance);
                self.bool(*verdict == Verdict::Rejected);
                self.str(comment);
            }
            Event::ItemsReassigned {
                instance,
                stage,
                from,
                to,
                items,
                reason,
            } => {
                self.byte(ITEMS_REASSIGNED);
                self.str(instance);
                self.uint(*stage as u64);
                self.str(from);
                self.str(to);
                self.items(items);
                self.str(reason);
            }
            Event::DelegationSet {
                reviewer,
                delegate,
                from,
                until,
                reason,
            } => {
                self.byte(DELEGATION_SET);
                self.str(reviewer);
                self.str(delegate);
                self.time(from);
                self.time(until);
                self.str(reason);
            }
            Event::DelegationStarted {
                reviewer,
                delegate,
                at,
            } => {
                self.byte(DELEGATION_STARTED);
                self.str(reviewer);
                self.str(delegate);
                self.time(at);
            }
            Event::DelegationEnded {
                reviewer,
                delegate,
                at,
            } => {
                self.byte(DELEGATION_ENDED);
                self.str(reviewer);
                self.str(delegate);
                self.time(at);
            }
            Event::Escalated {
                instance,
                stage,
                at,
                reviewer,
                to,
                items,
            } => {
                self.byte(ESCALATED);
                self.str(instance);
                self.uint(*stage as u64);
                self.time(at);
                self.str(reviewer);
                self.str(to);
                self.items(items);
            }
            Event::NotificationTemplateSet { kind, template } => {
                self.byte(NOTIFICATION_TEMPLATE_SET);
                self.json(&(kind, template));
            }
            Event::BulkApprovalConfirmed {
                instance,
                stage,
                reviewer,
                items,
                justification,
            } => {
                self.byte(BULK_APPROVAL_CONFIRMED);
                self.str(instance);
                self.uint(*stage as u64);
                self.str(reviewer);
                self.items(items);
                self.str(justification);
            }
            Event::ApprovalTimeBound {
                instance,
                stage,
                items,
                until,
            } => {
                self.byte(APPROVAL_TIME_BOUND);
                self.str(instance);
                self.uint(*stage as u64);
                self.items(items);
                self.time(until);
            }
            Event::TimeBoundApprovalEnded {
                instance,
                item,
                at,
                certified_by,
            } => {
                self.byte(TIME_BOUND_APPROVAL_ENDED);
                self.str(instance);
                self.uint(u64::from(*item));
                self.time(at);
                self.opt_str(certified_by);
            }
            Event::ExtraOccurrenceStarted {
                definition,
                run,
                at,
                cause,
            } => {
                self.byte(EXTRA_OCCURRENCE_STARTED);
                self.str(definition);
                self.uint(u64::from(*run));
                self.time(at);
                match cause {
                    ExtraCause::RunNow => self.byte(0),
                    ExtraCause::Moved { users } => {
                        self.byte(1);
                        self.strs(users);
                    }
                }
            }
        }
    }

    fn change(&mut self, change: &DirectoryChange) {
        let (code, first, user) = match change {
            DirectoryChange::RemoveGroupMember { group, user } => (0, Some(group), user),
            DirectoryChange::RemoveAppAssignment { application, user } => {
                (1, Some(application), user)
            }
            DirectoryChange::RemoveRoleAssignment { role, user } => (2, Some(role), user),
            DirectoryChange::RemovePackageAssignment { package, user } => (3, Some(package), user),
            DirectoryChange::BlockGuest { user, .. } => (4, None, user),
            DirectoryChange::DeleteUser { user } => (5, None, user),
        };
        self.byte(code);
        if let Some(first) = first {
            self.str(first);
        }
        self.str(user);
        if let DirectoryChange::BlockGuest { delete_at, .. } = change {
            self.time(delete_at);
        }
    }

    fn item_ref(&mut self, ItemRef { instance, item }: &ItemRef) {
        self.str(instance);
        self.uint(u64::from(*item));
    }

    fn item_refs(&mut self, items: &[ItemRef]) {
        self.uint(items.len() as u64);
        for item in items {
            self.item_ref(item);
        }
    }

    fn items(&mut self, items: &[u32]) {
        self.uint(items.len() as u64);
        for item in items {
            self.uint(u64::from(*item));
        }
    }
}

impl Reader<'_> {
    pub(super) fn event<const EARLIER: bool>(&mut self) -> Result<Event, Damaged> {
        let at = self.pos;
        Ok(match self.code(KINDS, "kind of event")? {
            JSON if EARLIER => self.json()?,
            JSON => return Err(self.error_at(at, "an event as JSON (an earlier layout)")),
            DIRECTORY_IMPORTED => {
                let source = self.string()?;
                let mut directory = self.directory()?;
                if self.version >= 4 {
                    directory.granted = self.json()?;
                }
                Event::DirectoryImported {
                    directory: Box::new(directory),
                    source,
                }
            }
            INSTANCE_STARTED => {
                let mut instance = self.instance()?;
                if self.version >= 4 {
                    instance.since_last = self.json()?;
                }
                Event::InstanceStarted {
                    instance: Box::new(instance),
                }
            }
            DECISIONS_RECORDED => {
                let instance = self.string()?;
                let stage = self.stage()?;
                let reviewer = self.string()?;
                let source = match self.code(2, "decision source")? {
                    0 => DecisionSource::Reviewer,
                    _ => DecisionSource::AcceptedRecommendation,
                };
                let n = self.len()?;
                let mut decisions = Vec::with_capacity(n);
                for _ in 0..n {
                    let item = self.u32()?;
                    let code = self.code(3, "decision")?;
                    decisions.push(ItemDecision {
                        item,
                        decision: self.decision(code),
                        justification: self.string()?,
                    });
                }
                Event::DecisionsRecorded {
                    instance,
                    stage,
                    reviewer,
                    source,
                    decisions,
                }
            }
            DECISIONS_RESET => Event::DecisionsReset {
                instance: self.string()?,
                stage: self.stage()?,
                reviewer: self.string()?,
                items: self.items()?,
            },
            STAGE_STARTED => Event::StageStarted {
                instance: self.string()?,
                stage: self.stage()?,
                at: self.time()?,
                deadline: self.time()?,
                items: self.items()?,
            },
            DRAFT_SAVED => Event::DraftSaved {
                definition: Box::new(self.json()?),
            },
            DRAFT_DELETED => Event::DraftDeleted {
                definition: self.string()?,
            },
            REVIEW_CREATED => Event::ReviewCreated {
                definition: Box::new(self.json()?),
            },
            REMINDER_SENT => Event::ReminderSent {
                instance: self.string()?,
                stage: self.stage()?,
                at: self.time()?,
                reviewers: self.strings()?,
            },
            STAGE_ENDED => Event::StageEnded {
                instance: self.string()?,
                stage: self.stage()?,
                at: self.time()?,
                reason: match self.code(4, "reason a stage ended")? {
                    0 => StageEndReason::Deadline,
                    1 => StageEndReason::Stopped,
                    2 => StageEndReason::ReviewStopped,
                    _ => StageEndReason::NoReviewees,
                },
            },
            INSTANCE_COMPLETED => Event::InstanceCompleted {
                instance: self.string()?,
                at: self.time()?,
                stopped: self.bool()?,
            },
            RESULTS_APPLIED => Event::ResultsApplied {
                instance: self.string()?,
                at: self.time()?,
                results: self.json::<Vec<ItemApplied>>()?,
            },
            DIRECTORY_CHANGED => Event::DirectoryChanged {
                change: self.change()?,
                at: self.time()?,
                instance: self.opt_string()?,
            },
            SERIES_ENDED => Event::SeriesEnded {
                definition: self.string()?,
                at: self.time()?,
            },
            REMEDIATION_ASSIGNED => Event::RemediationAssigned {
                items: self.item_refs()?,
                owner: self.string()?,
                due: self.time()?,
            },
            REMEDIATION_EVIDENCE_RECORDED => Event::RemediationEvidenceRecorded {
                item: self.item_ref()?,
                comment: self.string()?,
                file: match self.bool()? {
                    false => None,
                    true => Some(FileDigest {
                        name: self.string()?,
                        sha256: self.string()?,
                    }),
                },
            },
            REMEDIATION_DONE_EXTERNALLY => Event::RemediationDoneExternally {
                items: self.item_refs()?,
                comment: self.string()?,
            },
            SIGNED_OFF => Event::SignedOff {
                instance: self.string()?,
                verdict: match self.bool()? {
                    false => Verdict::Accepted,
                    true => Verdict::Rejected,
                },
                comment: self.string()?,
            },
            ITEMS_REASSIGNED => Event::ItemsReassigned {
                instance: self.string()?,
                stage: self.stage()?,
                from: self.string()?,
                to: self.string()?,
                items: self.items()?,
                reason: self.string()?,
            },
            DELEGATION_SET => Event::DelegationSet {
                reviewer: self.string()?,
                delegate: self.string()?,
                from: self.time()?,
                until: self.time()?,
                reason: self.string()?,
            },
            DELEGATION_STARTED => Event::DelegationStarted {
                reviewer: self.string()?,
                delegate: self.string()?,
                at: self.time()?,
            },
            DELEGATION_ENDED => Event::DelegationEnded {
                reviewer: self.string()?,
                delegate: self.string()?,
                at: self.time()?,
            },
            ESCALATED => Event::Escalated {
                instance: self.string()?,
                stage: self.stage()?,
                at: self.time()?,
                reviewer: self.string()?,
                to: self.string()?,
                items: self.items()?,
            },
            NOTIFICATION_TEMPLATE_SET => {
                let (kind, template) = self.json()?;
                Event::NotificationTemplateSet { kind, template }
            }
            BULK_APPROVAL_CONFIRMED => Event::BulkApprovalConfirmed {
                instance: self.string()?,
                stage: self.stage()?,
                reviewer: self.string()?,
                items: self.items()?,
                justification: self.string()?,
            },
            APPROVAL_TIME_BOUND => Event::ApprovalTimeBound {
                instance: self.string()?,
                stage: self.stage()?,
                items: self.items()?,
                until: self.time()?,
            },
            TIME_BOUND_APPROVAL_ENDED => Event::TimeBoundApprovalEnded {
                instance: self.string()?,
                item: self.u32()?,
                at: self.time()?,
                certified_by: self.opt_string()?,
            },
            _ => Event::ExtraOccurrenceStarted {
                definition: self.string()?,
                run: self.u32()?,
                at: self.time()?,
                cause: match self.code(2, "cause of an extra occurrence")? {
                    0 => ExtraCause::RunNow,
                    _ => ExtraCause::Moved {
                        users: self.strings()?,
                    },
                },
            },
        })
    }

    fn change(&mut self) -> Result<DirectoryChange, Damaged> {
        Ok(match self.code(6, "kind of directory change")? {
            0 => DirectoryChange::RemoveGroupMember {
                group: self.string()?,
                user: self.string()?,
            },
            1 => DirectoryChange::RemoveAppAssignment {
                application: self.string()?,
                user: self.string()?,
            },
            2 => DirectoryChange::RemoveRoleAssignment {
                role: self.string()?,
                user: self.string()?,
            },
            3 => DirectoryChange::RemovePackageAssignment {
                package: self.string()?,
                user: self.string()?,
            },
            4 => DirectoryChange::BlockGuest {
                user: self.string()?,
                delete_at: self.time()?,
            },
            _ => DirectoryChange::DeleteUser {
                user: self.string()?,
            },
        })
    }

    fn item_ref(&mut self) -> Result<ItemRef, Damaged> {
        Ok(ItemRef {
            instance: self.string()?,
            item: self.u32()?,
        })
    }

    fn item_refs(&mut self) -> Result<Vec<ItemRef>, Damaged> {
        let n = self.len()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.item_ref()?);
        }
        Ok(items)
    }

    fn stage(&mut self) -> Result<usize, Damaged> {
        let at = self.pos;
        usize::try_from(self.uint()?).map_err(|_| self.error_at(at, "a stage number too large"))
    }

    fn items(&mut self) -> Result<Vec<u32>, Damaged> {
        let n = self.len()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.u32()?);
        }
        Ok(items)
    }
}
