//! Evidence for auditors: an instance's results as CSV (named like Entra's results download)
//! and as JSON with Microsoft Graph `accessReviewInstanceDecisionItem` field names, and the
//! audit history — one row per recorded fact, saying who did what, when and why — exported as
//! a tamper-evident CSV whose rows carry a SHA-256 hash chain (see docs/evidence.md).

mod approvals;
mod chain;
mod handover;
pub mod key;
pub mod signoff;
// Documented on its owner's branch (issue 22); drop the allow when it is.
#[allow(missing_docs)]
pub mod pack;
mod results;
mod sha256;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use self::chain::{
    audit_csv, verify_audit_csv, AuditReport, ChainError, AUDIT_COLUMNS, CHAIN_TRAILER,
};
pub use self::results::{results_csv, results_header, results_json};
pub use self::sha256::{sha256, sha256_hex};
use crate::directory::{AccessPath, Directory, UserType};
use crate::event::{DirectoryChange, Event, Record};
use crate::import::{csv_field, parse_csv};
use crate::instance::{
    ApplyResult, Decision, DecisionSource, Effect, Instance, Recommendation, StageEndReason,
};
use crate::results::{results, OutcomeSource, ResultRow};
use crate::state::State;
use crate::Actor;

/// Byte order mark: spreadsheet programs read the file as UTF-8 only with it.
pub const BOM: &str = "\u{feff}";
/// RFC 4180 line break.
const CRLF: &str = "\r\n";

/// RFC 3339 in UTC to the second, the way Graph writes `DateTimeOffset`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A value as it goes into a report cell: text a spreadsheet would run as a formula gets a
/// leading apostrophe, and the two separator characters the hash chain uses are blanked.
pub fn cell(s: &str) -> String {
    let s = s.replace(['\u{1e}', '\u{1f}'], " ");
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
}

/// Display name of a user, also when the directory no longer holds them (a deleted guest):
/// the instances' snapshots remember who they reviewed.
pub fn person_name(state: &State, id: &str) -> String {
    if let Some(u) = state.directory.users.get(id) {
        return u.display_name.clone();
    }
    snapshot_user(state, id).map_or_else(|| id.to_string(), |(name, _)| name)
}

/// userPrincipalName of a user, from the directory or the snapshots; empty when unknown.
pub fn person_upn(state: &State, id: &str) -> String {
    if let Some(u) = state.directory.users.get(id) {
        return u.user_principal_name.clone();
    }
    snapshot_user(state, id).map_or_else(String::new, |(_, upn)| upn)
}

fn snapshot_user(state: &State, id: &str) -> Option<(String, String)> {
    state.instances.values().find_map(|inst| {
        inst.items
            .iter()
            .find(|it| it.user == id)
            .map(|it| (it.user_name.clone(), it.user_principal_name.clone()))
    })
}

/// Who acted, in words: "Administrator (Ada)", "Alice Adams", "System (clock)".
pub fn actor_name(state: &State, actor: &Actor) -> String {
    match actor {
        Actor::Administrator { name } if name.trim().is_empty() || name == "Administrator" => {
            "Administrator".into()
        }
        Actor::Administrator { name } => format!("Administrator ({name})"),
        Actor::User { id } => person_name(state, id),
        Actor::System => "System (clock)".into(),
        Actor::Auditor { name } => format!("Auditor ({name})"),
    }
}

/// What applying did, or will do when `applied` is false, in words an administrator reads.
pub fn apply_description(dir: &Directory, result: &ApplyResult, applied: bool) -> String {
    match (result, applied) {
        (ApplyResult::Applied { effect }, true) => match effect {
            Effect::AccessKept => "Access kept".into(),
            Effect::AccessRemoved => "Access removed".into(),
            Effect::GuestBlocked => "Guest blocked from signing in; deleted 30 days later".into(),
        },
        (ApplyResult::Applied { effect }, false) => match effect {
            Effect::AccessKept => "Access will be kept".into(),
            Effect::AccessRemoved => "Access will be removed".into(),
            Effect::GuestBlocked => {
                "Guest will be blocked from signing in and deleted 30 days later".into()
            }
        },
        (ApplyResult::NotSupported { reason }, _) => {
            format!("Cannot be applied: {}", reason.reason(dir))
        }
        (ApplyResult::ObjectNotFound, true) => "The user or the access no longer existed".into(),
        (ApplyResult::ObjectNotFound, false) => {
            "Nothing to remove: the user or the access no longer exists".into()
        }
        (ApplyResult::Failed { reason }, _) => format!("Failed: {reason}"),
    }
}

fn access_text(dir: &Directory, access: &AccessPath) -> String {
    match access {
        AccessPath::Direct => "Direct".into(),
        AccessPath::ViaGroup { group } => format!("Through group {}", dir.display_name(group)),
    }
}

// ---- Audit history -------------------------------------------------------------------------

/// One fact of the history: who did what, when, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    /// When it happened: the scheduled moment for what the clock made due.
    pub at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded: DateTime<Utc>,
    /// Id of the record.
    pub record: String,
    /// Who acted.
    pub actor: String,
    /// The directory user who acted, if a user did.
    pub actor_id: Option<String>,
    /// What was done, in words.
    pub action: String,
    /// Review (definition) id.
    pub review: Option<String>,
    /// The review's name.
    pub review_name: String,
    /// Id of the review instance.
    pub instance: Option<String>,
    /// 0-based.
    pub stage: Option<usize>,
    /// The reviewers the fact is about (a decision's reviewer, a reminder's recipients).
    pub reviewers: Vec<String>,
    /// Display names of the reviewers.
    pub reviewer_names: String,
    /// The reviewee, resource or object acted on.
    pub subject: String,
    /// The decision, when the row records one.
    pub decision: Option<Decision>,
    /// Details of what was done.
    pub details: String,
    /// Why: the administrator's reason or the reviewer's justification.
    pub reason: String,
}

/// Which rows of the history to show or export. Empty fields match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only rows from this moment on.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
    /// Only rows of this review.
    pub review: Option<String>,
    /// A user id: rows where they are the reviewer or the actor.
    pub reviewer: Option<String>,
    /// Who acted, as the row names them ("Administrator (Ada)", "System (clock)", a person).
    pub actor: Option<String>,
    /// The decision, when the row records one.
    pub decision: Option<Decision>,
}

impl AuditFilter {
    /// Whether `row` passes the filter.
    pub fn matches(&self, row: &AuditRow) -> bool {
        self.from.is_none_or(|f| row.at >= f)
            && self.until.is_none_or(|u| row.at < u)
            && self
                .review
                .as_ref()
                .is_none_or(|r| row.review.as_ref() == Some(r))
            && self
                .reviewer
                .as_ref()
                .is_none_or(|r| row.reviewers.contains(r) || row.actor_id.as_ref() == Some(r))
            && self.actor.as_ref().is_none_or(|a| &row.actor == a)
            && self.decision.is_none_or(|d| row.decision == Some(d))
    }
}

fn end_reason_text(reason: StageEndReason) -> &'static str {
    match reason {
        StageEndReason::Deadline => "its duration ran out",
        StageEndReason::Stopped => "an administrator selected Stop current stage",
        StageEndReason::ReviewStopped => "an administrator stopped the review",
        StageEndReason::NoReviewees => "no reviewees moved on to it",
    }
}

/// Every recorded fact of `records`, in log order, named with the current `state`.
pub fn audit_rows(state: &State, records: &[Record]) -> Vec<AuditRow> {
    let mut rows = Vec::new();
    for rec in records {
        let base = AuditRow {
            at: rec.at,
            recorded: rec.at,
            record: rec.id.clone(),
            actor: actor_name(state, &rec.actor),
            actor_id: rec.actor.user_id().map(str::to_string),
            action: String::new(),
            review: None,
            review_name: String::new(),
            instance: None,
            stage: None,
            reviewers: Vec::new(),
            reviewer_names: String::new(),
            subject: String::new(),
            decision: None,
            details: String::new(),
            reason: rec.reason.clone().unwrap_or_default(),
        };
        for event in &rec.events {
            event_rows(state, &base, event, &mut rows);
            // Delta mode: every outcome carried forward is a row of its own (issue 25).
            if let Event::InstanceStarted { instance } = event {
                let started = AuditRow {
                    at: instance.started,
                    ..for_instance(state, &base, &instance.id)
                };
                rows.extend(crate::context::carried_rows(
                    instance,
                    &started,
                    &state.directory,
                ));
            }
        }
    }
    rows
}

fn for_instance(state: &State, base: &AuditRow, instance: &str) -> AuditRow {
    let inst = state.instances.get(instance);
    let review = inst.map(|i| i.definition.clone());
    let review_name = review
        .as_ref()
        .and_then(|r| state.reviews.get(r))
        .map(|r| r.definition.name.clone())
        .unwrap_or_default();
    AuditRow {
        review,
        review_name,
        instance: Some(instance.to_string()),
        subject: inst.map(|i| i.resource.name.clone()).unwrap_or_default(),
        ..base.clone()
    }
}

fn reviewee(state: &State, instance: &str, item: u32) -> String {
    state
        .instances
        .get(instance)
        .and_then(|i| i.items.get(item as usize))
        .map_or_else(|| format!("item {item}"), |it| it.user_name.clone())
}

fn event_rows(state: &State, base: &AuditRow, event: &Event, rows: &mut Vec<AuditRow>) {
    match event {
        Event::DirectoryImported { directory, source } => rows.push(AuditRow {
            action: "Directory imported".into(),
            subject: source.clone(),
            details: format!(
                "{} users, {} groups, {} applications, {} roles, {} access packages",
                directory.users.len(),
                directory.groups.len(),
                directory.applications.len(),
                directory.roles.len(),
                directory.access_packages.len()
            ),
            ..base.clone()
        }),
        Event::DraftSaved { definition } | Event::ReviewCreated { definition } => {
            rows.push(AuditRow {
                action: if matches!(event, Event::DraftSaved { .. }) {
                    "Draft saved".into()
                } else {
                    "Review created".into()
                },
                review: Some(definition.id.clone()),
                review_name: definition.name.clone(),
                details: format!(
                    "{} stage(s), {}, starts {}",
                    definition.stages.len(),
                    definition.schedule.frequency.label(),
                    timestamp(definition.schedule.start)
                ),
                ..base.clone()
            })
        }
        Event::DraftDeleted { definition } => rows.push(AuditRow {
            action: "Draft deleted".into(),
            review: Some(definition.clone()),
            ..base.clone()
        }),
        Event::InstanceStarted { instance } => rows.push(AuditRow {
            action: "Review started".into(),
            stage: Some(0),
            at: instance.started,
            details: format!(
                "{} reviewee(s); stage 1 ends {}",
                instance.items.len(),
                instance.stages[0]
                    .deadline
                    .map(timestamp)
                    .unwrap_or_default()
            ),
            ..for_instance(state, base, &instance.id)
        }),
        Event::DecisionsRecorded {
            instance,
            stage,
            reviewer,
            source,
            decisions,
        } => {
            let row = for_instance(state, base, instance);
            for d in decisions {
                rows.push(AuditRow {
                    action: match source {
                        DecisionSource::Reviewer => "Decision recorded".into(),
                        DecisionSource::AcceptedRecommendation => "Recommendation accepted".into(),
                    },
                    stage: Some(*stage),
                    reviewers: vec![reviewer.clone()],
                    reviewer_names: person_name(state, reviewer),
                    subject: reviewee(state, instance, d.item),
                    decision: Some(d.decision),
                    details: d.decision.label().to_string(),
                    reason: d.justification.clone(),
                    ..row.clone()
                });
            }
        }
        Event::DecisionsReset {
            instance,
            stage,
            reviewer,
            items,
        } => {
            let row = for_instance(state, base, instance);
            for &i in items {
                rows.push(AuditRow {
                    action: "Decision taken back".into(),
                    stage: Some(*stage),
                    reviewers: vec![reviewer.clone()],
                    reviewer_names: person_name(state, reviewer),
                    subject: reviewee(state, instance, i),
                    ..row.clone()
                });
            }
        }
        Event::ReminderSent {
            instance,
            stage,
            at,
            reviewers,
        } => rows.push(AuditRow {
            action: "Reminder sent".into(),
            at: *at,
            stage: Some(*stage),
            reviewer_names: reviewers
                .iter()
                .map(|r| person_name(state, r))
                .collect::<Vec<_>>()
                .join("; "),
            reviewers: reviewers.clone(),
            details: format!("to {} reviewer(s) with undecided items", reviewers.len()),
            ..for_instance(state, base, instance)
        }),
        Event::StageEnded {
            instance,
            stage,
            at,
            reason,
        } => rows.push(AuditRow {
            action: "Stage ended".into(),
            at: *at,
            stage: Some(*stage),
            details: format!("Stage {} ended: {}", stage + 1, end_reason_text(*reason)),
            ..for_instance(state, base, instance)
        }),
        Event::StageStarted {
            instance,
            stage,
            at,
            deadline,
            items,
        } => rows.push(AuditRow {
            action: "Stage started".into(),
            at: *at,
            stage: Some(*stage),
            details: format!(
                "Stage {} started with {} reviewee(s); ends {}",
                stage + 1,
                items.len(),
                timestamp(*deadline)
            ),
            ..for_instance(state, base, instance)
        }),
        Event::InstanceCompleted {
            instance,
            at,
            stopped,
        } => rows.push(AuditRow {
            action: if *stopped {
                "Review stopped".into()
            } else {
                "Review completed".into()
            },
            at: *at,
            ..for_instance(state, base, instance)
        }),
        Event::ResultsApplied {
            instance,
            at,
            results,
        } => {
            let row = for_instance(state, base, instance);
            for r in results {
                rows.push(AuditRow {
                    action: "Result applied".into(),
                    at: *at,
                    subject: reviewee(state, instance, r.item),
                    details: format!(
                        "{}: {}",
                        r.result.graph_value(),
                        apply_description(&state.directory, &r.result, true)
                    ),
                    ..row.clone()
                });
            }
        }
        Event::DirectoryChanged {
            change,
            at,
            instance,
        } => {
            let row = match instance {
                Some(i) => for_instance(state, base, i),
                None => base.clone(),
            };
            let dir = &state.directory;
            let (action, user, details) = match change {
                DirectoryChange::RemoveGroupMember { group, user } => (
                    "Access removed",
                    user,
                    format!("removed from group {}", dir.display_name(group)),
                ),
                DirectoryChange::RemoveAppAssignment { application, user } => (
                    "Access removed",
                    user,
                    format!("assignment to {} removed", dir.display_name(application)),
                ),
                DirectoryChange::RemoveRoleAssignment { role, user } => (
                    "Access removed",
                    user,
                    format!("role {} removed", dir.display_name(role)),
                ),
                DirectoryChange::RemovePackageAssignment { package, user } => (
                    "Access removed",
                    user,
                    format!(
                        "access package {} assignment removed",
                        dir.display_name(package)
                    ),
                ),
                DirectoryChange::BlockGuest { user, delete_at } => (
                    "Guest blocked",
                    user,
                    format!(
                        "blocked from signing in; deleted on {}",
                        timestamp(*delete_at)
                    ),
                ),
                DirectoryChange::DeleteUser { user } => (
                    "User deleted",
                    user,
                    "deleted 30 days after being blocked".into(),
                ),
            };
            rows.push(AuditRow {
                action: action.into(),
                at: *at,
                subject: person_name(state, user),
                details,
                ..row
            });
        }
        Event::SignedOff {
            instance,
            verdict,
            comment,
        } => rows.push(AuditRow {
            action: format!("Auditor sign-off: {}", verdict.label()),
            reason: comment.clone(),
            ..for_instance(state, base, instance)
        }),
        Event::ItemsReassigned { .. }
        | Event::Escalated { .. }
        | Event::DelegationSet { .. }
        | Event::DelegationStarted { .. }
        | Event::DelegationEnded { .. } => handover::rows(state, base, event, rows),
        Event::NotificationTemplateSet { kind, template } => rows.push(AuditRow {
            action: "Notification wording changed".into(),
            subject: kind.label().into(),
            details: template.as_ref().map_or_else(
                || "back to the default wording".into(),
                |t| format!("subject: {}", t.subject),
            ),
            ..base.clone()
        }),
        Event::BulkApprovalConfirmed { .. }
        | Event::ApprovalTimeBound { .. }
        | Event::TimeBoundApprovalEnded { .. } => approvals::rows(state, base, event, rows),
        Event::ExtraOccurrenceStarted {
            definition,
            at,
            cause,
            ..
        } => rows.push(AuditRow {
            action: crate::programme::extra_action(cause).into(),
            at: *at,
            review: Some(definition.clone()),
            review_name: state
                .reviews
                .get(definition)
                .map(|r| r.definition.name.clone())
                .unwrap_or_default(),
            details: crate::programme::extra_details(state, cause),
            ..base.clone()
        }),
        Event::SeriesEnded { definition, at } => rows.push(AuditRow {
            action: "Recurring review ended".into(),
            at: *at,
            review: Some(definition.clone()),
            review_name: state
                .reviews
                .get(definition)
                .map(|r| r.definition.name.clone())
                .unwrap_or_default(),
            ..base.clone()
        }),
        Event::RemediationAssigned { .. }
        | Event::RemediationEvidenceRecorded { .. }
        | Event::RemediationDoneExternally { .. } => {
            for (at, action, details) in crate::remediation::audit_entries(state, event) {
                rows.push(AuditRow {
                    action: action.into(),
                    subject: reviewee(state, &at.instance, at.item),
                    details,
                    ..for_instance(state, base, &at.instance)
                });
            }
        }
    }
}
