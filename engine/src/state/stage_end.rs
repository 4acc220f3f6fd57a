//! Ending a stage: who goes on to the next stage, and when an instance completes.

use super::*;

/// What "Reviewees going to the next stage" reads for an item when its stage ends: the
/// decision recorded in that stage (Not reviewed when there is none). Instances of earlier
/// releases read the last decision of any stage, as they did when they ran.
pub(crate) fn moving_on_by(inst: &Instance, item: &crate::instance::DecisionItem) -> Outcome {
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
pub(super) fn end_stage(
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
