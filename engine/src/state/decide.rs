//! `decide`: checks a command against the state and the actor and answers with the events
//! it would record, or the reason it is refused.

use super::*;

/// An import is an administrator's, and every reference in the directory must resolve.
pub(super) fn check_import(directory: &Directory, actor: &Actor) -> Result<(), EngineError> {
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
    decide_confirmed(state, cmd, actor, now, None)
}

/// `decide`, with the justification of a confirmed bulk approval (`guardrails`) when the
/// command is the one a `ConfirmBulkApproval` confirms.
pub(crate) fn decide_confirmed(
    state: &State,
    cmd: &Command,
    actor: &Actor,
    now: DateTime<Utc>,
    confirmation: Option<&str>,
) -> Result<Vec<Event>, EngineError> {
    crate::limits::check_command(cmd, actor)?;
    match cmd {
        Command::ImportDirectory { directory, source } => {
            check_import(directory, actor)?;
            let movers = crate::programme::mover_reviews(state, directory, now);
            let mut events = vec![Event::DirectoryImported {
                directory: directory.clone(),
                source: source.clone(),
            }];
            events.extend(movers);
            Ok(events)
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
                let item = reviewer_item(state, inst, d.item, stage, reviewer)?;
                if d.decision == Decision::Approve
                    && def.settings.justification_required
                    && d.justification.trim().is_empty()
                {
                    return Err(EngineError::JustificationRequired {
                        user: item.user_name.clone(),
                    });
                }
            }
            let guard =
                crate::guardrails::enforce(state, inst, stage, reviewer, decisions, confirmation)?;
            Ok(guard
                .into_iter()
                .chain(decisions_recorded(
                    instance,
                    stage,
                    reviewer,
                    DecisionSource::Reviewer,
                    decisions.clone(),
                ))
                .collect())
        }
        Command::AcceptRecommendations {
            instance,
            items,
            justification,
        } => {
            let (inst, stage, reviewer) = open_stage_for_reviewer(state, instance, actor)?;
            let justification = justification.trim();
            let def = state.definition_of(inst);
            let required = def.settings.justification_required;
            let shown = def.stages[stage].recommendations;
            let candidates: Vec<u32> = match items {
                Some(items) => {
                    for &i in items {
                        reviewer_item(state, inst, i, stage, reviewer)?;
                    }
                    items.clone()
                }
                None => inst
                    .items_in(stage)
                    .filter(|(_, it)| state.reviews_item(inst, it, stage, reviewer))
                    .map(|(i, _)| i as u32)
                    .collect(),
            };
            let decisions: Vec<ItemDecision> = candidates
                .into_iter()
                .filter_map(|i| {
                    let rec = inst.items[i as usize].recommendation_to_accept(stage, shown)?;
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
            let guard =
                crate::guardrails::enforce(state, inst, stage, reviewer, &decisions, confirmation)?;
            Ok(guard
                .into_iter()
                .chain(decisions_recorded(
                    instance,
                    stage,
                    reviewer,
                    DecisionSource::AcceptedRecommendation,
                    decisions,
                ))
                .collect())
        }
        Command::ResetDecisions { instance, items } => {
            let (inst, stage, reviewer) = open_stage_for_reviewer(state, instance, actor)?;
            for &i in items {
                reviewer_item(state, inst, i, stage, reviewer)?;
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
        Command::ReassignItems {
            instance,
            from,
            items,
            to,
            reason,
        } => reassign(
            state,
            actor,
            instance,
            from.as_deref(),
            items.as_deref(),
            to,
            reason,
        ),
        Command::DelegateReviews {
            reviewer,
            delegate,
            from,
            until,
            reason,
        } => {
            let reviewer = acting_for(
                actor,
                reviewer.as_deref(),
                "delegate another reviewer's items",
            )?;
            person(state, reviewer)?;
            let to = person(state, delegate)?;
            if delegate == reviewer {
                return Err(EngineError::CannotHandOver(
                    "choose someone else as the delegate".into(),
                ));
            }
            if from >= until {
                return Err(EngineError::CannotHandOver(
                    "the delegation must end after it starts".into(),
                ));
            }
            if *until <= now {
                return Err(EngineError::CannotHandOver(
                    "the delegation would already be over".into(),
                ));
            }
            // Depth: one level. Someone away cannot be a delegate, nor hand on what is theirs
            // by delegation (delegated items never pass through a second delegation).
            if state
                .delegations
                .get(delegate)
                .is_some_and(|d| d.until > now)
            {
                return Err(EngineError::CannotHandOver(format!(
                    "{} is away and has a delegate; choose someone else",
                    to.display_name
                )));
            }
            if state
                .delegations
                .values()
                .any(|d| d.delegate == reviewer && d.until > now)
            {
                return Err(EngineError::CannotHandOver(
                    "a delegate cannot delegate again".into(),
                ));
            }
            require_reason(reason)?;
            Ok(vec![Event::DelegationSet {
                reviewer: reviewer.to_string(),
                delegate: delegate.clone(),
                // A window that began in the past starts now: nothing is stamped earlier
                // than the record that set it.
                from: (*from).max(now),
                until: *until,
                reason: reason.trim().to_string(),
            }])
        }
        Command::AdvanceTime => Ok(next_due(state, now)),
        Command::AssignRemediation { .. }
        | Command::RecordRemediationEvidence { .. }
        | Command::MarkRemediationDone { .. } => crate::remediation::decide(state, cmd, actor, now),
        Command::SignOff {
            instance,
            verdict,
            comment,
        } => crate::evidence::signoff::decide(state, actor, instance, *verdict, comment),
        Command::SetNotificationTemplate { kind, template } => {
            require_admin(actor, "word the notifications")?;
            if let Some(t) = template {
                crate::notify::check(*kind, t).map_err(EngineError::InvalidTemplate)?;
            }
            // Setting the wording already in force records nothing.
            if state.notification_templates.get(kind) == template.as_ref() {
                return Ok(vec![]);
            }
            Ok(vec![Event::NotificationTemplateSet {
                kind: *kind,
                template: template.clone(),
            }])
        }
        Command::ConfirmBulkApproval {
            justification,
            command,
        } => match **command {
            Command::RecordDecisions { .. }
            | Command::AcceptRecommendations { .. }
            | Command::ApproveUntil { .. } => {
                decide_confirmed(state, command, actor, now, Some(justification))
            }
            _ => Err(EngineError::NotAllowed(
                "a confirmation confirms decisions only".into(),
            )),
        },
        Command::ApproveUntil {
            instance,
            items,
            until,
            justification,
        } => crate::expiry::decide(
            state,
            actor,
            now,
            (instance, items, *until, justification),
            confirmation,
        ),
        Command::RunNow { definition } => crate::programme::run_now(state, definition, actor, now),
    }
}

/// The event recording `decisions`, or nothing when there are none.
pub(super) fn decisions_recorded(
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

pub(super) fn open_instance<'a>(
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
pub(super) fn open_stage_for_reviewer<'a>(
    state: &'a State,
    instance: &str,
    actor: &'a Actor,
) -> Result<(&'a Instance, usize, &'a str), EngineError> {
    let reviewer = actor.user_id().ok_or(EngineError::NotAReviewer)?;
    let inst = open_instance(state, instance, "decisions can no longer be changed")?;
    Ok((inst, inst.current_stage, reviewer))
}

pub(super) fn reviewer_item<'a>(
    state: &State,
    inst: &'a Instance,
    item: u32,
    stage: usize,
    reviewer: &str,
) -> Result<&'a crate::instance::DecisionItem, EngineError> {
    inst.items
        .get(item as usize)
        .filter(|it| state.reviews_item(inst, it, stage, reviewer))
        .ok_or(EngineError::NotYourItem { item, stage })
}

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

/// Whose items a command hands over: a reviewer's own (`named` None or themselves), or,
/// for an administrator, the named reviewer's.
fn acting_for<'a>(
    actor: &'a Actor,
    named: Option<&'a str>,
    action: &'static str,
) -> Result<&'a str, EngineError> {
    match (actor, named) {
        (Actor::User { id }, None) => Ok(id),
        (Actor::User { id }, Some(n)) if n == id => Ok(id),
        (Actor::Administrator { .. }, Some(n)) => Ok(n),
        (Actor::Administrator { .. }, None) => Err(EngineError::CannotHandOver(
            "name the reviewer whose items are handed over".into(),
        )),
        _ => Err(EngineError::AdministratorOnly { action }),
    }
}

fn person<'a>(state: &'a State, id: &str) -> Result<&'a crate::directory::User, EngineError> {
    state
        .directory
        .users
        .get(id)
        .ok_or_else(|| EngineError::NotFound {
            what: "user",
            id: id.into(),
        })
}

fn require_reason(reason: &str) -> Result<(), EngineError> {
    if reason.trim().is_empty() {
        return Err(EngineError::CannotHandOver("give a reason".into()));
    }
    crate::limits::check_reason(Some(reason))
}

/// `ReassignItems`: `from`'s items of the open stage go to `to`.
fn reassign(
    state: &State,
    actor: &Actor,
    instance: &str,
    from: Option<&str>,
    items: Option<&[u32]>,
    to: &str,
    reason: &str,
) -> Result<Vec<Event>, EngineError> {
    let from = acting_for(actor, from, "reassign another reviewer's items")?;
    let inst = open_instance(state, instance, "items can no longer be reassigned")?;
    let stage = inst.current_stage;
    if state.is_self_review(inst, stage) {
        return Err(EngineError::SelfReviewStage { stage });
    }
    let new = person(state, to)?;
    if to == from {
        return Err(EngineError::CannotHandOver(
            "choose someone else to hand the items to".into(),
        ));
    }
    require_reason(reason)?;
    // Only items `from` holds in their own right: delegated items are not handed on.
    let own = |it: &crate::instance::DecisionItem| {
        it.stage == stage && inst.reviewers_of(it, stage).iter().any(|r| r == from)
    };
    let chosen: Vec<u32> = match items {
        Some(items) => {
            for &i in items {
                inst.items
                    .get(i as usize)
                    .filter(|it| own(it))
                    .ok_or(EngineError::NotYourItem { item: i, stage })?;
            }
            let mut v = items.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        }
        None => inst
            .items_in(stage)
            .filter(|(_, it)| own(it))
            .map(|(i, _)| i as u32)
            .collect(),
    };
    if chosen.is_empty() {
        return Err(EngineError::CannotHandOver(
            "there are no items to reassign".into(),
        ));
    }
    if chosen.iter().any(|&i| inst.items[i as usize].user == to) {
        return Err(EngineError::NotIndependent {
            user: new.display_name.clone(),
        });
    }
    Ok(vec![Event::ItemsReassigned {
        instance: instance.to_string(),
        stage,
        from: from.to_string(),
        to: to.to_string(),
        items: chosen,
        reason: reason.trim().to_string(),
    }])
}
