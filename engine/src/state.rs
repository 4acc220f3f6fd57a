//! The state machine: `decide` checks a command against the state and the actor and
//! returns events; `apply` folds a record into the state. State is the fold of the log.

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
    snapshot, Applied, ApplyResult, Decision, DecisionSource, Effect, Instance, InstanceStatus,
    OutcomeRule, RecordedDecision, StageEndReason, StageStatus,
};
use crate::Actor;

/// A created (non-draft) review: its definition and where its recurrence stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub definition: ReviewDefinition,
    pub created: DateTime<Utc>,
    /// The occurrence that starts next.
    pub next_occurrence: u32,
    /// Set when an administrator ended the series.
    pub ended: Option<DateTime<Utc>>,
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
pub struct State {
    pub directory: Directory,
    pub drafts: BTreeMap<String, ReviewDefinition>,
    pub reviews: BTreeMap<String, Review>,
    pub instances: BTreeMap<String, Instance>,
    /// Blocked guests and when they are deleted.
    pub pending_deletions: BTreeMap<String, DateTime<Utc>>,
    /// Ids of the records folded in; a record seen twice changes nothing.
    pub applied_records: BTreeSet<String>,
}

/// Everything that identifies one command's execution: who, when, under which record id.
#[derive(Clone, Debug)]
pub struct Context {
    pub actor: Actor,
    pub now: DateTime<Utc>,
    pub record_id: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("only a review administrator can {action}")]
    AdministratorOnly { action: &'static str },
    #[error("choose who you are acting as: only directory users review access")]
    NotAReviewer,
    #[error("{what} \"{id}\" does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("the review is not valid: {}", list(.errors))]
    InvalidDefinition { errors: Vec<FieldError> },
    #[error("a review with id \"{id}\" already exists")]
    AlreadyExists { id: String },
    #[error("the directory has references to objects that do not exist: {}", .missing.join("; "))]
    DanglingReferences { missing: Vec<String> },
    #[error("this review is {status}: {action} is not possible")]
    WrongStatus {
        status: &'static str,
        action: &'static str,
    },
    #[error("reviewee {item} is not assigned to you in stage {}", .stage + 1)]
    NotYourItem { item: u32, stage: usize },
    #[error("a justification is required to approve access ({user})")]
    JustificationRequired { user: String },
    /// A text over its cap (see `limits`).
    #[error("{what} is longer than {max} characters")]
    TooLong { what: String, max: usize },
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn status_word(status: InstanceStatus) -> &'static str {
    match status {
        InstanceStatus::NotStarted => "not started",
        InstanceStatus::InProgress => "in progress",
        InstanceStatus::Completed => "completed",
        InstanceStatus::Applied => "applied",
    }
}

fn require_admin(actor: &Actor, action: &'static str) -> Result<(), EngineError> {
    if actor.is_administrator() {
        Ok(())
    } else {
        Err(EngineError::AdministratorOnly { action })
    }
}

impl State {
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
        Ok(Some(record_of(
            ctx,
            vec![Event::DirectoryImported { directory, source }],
        )))
    }

    /// Run due transitions one moment at a time, applying each before looking for the next.
    fn advance(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let mut all = Vec::new();
        // Bounded: each step consumes a deadline, a reminder, an occurrence or a deletion.
        for _ in 0..100_000 {
            let step = next_due(self, now);
            if step.is_empty() {
                break;
            }
            for e in &step {
                apply_event(self, e, &Actor::System, now);
            }
            all.extend(step);
        }
        all
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
            Event::InstanceStarted { instance } => {
                if let Some(review) = state.reviews.get_mut(&instance.definition) {
                    review.next_occurrence = review.next_occurrence.max(instance.occurrence + 1);
                }
                state
                    .instances
                    .entry(instance.id.clone())
                    .or_insert(*instance);
            }
            Event::DirectoryImported { directory, .. } => state.directory = *directory,
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

fn apply_event(state: &mut State, event: &Event, actor: &Actor, at: DateTime<Utc>) {
    match event {
        Event::DirectoryImported { directory, .. } => state.directory = (**directory).clone(),
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
                });
        }
        Event::InstanceStarted { instance } => {
            if let Some(review) = state.reviews.get_mut(&instance.definition) {
                review.next_occurrence = review.next_occurrence.max(instance.occurrence + 1);
            }
            state
                .instances
                .entry(instance.id.clone())
                .or_insert_with(|| (**instance).clone());
        }
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
        Event::SeriesEnded { definition, at } => {
            if let Some(r) = state.reviews.get_mut(definition) {
                r.ended.get_or_insert(*at);
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

/// An import is an administrator's, and every reference in the directory must resolve.
fn check_import(directory: &Directory, actor: &Actor) -> Result<(), EngineError> {
    require_admin(actor, "import the directory")?;
    crate::limits::check_directory(directory)?;
    let missing = directory.dangling_references();
    if !missing.is_empty() {
        return Err(EngineError::DanglingReferences {
            missing: missing
                .into_iter()
                .map(|(at, id)| format!("{at} names \"{id}\""))
                .collect(),
        });
    }
    Ok(())
}

/// Check a command against the state and the actor; the events it would record.
/// `AdvanceTime` answers with the next due moment's events only (`State::execute` repeats).
pub fn decide(
    state: &State,
    cmd: &Command,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, EngineError> {
    crate::limits::check_command(cmd, actor)?;
    match cmd {
        Command::ImportDirectory { directory, source } => {
            check_import(directory, actor)?;
            Ok(vec![Event::DirectoryImported {
                directory: directory.clone(),
                source: source.clone(),
            }])
        }
        Command::SaveDraft { definition } => {
            require_admin(actor, "save a draft review")?;
            if definition.id.trim().is_empty() {
                return Err(EngineError::InvalidDefinition {
                    errors: vec![FieldError {
                        field: "id".into(),
                        rule: "a review needs an id".into(),
                    }],
                });
            }
            if state.reviews.contains_key(&definition.id) {
                return Err(EngineError::AlreadyExists {
                    id: definition.id.clone(),
                });
            }
            Ok(vec![Event::DraftSaved {
                definition: definition.clone(),
            }])
        }
        Command::DeleteDraft { definition } => {
            require_admin(actor, "delete a draft review")?;
            if !state.drafts.contains_key(definition) {
                return Err(EngineError::NotFound {
                    what: "draft",
                    id: definition.clone(),
                });
            }
            Ok(vec![Event::DraftDeleted {
                definition: definition.clone(),
            }])
        }
        Command::CreateReview { definition } => {
            require_admin(actor, "create a review")?;
            if state.reviews.contains_key(&definition.id) {
                return Err(EngineError::AlreadyExists {
                    id: definition.id.clone(),
                });
            }
            let errors = definition.validate(&state.directory);
            if !errors.is_empty() {
                return Err(EngineError::InvalidDefinition { errors });
            }
            let mut events = vec![Event::ReviewCreated {
                definition: definition.clone(),
            }];
            if definition.schedule.start <= now {
                let n = latest_due_occurrence(&definition.schedule, 0, now);
                if let Some(at) = definition.schedule.occurrence_start(n) {
                    events.extend(start_occurrence(
                        state,
                        definition,
                        n,
                        created_start(at, now),
                    ));
                }
            }
            Ok(events)
        }
        Command::RecordDecisions {
            instance,
            decisions,
        } => {
            let (inst, stage, reviewer) = open_stage_for_reviewer(state, instance, actor)?;
            let def = state.definition_of(inst);
            for d in decisions {
                let item = reviewer_item(inst, d.item, stage, reviewer)?;
                if d.decision == Decision::Approve
                    && def.settings.justification_required
                    && d.justification.trim().is_empty()
                {
                    return Err(EngineError::JustificationRequired {
                        user: item.user_name.clone(),
                    });
                }
            }
            Ok(decisions_recorded(
                instance,
                stage,
                reviewer,
                DecisionSource::Reviewer,
                decisions.clone(),
            ))
        }
        Command::AcceptRecommendations {
            instance,
            items,
            justification,
        } => {
            let (inst, stage, reviewer) = open_stage_for_reviewer(state, instance, actor)?;
            let justification = justification.trim();
            let required = state.definition_of(inst).settings.justification_required;
            let candidates: Vec<u32> = match items {
                Some(items) => {
                    for &i in items {
                        reviewer_item(inst, i, stage, reviewer)?;
                    }
                    items.clone()
                }
                None => inst
                    .items_in(stage)
                    .filter(|(_, it)| inst.is_reviewer(it, stage, reviewer))
                    .map(|(i, _)| i as u32)
                    .collect(),
            };
            let decisions: Vec<ItemDecision> = candidates
                .into_iter()
                .filter_map(|i| {
                    let item = &inst.items[i as usize];
                    if item.decision_in(stage).is_some() {
                        return None;
                    }
                    let rec = item.recommendation.as_ref()?;
                    Some(ItemDecision {
                        item: i,
                        decision: rec.decision,
                        justification: if justification.is_empty() {
                            format!("Accepted recommendation: {}", rec.text())
                        } else {
                            justification.to_string()
                        },
                    })
                })
                .collect();
            // The same rule as a reviewer's own Approve: accepting does not bypass it.
            if required && justification.is_empty() {
                if let Some(d) = decisions.iter().find(|d| d.decision == Decision::Approve) {
                    return Err(EngineError::JustificationRequired {
                        user: inst.items[d.item as usize].user_name.clone(),
                    });
                }
            }
            Ok(decisions_recorded(
                instance,
                stage,
                reviewer,
                DecisionSource::AcceptedRecommendation,
                decisions,
            ))
        }
        Command::ResetDecisions { instance, items } => {
            let (inst, stage, reviewer) = open_stage_for_reviewer(state, instance, actor)?;
            for &i in items {
                reviewer_item(inst, i, stage, reviewer)?;
            }
            Ok(vec![Event::DecisionsReset {
                instance: instance.clone(),
                stage,
                reviewer: reviewer.to_string(),
                items: items.clone(),
            }])
        }
        Command::StopCurrentStage { instance } => {
            require_admin(actor, "stop the current stage")?;
            let inst = open_instance(state, instance, "stopping the current stage")?;
            Ok(end_stage(state, inst, now, StageEndReason::Stopped))
        }
        Command::StopReview { instance } => {
            require_admin(actor, "stop a review")?;
            let inst = open_instance(state, instance, "stopping the review")?;
            Ok(end_stage(state, inst, now, StageEndReason::ReviewStopped))
        }
        Command::ApplyResults { instance } => {
            require_admin(actor, "apply results")?;
            let inst = state.instance(instance)?;
            if inst.status != InstanceStatus::Completed {
                return Err(EngineError::WrongStatus {
                    status: status_word(inst.status),
                    action: "results are applied only once the review has finished, and only once",
                });
            }
            Ok(apply_events(state, inst, now))
        }
        Command::EndSeries { definition } => {
            require_admin(actor, "end a recurring review")?;
            let review = state
                .reviews
                .get(definition)
                .ok_or_else(|| EngineError::NotFound {
                    what: "review",
                    id: definition.clone(),
                })?;
            if review.ended.is_some() {
                return Ok(vec![]);
            }
            Ok(vec![Event::SeriesEnded {
                definition: definition.clone(),
                at: now,
            }])
        }
        Command::AdvanceTime => Ok(next_due(state, now)),
    }
}

/// The event recording `decisions`, or nothing when there are none.
fn decisions_recorded(
    instance: &str,
    stage: usize,
    reviewer: &str,
    source: DecisionSource,
    decisions: Vec<ItemDecision>,
) -> Vec<Event> {
    if decisions.is_empty() {
        return Vec::new();
    }
    vec![Event::DecisionsRecorded {
        instance: instance.to_string(),
        stage,
        reviewer: reviewer.to_string(),
        source,
        decisions,
    }]
}

fn open_instance<'a>(
    state: &'a State,
    id: &str,
    action: &'static str,
) -> Result<&'a Instance, EngineError> {
    let inst = state.instance(id)?;
    if !inst.is_open() {
        return Err(EngineError::WrongStatus {
            status: status_word(inst.status),
            action,
        });
    }
    Ok(inst)
}

/// The instance, its open stage and the reviewer's id, or why the actor cannot decide.
fn open_stage_for_reviewer<'a>(
    state: &'a State,
    instance: &str,
    actor: &'a Actor,
) -> Result<(&'a Instance, usize, &'a str), EngineError> {
    let reviewer = actor.user_id().ok_or(EngineError::NotAReviewer)?;
    let inst = open_instance(state, instance, "decisions can no longer be changed")?;
    Ok((inst, inst.current_stage, reviewer))
}

fn reviewer_item<'a>(
    inst: &'a Instance,
    item: u32,
    stage: usize,
    reviewer: &str,
) -> Result<&'a crate::instance::DecisionItem, EngineError> {
    inst.items
        .get(item as usize)
        .filter(|it| inst.is_reviewer(it, stage, reviewer))
        .ok_or(EngineError::NotYourItem { item, stage })
}

/// The events that start occurrence `n` of a review: one instance per resource.
/// When an occurrence due at creation starts: one scheduled earlier today (a start date of
/// today means midnight UTC) starts at creation, so reviewers keep the whole stage; one from
/// an earlier day keeps its scheduled time, as catch-up does.
fn created_start(scheduled: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    if scheduled.date_naive() == now.date_naive() {
        scheduled.max(now)
    } else {
        scheduled
    }
}

fn start_occurrence(
    state: &State,
    def: &ReviewDefinition,
    n: u32,
    at: DateTime<Utc>,
) -> Vec<Event> {
    def.scope
        .resources
        .iter()
        .map(|r| Event::InstanceStarted {
            instance: Box::new(snapshot(def, &state.directory, r, n, at)),
        })
        .collect()
}

/// What "Reviewees going to the next stage" reads for an item when its stage ends: the
/// decision recorded in that stage (Not reviewed when there is none). Instances of earlier
/// releases read the last decision of any stage, as they did when they ran.
fn moving_on_by(inst: &Instance, item: &crate::instance::DecisionItem) -> Outcome {
    match inst.outcome_rule {
        OutcomeRule::StageDecision => item.outcome_in(item.stage),
        OutcomeRule::CarriedOver => inst
            .standing(item)
            .map_or(Outcome::NotReviewed, |d| d.decision.outcome()),
    }
}

/// End the current stage of an open instance at `at`; the next stage starts at once with
/// the reviewees whose decision in that stage is in "Reviewees going to the next stage"; when none
/// go on, or this was the last stage, or the review was stopped, the instance completes.
fn end_stage(
    state: &State,
    inst: &Instance,
    at: DateTime<Utc>,
    reason: StageEndReason,
) -> Vec<Event> {
    let def = state.definition_of(inst);
    let stage = inst.current_stage;
    let mut events = vec![Event::StageEnded {
        instance: inst.id.clone(),
        stage,
        at,
        reason,
    }];
    let mut next = stage + 1;
    if reason != StageEndReason::ReviewStopped && next < def.stages.len() {
        let moving: Vec<u32> = inst
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| {
                it.stage == stage
                    && def
                        .decisions_to_next_stage
                        .contains(&moving_on_by(inst, it))
            })
            .map(|(i, _)| i as u32)
            .collect();
        if !moving.is_empty() {
            let deadline = at + Duration::days(i64::from(def.stages[next].duration_days));
            events.push(Event::StageStarted {
                instance: inst.id.clone(),
                stage: next,
                at,
                deadline,
                items: moving,
            });
            return events;
        }
        // Nobody goes on: the later stages run empty and end at once, so every stage
        // reads Completed and the record says why.
        while next < def.stages.len() {
            events.push(Event::StageStarted {
                instance: inst.id.clone(),
                stage: next,
                at,
                deadline: at,
                items: vec![],
            });
            events.push(Event::StageEnded {
                instance: inst.id.clone(),
                stage: next,
                at,
                reason: StageEndReason::NoReviewees,
            });
            next += 1;
        }
    }
    events.push(Event::InstanceCompleted {
        instance: inst.id.clone(),
        at,
        stopped: reason == StageEndReason::ReviewStopped,
    });
    if def.settings.auto_apply {
        // Applying reads the instance as completed; the plan does not depend on status.
        events.extend(apply_events(state, inst, at));
    }
    events
}

/// What applying an instance's results would do: per item, and the directory changes.
/// Used for the preview before apply and by apply itself (one code path).
pub fn plan_apply(
    state: &State,
    inst: &Instance,
    at: DateTime<Utc>,
) -> (Vec<ItemApplied>, Vec<DirectoryChange>) {
    let def = state.definition_of(inst);
    let dir = &state.directory;
    let block_guests = def.settings.denied_guest_action == Some(DeniedGuestAction::BlockThenDelete);
    // Who holds the access directly right now: one pass, so each item is an O(1) check.
    let direct = direct_holders(dir, inst.resource.kind, &inst.resource.id);
    let mut blocked: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(inst.items.len());
    let mut changes = Vec::new();
    for (i, item) in inst.items.iter().enumerate() {
        let outcome = inst.outcome(item, def.settings.if_no_response);
        let result = if outcome != Outcome::Deny {
            ApplyResult::Applied {
                effect: Effect::AccessKept,
            }
        } else if block_guests && item.user_type == crate::directory::UserType::Guest {
            if dir.users.contains_key(&item.user) {
                if !state.pending_deletions.contains_key(&item.user) && blocked.insert(&item.user) {
                    changes.push(DirectoryChange::BlockGuest {
                        user: item.user.clone(),
                        delete_at: at + Duration::days(GUEST_DELETION_DAYS),
                    });
                }
                ApplyResult::Applied {
                    effect: Effect::GuestBlocked,
                }
            } else {
                ApplyResult::ObjectNotFound
            }
        } else if let Some(reason) = &item.not_supported {
            ApplyResult::NotSupported {
                reason: reason.clone(),
            }
        } else if direct
            .as_ref()
            .is_some_and(|d| d.contains(item.user.as_str()))
        {
            changes.push(removal(inst.resource.kind, &inst.resource.id, &item.user));
            ApplyResult::Applied {
                effect: Effect::AccessRemoved,
            }
        } else {
            ApplyResult::ObjectNotFound
        };
        results.push(ItemApplied {
            item: i as u32,
            result,
        });
    }
    (results, changes)
}

/// Users holding a resource directly, or None when the resource no longer exists.
fn direct_holders<'a>(
    dir: &'a Directory,
    kind: ResourceKind,
    resource: &str,
) -> Option<std::collections::HashSet<&'a str>> {
    let users = |ps: &'a [Principal]| {
        ps.iter()
            .filter_map(|p| match p {
                Principal::User(u) => Some(u.as_str()),
                Principal::Group(_) => None,
            })
            .collect()
    };
    match kind {
        ResourceKind::Group => dir.groups.get(resource).map(|g| users(&g.members)),
        ResourceKind::Application => dir
            .applications
            .get(resource)
            .map(|a| users(&a.assignments)),
        ResourceKind::DirectoryRole => dir
            .roles
            .get(resource)
            .map(|r| r.assignments.iter().map(|a| a.user.as_str()).collect()),
        ResourceKind::AccessPackage => dir
            .access_packages
            .get(resource)
            .map(|p| p.assignments.iter().map(String::as_str).collect()),
    }
}

/// The change that removes a user's direct access.
fn removal(kind: ResourceKind, resource: &str, user: &str) -> DirectoryChange {
    let (resource, user) = (resource.to_string(), user.to_string());
    match kind {
        ResourceKind::Group => DirectoryChange::RemoveGroupMember {
            group: resource,
            user,
        },
        ResourceKind::Application => DirectoryChange::RemoveAppAssignment {
            application: resource,
            user,
        },
        ResourceKind::DirectoryRole => DirectoryChange::RemoveRoleAssignment {
            role: resource,
            user,
        },
        ResourceKind::AccessPackage => DirectoryChange::RemovePackageAssignment {
            package: resource,
            user,
        },
    }
}

fn apply_events(state: &State, inst: &Instance, at: DateTime<Utc>) -> Vec<Event> {
    let (results, changes) = plan_apply(state, inst, at);
    let mut events = vec![Event::ResultsApplied {
        instance: inst.id.clone(),
        at,
        results,
    }];
    events.extend(changes.into_iter().map(|change| Event::DirectoryChanged {
        change,
        at,
        instance: Some(inst.id.clone()),
    }));
    events
}

/// Bounded catch-up: of a review's occurrences that are due by `now`, only the latest
/// starts; earlier ones that were never started are skipped (their numbers stay unused, a
/// gap in the instance ids). A recurring review created to start far in the past so costs
/// one occurrence's work, not one per period missed. Without any due occurrence this is
/// the next one.
fn latest_due_occurrence(schedule: &Schedule, from: u32, now: DateTime<Utc>) -> u32 {
    let mut n = from;
    while let Some(next) = n.checked_add(1) {
        match schedule.occurrence_start(next) {
            Some(at) if at <= now => n = next,
            _ => break,
        }
    }
    n
}

/// A transition the clock makes due.
enum Due<'a> {
    Deletion(&'a str),
    Reminder(&'a Instance),
    Deadline(&'a Instance),
    /// The review and the occurrence to start (see `latest_due_occurrence`).
    Occurrence(&'a Review, u32),
}

/// The events of the earliest transition due at or before `now`, stamped with the time it
/// was scheduled for. Ties go deletions, reminders, deadlines, then new occurrences, so a
/// recurring instance ends before its successor starts.
fn next_due(state: &State, now: DateTime<Utc>) -> Vec<Event> {
    let mut due: Vec<(DateTime<Utc>, u8, Due)> = Vec::new();
    for (user, at) in &state.pending_deletions {
        due.push((*at, 0, Due::Deletion(user)));
    }
    for inst in state.instances.values().filter(|i| i.is_open()) {
        let stage = &inst.stages[inst.current_stage];
        let (Some(started), Some(deadline)) = (stage.started, stage.deadline) else {
            continue;
        };
        if state.definition_of(inst).settings.reminders && !stage.reminded && deadline > started {
            due.push((started + (deadline - started) / 2, 1, Due::Reminder(inst)));
        }
        due.push((deadline, 2, Due::Deadline(inst)));
    }
    for review in state.reviews.values().filter(|r| r.next_start().is_some()) {
        let n = latest_due_occurrence(&review.definition.schedule, review.next_occurrence, now);
        if let Some(at) = review.definition.schedule.occurrence_start(n) {
            due.push((at, 3, Due::Occurrence(review, n)));
        }
    }
    let best = due
        .into_iter()
        .filter(|(at, _, _)| *at <= now)
        .min_by_key(|(at, rank, _)| (*at, *rank));
    let Some((at, _, due)) = best else {
        return vec![];
    };
    match due {
        Due::Deletion(user) => vec![Event::DirectoryChanged {
            change: DirectoryChange::DeleteUser {
                user: user.to_string(),
            },
            at,
            instance: None,
        }],
        Due::Reminder(inst) => {
            let stage = inst.current_stage;
            let mut reviewers = BTreeSet::new();
            for (_, item) in inst
                .items_in(stage)
                .filter(|(_, it)| it.stage == stage && it.decision_in(stage).is_none())
            {
                reviewers.extend(inst.reviewers_of(item, stage).iter().cloned());
            }
            vec![Event::ReminderSent {
                instance: inst.id.clone(),
                stage,
                at,
                reviewers: reviewers.into_iter().collect(),
            }]
        }
        Due::Deadline(inst) => end_stage(state, inst, at, StageEndReason::Deadline),
        Due::Occurrence(review, n) => start_occurrence(state, &review.definition, n, at)
            .into_iter()
            .chain(
                review
                    .definition
                    .scope
                    .resources
                    .is_empty()
                    .then(|| Event::SeriesEnded {
                        definition: review.definition.id.clone(),
                        at,
                    }),
            )
            .collect(),
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
