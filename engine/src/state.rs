//! The state machine: `decide` checks a command against the state and the actor and
//! returns events; `apply` folds a record into the state. State is the fold of the log.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::definition::{
    DeniedGuestAction, FieldError, Outcome, ReviewDefinition, Schedule, GUEST_DELETION_DAYS,
};
use crate::directory::{Directory, Principal, ResourceKind};
use crate::event::{DirectoryChange, Event, ItemApplied, ItemDecision, Record, RECORD_VERSION};
use crate::instance::{
    Applied, ApplyResult, Decision, DecisionSource, Effect, Instance, InstanceStatus, OutcomeRule,
    RecordedDecision, StageEndReason, StageStatus,
};
use crate::Actor;

mod apply_results;
mod clock;
mod decide;
mod error;
mod handover;
mod stage_end;

pub use handover::Delegation;

use apply_results::apply_events;
pub use apply_results::plan_apply;
pub(crate) use apply_results::{direct_holders, removal};
use clock::{latest_due_occurrence, next_due, start_occurrence};
use decide::check_import;
pub use decide::decide;
pub(crate) use decide::decide_confirmed;
use error::status_word;
pub use error::EngineError;
use stage_end::end_stage;
// The outcome simulation walks reviewees through stages by the same rule.
pub(crate) use stage_end::moving_on_by;

/// A created (non-draft) review: its definition and where its recurrence stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// The review definition.
    pub definition: ReviewDefinition,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// The occurrence that starts next.
    pub next_occurrence: u32,
    /// Set when an administrator ended the series.
    pub ended: Option<DateTime<Utc>>,
    /// Extra runs started so far (Run now, mover reviews): numbers the next one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra_runs: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Review {
    /// When the next occurrence starts, or None when the series is over.
    pub fn next_start(&self) -> Option<DateTime<Utc>> {
        if self.ended.is_some() {
            return None;
        }
        self.definition
            .schedule
            .occurrence_start(self.next_occurrence)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// Everything the log says: the fold of the records.
pub struct State {
    /// The directory.
    pub directory: Directory,
    /// Drafts by id.
    pub drafts: BTreeMap<String, ReviewDefinition>,
    /// Created reviews by id.
    pub reviews: BTreeMap<String, Review>,
    /// Instances by id.
    pub instances: BTreeMap<String, Instance>,
    /// Blocked guests and when they are deleted.
    pub pending_deletions: BTreeMap<String, DateTime<Utc>>,
    /// Ids of the records folded in; a record seen twice changes nothing.
    pub applied_records: BTreeSet<String>,
    /// Delegations by the reviewer who is away (one each; a new one replaces it).
    #[serde(default)]
    pub delegations: BTreeMap<String, Delegation>,
    /// Message wording an administrator set, by kind (`notify`; the others use the default).
    #[serde(default)]
    pub notification_templates: BTreeMap<crate::outbox::MessageKind, crate::notify::Template>,
    /// Time-bound approvals ("Approve until a date") by instance and item (`expiry`).
    #[serde(default)]
    pub time_bound: crate::expiry::TimeBounds,
    /// When the directory was last imported (launch readiness warns when it is old).
    #[serde(default)]
    pub directory_imported: Option<DateTime<Utc>>,
}

/// Everything that identifies one command's execution: who, when, under which record id.
#[derive(Clone, Debug)]
pub struct Context {
    /// Who acted.
    pub actor: Actor,
    /// The current time.
    pub now: DateTime<Utc>,
    /// Id of the record to write.
    pub record_id: String,
    /// Why, in words a person can read.
    pub reason: Option<String>,
}

fn require_admin(actor: &Actor, action: &'static str) -> Result<(), EngineError> {
    if actor.is_administrator() {
        Ok(())
    } else {
        Err(EngineError::AdministratorOnly { action })
    }
}

impl State {
    /// An instance by id.
    pub fn instance(&self, id: &str) -> Result<&Instance, EngineError> {
        self.instances.get(id).ok_or_else(|| EngineError::NotFound {
            what: "review instance",
            id: id.into(),
        })
    }

    /// The definition an instance runs (reviews are immutable once created).
    pub fn definition_of(&self, instance: &Instance) -> &ReviewDefinition {
        &self.reviews[&instance.definition].definition
    }

    /// Execute a command: decide, then fold the resulting record into the state. Returns
    /// the record to persist, or None when nothing happened. On error the state is as it was.
    /// `AdvanceTime` runs every due transition up to `now`, in order, in one record.
    pub fn execute(&mut self, cmd: &Command, ctx: &Context) -> Result<Option<Record>, EngineError> {
        let (events, actor) = match cmd {
            // The clock acts on its own behalf, whoever's page noticed the time.
            Command::AdvanceTime => (self.advance(ctx.now), Actor::System),
            _ => {
                crate::limits::check_reason(ctx.reason.as_deref())?;
                let events = decide(self, cmd, &ctx.actor, ctx.now)?;
                for e in &events {
                    apply_event(self, e, &ctx.actor, ctx.now);
                }
                (events, ctx.actor.clone())
            }
        };
        if events.is_empty() {
            return Ok(None);
        }
        self.applied_records.insert(ctx.record_id.clone());
        Ok(Some(Record {
            v: RECORD_VERSION,
            id: ctx.record_id.clone(),
            at: ctx.now,
            actor,
            reason: ctx.reason.clone(),
            events,
        }))
    }

    /// The record a command would produce, without changing the state: persist it first,
    /// then `apply` it, so a failed write never leaves memory ahead of storage.
    pub fn prepare(&self, cmd: &Command, ctx: &Context) -> Result<Option<Record>, EngineError> {
        if let Command::AdvanceTime = cmd {
            // The time loop applies each step before finding the next; work on a copy, and
            // only when something is due at all.
            if next_due(self, ctx.now).is_empty() {
                return Ok(None);
            }
            return self.clone().execute(cmd, ctx);
        }
        crate::limits::check_reason(ctx.reason.as_deref())?;
        let events = decide(self, cmd, &ctx.actor, ctx.now)?;
        if events.is_empty() {
            return Ok(None);
        }
        Ok(Some(record_of(ctx, events)))
    }

    /// `prepare` for a command the caller no longer needs: an imported directory moves into
    /// the record instead of being copied (100,000 users take long to copy). Same checks,
    /// same record.
    pub fn prepare_owned(
        &self,
        cmd: Command,
        ctx: &Context,
    ) -> Result<Option<Record>, EngineError> {
        let Command::ImportDirectory { directory, source } = cmd else {
            return self.prepare(&cmd, ctx);
        };
        crate::limits::check_reason(ctx.reason.as_deref())?;
        check_import(&directory, &ctx.actor)?;
        // Mover reviews are decided here too, as `decide` does for the same import.
        let movers = crate::programme::mover_reviews(self, &directory, ctx.now);
        let mut events = vec![Event::DirectoryImported { directory, source }];
        events.extend(movers);
        Ok(Some(record_of(ctx, events)))
    }
}

/// Fold one record into the state. Idempotent: a record already applied changes nothing.
pub fn apply(state: &mut State, record: &Record) {
    if !state.applied_records.insert(record.id.clone()) {
        return;
    }
    for e in &record.events {
        apply_event(state, e, &record.actor, record.at);
    }
}

/// Fold a record the caller no longer needs: like `apply`, but moves large payloads (an
/// instance snapshot, an imported directory) into the state instead of copying them.
pub fn apply_owned(state: &mut State, record: Record) {
    if !state.applied_records.insert(record.id.clone()) {
        return;
    }
    for e in record.events {
        match e {
            Event::InstanceStarted { instance } => instance_started(state, Cow::Owned(*instance)),
            Event::DirectoryImported { directory, .. } => {
                state.directory = *directory;
                state.directory_imported = Some(record.at);
            }
            other => apply_event(state, &other, &record.actor, record.at),
        }
    }
}

/// Rebuild state from a log.
pub fn replay<'a>(records: impl IntoIterator<Item = &'a Record>) -> State {
    let mut state = State::default();
    for r in records {
        apply(&mut state, r);
    }
    state
}

/// Fold an instance starting (one rule for `apply` and `apply_owned`): its review's next
/// occurrence moves past it (an extra run's does not: the schedule keeps its dates); an
/// instance already known keeps what it has.
fn instance_started(state: &mut State, instance: Cow<'_, Instance>) {
    let scheduled = instance.id
        == crate::instance::instance_id(
            &instance.definition,
            instance.occurrence,
            &instance.resource.id,
        );
    if let Some(review) = state.reviews.get_mut(&instance.definition) {
        if scheduled {
            review.next_occurrence = review.next_occurrence.max(instance.occurrence + 1);
        }
    }
    if !state.instances.contains_key(&instance.id) {
        state
            .instances
            .insert(instance.id.clone(), instance.into_owned());
    }
}

fn apply_event(state: &mut State, event: &Event, actor: &Actor, at: DateTime<Utc>) {
    match event {
        Event::DirectoryImported { directory, .. } => {
            state.directory = (**directory).clone();
            state.directory_imported = Some(at);
        }
        Event::DraftSaved { definition } => {
            state
                .drafts
                .insert(definition.id.clone(), (**definition).clone());
        }
        Event::DraftDeleted { definition } => {
            state.drafts.remove(definition);
        }
        Event::ReviewCreated { definition } => {
            state.drafts.remove(&definition.id);
            state
                .reviews
                .entry(definition.id.clone())
                .or_insert_with(|| Review {
                    definition: (**definition).clone(),
                    created: at,
                    next_occurrence: 0,
                    ended: None,
                    extra_runs: 0,
                });
        }
        Event::InstanceStarted { instance } => instance_started(state, Cow::Borrowed(instance)),
        Event::DecisionsRecorded {
            instance,
            stage,
            reviewer,
            source,
            decisions,
        } => {
            let Some(inst) = state.instances.get_mut(instance) else {
                return;
            };
            let items: Vec<u32> = decisions.iter().map(|d| d.item).collect();
            for d in decisions {
                if let Some(item) = inst.items.get_mut(d.item as usize) {
                    if let Some(slot) = item.decisions.get_mut(*stage) {
                        *slot = Some(RecordedDecision {
                            decision: d.decision,
                            reviewer: reviewer.clone(),
                            justification: d.justification.clone(),
                            at,
                            source: *source,
                        });
                    }
                }
            }
            crate::expiry::forget(state, instance, *stage, &items);
        }
        Event::DecisionsReset {
            instance,
            stage,
            items,
            ..
        } => {
            let Some(inst) = state.instances.get_mut(instance) else {
                return;
            };
            for &i in items {
                if let Some(slot) = inst
                    .items
                    .get_mut(i as usize)
                    .and_then(|it| it.decisions.get_mut(*stage))
                {
                    *slot = None;
                }
            }
            crate::expiry::forget(state, instance, *stage, items);
        }
        Event::ReminderSent {
            instance, stage, ..
        } => {
            if let Some(s) = state
                .instances
                .get_mut(instance)
                .and_then(|i| i.stages.get_mut(*stage))
            {
                s.reminded = true;
                s.reminders_sent += 1;
            }
        }
        Event::StageEnded {
            instance,
            stage,
            at,
            reason,
        } => {
            if let Some(s) = state
                .instances
                .get_mut(instance)
                .and_then(|i| i.stages.get_mut(*stage))
            {
                if s.status == StageStatus::InProgress {
                    s.status = StageStatus::Completed;
                    s.ended = Some(*at);
                    s.end_reason = Some(*reason);
                }
            }
        }
        Event::StageStarted {
            instance,
            stage,
            at,
            deadline,
            items,
        } => {
            let Some(inst) = state.instances.get_mut(instance) else {
                return;
            };
            let Some(s) = inst.stages.get_mut(*stage) else {
                return;
            };
            if s.status != StageStatus::NotStarted {
                return;
            }
            s.status = StageStatus::InProgress;
            s.started = Some(*at);
            s.deadline = Some(*deadline);
            inst.current_stage = *stage;
            for &i in items {
                if let Some(item) = inst.items.get_mut(i as usize) {
                    item.stage = *stage;
                }
            }
        }
        Event::InstanceCompleted {
            instance,
            at,
            stopped,
        } => {
            if let Some(inst) = state.instances.get_mut(instance) {
                if inst.status == InstanceStatus::InProgress {
                    inst.status = InstanceStatus::Completed;
                    inst.completed = Some(*at);
                    inst.stopped = *stopped;
                }
            }
        }
        Event::ResultsApplied {
            instance,
            at,
            results,
        } => {
            let Some(inst) = state.instances.get_mut(instance) else {
                return;
            };
            if inst.status != InstanceStatus::Completed {
                return;
            }
            for r in results {
                if let Some(item) = inst.items.get_mut(r.item as usize) {
                    item.apply_result = Some(r.result.clone());
                }
            }
            inst.status = InstanceStatus::Applied;
            inst.applied = Some(Applied {
                at: *at,
                by: actor.clone(),
            });
        }
        Event::DirectoryChanged { change, .. } => change_directory(state, change),
        // Remediation lives in the log: `remediation::remediation` folds it.
        Event::RemediationAssigned { .. }
        | Event::RemediationEvidenceRecorded { .. }
        | Event::RemediationDoneExternally { .. } => {}
        Event::ItemsReassigned { .. }
        | Event::Escalated { .. }
        | Event::DelegationSet { .. }
        | Event::DelegationStarted { .. }
        | Event::DelegationEnded { .. } => handover::apply(state, event),
        Event::SeriesEnded { definition, at } => {
            if let Some(r) = state.reviews.get_mut(definition) {
                r.ended.get_or_insert(*at);
            }
        }
        // Read from the log (`evidence::signoff::sign_offs`), not kept in the state.
        Event::SignedOff { .. } => {}
        Event::NotificationTemplateSet { kind, template } => match template {
            Some(t) => {
                state.notification_templates.insert(*kind, t.clone());
            }
            None => {
                state.notification_templates.remove(kind);
            }
        },
        // The decisions it confirms follow in the same record; the log keeps the why.
        Event::BulkApprovalConfirmed { .. } => {}
        Event::ApprovalTimeBound { .. } | Event::TimeBoundApprovalEnded { .. } => {
            crate::expiry::apply(state, event)
        }
        Event::ExtraOccurrenceStarted {
            definition, run, ..
        } => {
            if let Some(r) = state.reviews.get_mut(definition) {
                r.extra_runs = r.extra_runs.max(run + 1);
            }
        }
    }
}

fn change_directory(state: &mut State, change: &DirectoryChange) {
    let dir = &mut state.directory;
    match change {
        DirectoryChange::RemoveGroupMember { group, user } => {
            if let Some(g) = dir.groups.get_mut(group) {
                g.members.retain(|m| m != &Principal::User(user.clone()));
            }
        }
        DirectoryChange::RemoveAppAssignment { application, user } => {
            if let Some(a) = dir.applications.get_mut(application) {
                a.assignments
                    .retain(|m| m != &Principal::User(user.clone()));
            }
        }
        DirectoryChange::RemoveRoleAssignment { role, user } => {
            if let Some(r) = dir.roles.get_mut(role) {
                r.assignments.retain(|a| &a.user != user);
            }
        }
        DirectoryChange::RemovePackageAssignment { package, user } => {
            if let Some(p) = dir.access_packages.get_mut(package) {
                p.assignments.retain(|u| u != user);
            }
        }
        DirectoryChange::BlockGuest { user, delete_at } => {
            if let Some(u) = dir.users.get_mut(user) {
                u.account_enabled = false;
                state.pending_deletions.insert(user.clone(), *delete_at);
            }
        }
        DirectoryChange::DeleteUser { user } => {
            state.pending_deletions.remove(user);
            dir.users.remove(user);
            let principal = Principal::User(user.clone());
            for u in dir.users.values_mut() {
                if u.manager.as_deref() == Some(user) {
                    u.manager = None;
                }
            }
            for g in dir.groups.values_mut() {
                g.members.retain(|m| m != &principal);
                g.owners.retain(|o| o != user);
            }
            for a in dir.applications.values_mut() {
                a.assignments.retain(|m| m != &principal);
                a.owners.retain(|o| o != user);
            }
            for r in dir.roles.values_mut() {
                r.assignments.retain(|a| &a.user != user);
            }
            for p in dir.access_packages.values_mut() {
                p.assignments.retain(|u| u != user);
                p.owners.retain(|o| o != user);
            }
        }
    }
}

/// The record of `events` decided under `ctx`.
fn record_of(ctx: &Context, events: Vec<Event>) -> Record {
    Record {
        v: RECORD_VERSION,
        id: ctx.record_id.clone(),
        at: ctx.now,
        actor: ctx.actor.clone(),
        reason: ctx.reason.clone(),
        events,
    }
}
