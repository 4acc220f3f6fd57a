//! Evidence for auditors: an instance's results as CSV (named like Entra's results download)
//! and as JSON with Microsoft Graph `accessReviewInstanceDecisionItem` field names, and the
//! audit history — one row per recorded fact, saying who did what, when and why — exported as
//! a tamper-evident CSV whose rows carry a SHA-256 hash chain (see docs/evidence.md).

pub mod key;
pub mod signoff;
pub mod pack;
mod sha256;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use self::sha256::{sha256, sha256_hex};
use crate::directory::{AccessPath, Directory, ResourceKind, UserType};
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

fn resource_type(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "group",
        ResourceKind::Application => "servicePrincipal",
        ResourceKind::DirectoryRole => "directoryRole",
        ResourceKind::AccessPackage => "accessPackage",
    }
}

fn access_text(dir: &Directory, access: &AccessPath) -> String {
    match access {
        AccessPath::Direct => "Direct".into(),
        AccessPath::ViaGroup { group } => format!("Through group {}", dir.display_name(group)),
    }
}

fn recommendation_value(r: Option<&Recommendation>) -> &'static str {
    match r.map(|r| r.decision) {
        Some(Decision::Approve) => "Approve",
        Some(Decision::Deny) => "Deny",
        _ => "NoInfoAvailable",
    }
}

fn applied_by(state: &State, inst: &Instance) -> (String, String) {
    match &inst.applied {
        Some(a) => (actor_name(state, &a.by), timestamp(a.at)),
        None => (String::new(), String::new()),
    }
}

/// Columns of the results download before the per-stage ones.
const RESULT_LEAD: [&str; 11] = [
    "ReviewId",
    "ReviewName",
    "AccessReviewInstanceId",
    "ResourceType",
    "ResourceId",
    "ResourceDisplayName",
    "PrincipalId",
    "PrincipalDisplayName",
    "PrincipalUserPrincipalName",
    "PrincipalType",
    "AccessType",
];
/// Per stage `n`: `Stage{n}` followed by these.
const RESULT_STAGE: [&str; 5] = [
    "Decision",
    "ReviewedBy",
    "ReviewedByUserPrincipalName",
    "ReviewedDateTime",
    "Justification",
];
const RESULT_TAIL: [&str; 8] = [
    "Decision",
    "DecisionSource",
    "Recommendation",
    "RecommendationReason",
    "ApplyResult",
    "ApplyDescription",
    "AppliedBy",
    "AppliedDateTime",
];

/// The header of an instance's results CSV with `stages` stages.
pub fn results_header(stages: usize) -> Vec<String> {
    let mut h: Vec<String> = RESULT_LEAD.iter().map(|s| s.to_string()).collect();
    for n in 1..=stages {
        h.extend(RESULT_STAGE.iter().map(|c| format!("Stage{n}{c}")));
    }
    h.extend(RESULT_TAIL.iter().map(|s| s.to_string()));
    h
}

/// Graph `applyResult`: `New` until results are applied.
fn apply_result_value(row: &ResultRow) -> &'static str {
    if row.applied {
        row.apply_result.graph_value()
    } else {
        "New"
    }
}

/// The results of an instance as UTF-8 CSV with BOM, RFC 4180 quoting, CRLF line breaks:
/// one line per reviewee with every stage's decision (administrators see all stages), the
/// final outcome and the apply result (`New` with the preview's description before apply).
pub fn results_csv(state: &State, inst: &Instance, now: DateTime<Utc>) -> String {
    let def = state.definition_of(inst);
    let dir = &state.directory;
    let stages = def.stages.len();
    let (by, applied_at) = applied_by(state, inst);
    let mut out = String::from(BOM);
    out.push_str(&csv_line(&results_header(stages)));
    out.push_str(CRLF);
    for row in results(state, inst, now) {
        let item = &inst.items[row.item as usize];
        let mut f = vec![
            def.id.clone(),
            def.name.clone(),
            inst.id.clone(),
            resource_type(inst.resource.kind).to_string(),
            inst.resource.id.clone(),
            inst.resource.name.clone(),
            row.user.clone(),
            row.user_name.clone(),
            row.user_principal_name.clone(),
            match row.user_type {
                UserType::Member => "Member".into(),
                UserType::Guest => "Guest".into(),
            },
            access_text(dir, &row.access),
        ];
        for s in 0..stages {
            match row.stages.get(s).and_then(|st| st.decision.as_ref()) {
                Some(d) => f.extend([
                    d.decision.outcome().graph_value().to_string(),
                    person_name(state, &d.reviewer),
                    person_upn(state, &d.reviewer),
                    timestamp(d.at),
                    d.justification.clone(),
                ]),
                None if s < row.stages.len() => {
                    f.extend(["NotReviewed".to_string()]);
                    f.extend(std::iter::repeat_n(String::new(), 4));
                }
                None => f.extend(std::iter::repeat_n(String::new(), 5)),
            }
        }
        f.extend([
            row.outcome.graph_value().to_string(),
            match row.outcome_source {
                OutcomeSource::Reviewer => "Reviewer".into(),
                OutcomeSource::NoResponse => "IfReviewersDontRespond".into(),
            },
            recommendation_value(item.recommendation.as_ref()).to_string(),
            item.recommendation
                .as_ref()
                .map(|r| r.text())
                .unwrap_or_default(),
            apply_result_value(&row).to_string(),
            apply_description(dir, &row.apply_result, row.applied),
            if row.applied {
                by.clone()
            } else {
                String::new()
            },
            if row.applied {
                applied_at.clone()
            } else {
                String::new()
            },
        ]);
        let f: Vec<String> = f.iter().map(|s| cell(s)).collect();
        out.push_str(&csv_line(&f));
        out.push_str(CRLF);
    }
    out
}

fn user_identity(state: &State, id: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.userIdentity",
        "id": id,
        "displayName": person_name(state, id),
        "userPrincipalName": person_upn(state, id),
    })
}

/// The results of an instance as Graph `accessReviewInstanceDecisionItem`s (`{"value": [...]}`):
/// `decision` is the last decision recorded (Approve / Deny / DontKnow / NotReviewed),
/// `applyResult` one of New / AppliedSuccessfully / AppliedWithUnknownFailure /
/// AppliedSuccessfullyButObjectNotFound / ApplyNotSupported. The item is an open type; the
/// per-stage decisions and the final outcome ride along as extra properties.
pub fn results_json(state: &State, inst: &Instance, now: DateTime<Utc>) -> Value {
    let def = state.definition_of(inst);
    let dir = &state.directory;
    let items: Vec<Value> = results(state, inst, now)
        .into_iter()
        .map(|row| {
            let item = &inst.items[row.item as usize];
            let last = inst.standing(item);
            let applied = inst.applied.as_ref().filter(|_| row.applied);
            json!({
                "id": format!("{}:{}", inst.id, row.item),
                "accessReviewId": inst.id,
                "decision": last.map_or("NotReviewed", |d| d.decision.outcome().graph_value()),
                "justification": last.map_or("", |d| d.justification.as_str()),
                "reviewedBy": last.map_or(Value::Null, |d| user_identity(state, &d.reviewer)),
                "reviewedDateTime": last.map_or(Value::Null, |d| json!(timestamp(d.at))),
                "recommendation": recommendation_value(item.recommendation.as_ref()),
                "applyResult": apply_result_value(&row),
                "applyDescription": apply_description(dir, &row.apply_result, row.applied),
                "appliedBy": applied.map_or(Value::Null, |a| match &a.by {
                    Actor::User { id } => user_identity(state, id),
                    other => json!({ "id": "", "displayName": actor_name(state, other) }),
                }),
                "appliedDateTime": applied.map_or(Value::Null, |a| json!(timestamp(a.at))),
                "principal": user_identity(state, &row.user),
                "resource": {
                    "id": inst.resource.id,
                    "displayName": inst.resource.name,
                    "type": resource_type(inst.resource.kind),
                },
                "accessType": access_text(dir, &row.access),
                "finalDecision": row.outcome.graph_value(),
                "stages": row.stages.iter().map(|s| json!({
                    "stageId": (s.stage + 1).to_string(),
                    "decision": s.decision.as_ref().map_or("NotReviewed", |d| d.decision.outcome().graph_value()),
                    "reviewedBy": s.decision.as_ref().map_or(Value::Null, |d| user_identity(state, &d.reviewer)),
                    "reviewedDateTime": s.decision.as_ref().map_or(Value::Null, |d| json!(timestamp(d.at))),
                    "justification": s.decision.as_ref().map_or("", |d| d.justification.as_str()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.accessReviewInstanceDecisionItem)",
        "reviewName": def.name,
        "value": items,
    })
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
    pub record: String,
    pub actor: String,
    /// The directory user who acted, if a user did.
    pub actor_id: Option<String>,
    pub action: String,
    /// Review (definition) id.
    pub review: Option<String>,
    pub review_name: String,
    pub instance: Option<String>,
    /// 0-based.
    pub stage: Option<usize>,
    /// The reviewers the fact is about (a decision's reviewer, a reminder's recipients).
    pub reviewers: Vec<String>,
    pub reviewer_names: String,
    /// The reviewee, resource or object acted on.
    pub subject: String,
    pub decision: Option<Decision>,
    pub details: String,
    /// Why: the administrator's reason or the reviewer's justification.
    pub reason: String,
}

/// Which rows of the history to show or export. Empty fields match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
    pub review: Option<String>,
    /// A user id: rows where they are the reviewer or the actor.
    pub reviewer: Option<String>,
    /// Who acted, as the row names them ("Administrator (Ada)", "System (clock)", a person).
    pub actor: Option<String>,
    pub decision: Option<Decision>,
}

impl AuditFilter {
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
    }
}

/// Columns of the audit report; the last one is the hash chain.
pub const AUDIT_COLUMNS: [&str; 16] = [
    "DateTime",
    "RecordedDateTime",
    "RecordId",
    "Actor",
    "Action",
    "ReviewId",
    "ReviewName",
    "AccessReviewInstanceId",
    "Stage",
    "Reviewer",
    "Subject",
    "Decision",
    "Details",
    "Reason",
    "ReviewerIds",
    "Chain",
];

/// First field of the trailer line that carries the chain's head and the row count.
pub const CHAIN_TRAILER: &str = "#chain-head";

const RECORD_SEPARATOR: char = '\u{1e}';
const UNIT_SEPARATOR: char = '\u{1f}';

fn audit_fields(row: &AuditRow) -> Vec<String> {
    [
        timestamp(row.at),
        timestamp(row.recorded),
        row.record.clone(),
        row.actor.clone(),
        row.action.clone(),
        row.review.clone().unwrap_or_default(),
        row.review_name.clone(),
        row.instance.clone().unwrap_or_default(),
        row.stage.map(|s| (s + 1).to_string()).unwrap_or_default(),
        row.reviewer_names.clone(),
        row.subject.clone(),
        row.decision
            .map(|d| d.outcome().graph_value().to_string())
            .unwrap_or_default(),
        row.details.clone(),
        row.reason.clone(),
        row.reviewers.join(" "),
    ]
    .iter()
    .map(|s| cell(s))
    .collect()
}

/// The chain's start: the hash of the column names (without `Chain`).
fn chain_start(header: &[String]) -> String {
    sha256_hex(join_units(header).as_bytes())
}

/// Next link: SHA-256 over the previous link (hex), U+001E, and the row's fields joined by
/// U+001F — independent of CSV quoting, so any CSV reader can recompute it.
fn chain_next(prev: &str, fields: &[String]) -> String {
    let mut s =
        String::with_capacity(prev.len() + 1 + fields.iter().map(String::len).sum::<usize>());
    s.push_str(prev);
    s.push(RECORD_SEPARATOR);
    s.push_str(&join_units(fields));
    sha256_hex(s.as_bytes())
}

fn join_units(fields: &[String]) -> String {
    fields.join(&UNIT_SEPARATOR.to_string())
}

/// An exported audit report: the CSV text and the head of its chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub csv: String,
    pub head: String,
    pub rows: usize,
}

/// The audit report as UTF-8 CSV (BOM, RFC 4180, CRLF): one line per row with its chain
/// value in the last column, then the trailer `#chain-head,<head>,<rows>`.
pub fn audit_csv(rows: &[AuditRow]) -> AuditReport {
    let header: Vec<String> = AUDIT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let mut prev = chain_start(&header[..header.len() - 1]);
    let mut csv = String::from(BOM);
    csv.push_str(&csv_line(&header));
    csv.push_str(CRLF);
    for row in rows {
        let mut fields = audit_fields(row);
        prev = chain_next(&prev, &fields);
        fields.push(prev.clone());
        csv.push_str(&csv_line(&fields));
        csv.push_str(CRLF);
    }
    csv.push_str(&format!("{CHAIN_TRAILER},{prev},{}{CRLF}", rows.len()));
    AuditReport {
        csv,
        head: prev,
        rows: rows.len(),
    }
}

/// Why a report failed verification: the line and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ChainError {
    pub line: usize,
    pub problem: String,
}

/// Check an exported audit report: every row's chain value, then the trailer's head and row
/// count. Returns the verified report's head and number of rows.
pub fn verify_audit_csv(text: &str) -> Result<(String, usize), ChainError> {
    let records = parse_csv(text).map_err(|(line, problem)| ChainError {
        line,
        problem: format!("not a readable CSV file: {problem}"),
    })?;
    let mut records = records.into_iter();
    let (line, header) = records.next().ok_or(ChainError {
        line: 1,
        problem: "the file is empty".into(),
    })?;
    if header.last().map(String::as_str) != Some("Chain") {
        return Err(ChainError {
            line,
            problem: "this is not an audit report: its last column is not \"Chain\"".into(),
        });
    }
    let width = header.len();
    let mut prev = chain_start(&header[..width - 1]);
    let mut count = 0;
    for (line, fields) in records.by_ref() {
        if fields.first().map(String::as_str) == Some(CHAIN_TRAILER) {
            let head = fields.get(1).cloned().unwrap_or_default();
            let rows: Option<usize> = fields.get(2).and_then(|n| n.parse().ok());
            if head != prev {
                return Err(ChainError {
                    line,
                    problem: "the chain head does not match the rows: rows were changed, \
                              added or removed"
                        .into(),
                });
            }
            if rows != Some(count) {
                return Err(ChainError {
                    line,
                    problem: format!(
                        "the trailer says {} rows but the report has {count}",
                        fields.get(2).map_or("no", String::as_str)
                    ),
                });
            }
            if let Some((line, _)) = records.next() {
                return Err(ChainError {
                    line,
                    problem: "lines after the chain head were added".into(),
                });
            }
            return Ok((head, count));
        }
        if fields.len() != width {
            return Err(ChainError {
                line,
                problem: format!("the row has {} columns, the header {width}", fields.len()),
            });
        }
        let expected = chain_next(&prev, &fields[..width - 1]);
        if fields[width - 1] != expected {
            return Err(ChainError {
                line,
                problem: "the row's chain value does not match: this row was changed, or a \
                          row before it was changed or removed"
                    .into(),
            });
        }
        prev = expected;
        count += 1;
    }
    Err(ChainError {
        line: text.lines().count(),
        problem: "the chain head line is missing: the report was cut short".into(),
    })
}
