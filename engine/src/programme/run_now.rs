//! "Run now": an extra occurrence of a recurring review, today, inside the same series.

use chrono::{DateTime, Utc};

use super::{extra_instance_id, ExtraCause};
use crate::definition::Frequency;
use crate::event::Event;
use crate::instance::snapshot;
use crate::state::{EngineError, Review, State};
use crate::Actor;

/// Decide `Command::RunNow`: administrators only; the series must be recurring, not ended,
/// with resources, and no occurrence of it open (two at once would ask reviewers twice).
pub fn run_now(
    state: &State,
    definition: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, EngineError> {
    if !actor.is_administrator() {
        return Err(EngineError::AdministratorOnly {
            action: "run a review now",
        });
    }
    let review = state
        .reviews
        .get(definition)
        .ok_or_else(|| EngineError::NotFound {
            what: "review",
            id: definition.to_string(),
        })?;
    let def = &review.definition;
    let refuse = |why: String| Err(EngineError::CannotRunNow(why));
    if def.schedule.frequency == Frequency::OneTime {
        return refuse(format!(
            "\u{201c}{}\u{201d} is a one-time review: Run now starts extra occurrences of recurring reviews; create a new review instead",
            def.name
        ));
    }
    if review.ended.is_some() {
        return refuse(format!(
            "the series \u{201c}{}\u{201d} has ended: create a new review to review again",
            def.name
        ));
    }
    if let Some(open) = state
        .instances
        .values()
        .find(|i| i.definition == def.id && i.is_open())
    {
        return refuse(format!(
            "the occurrence of \u{201c}{}\u{201d} for {} is still in progress: wait for it to finish, or stop it, before running another",
            def.name, open.resource.name
        ));
    }
    if def.scope.resources.is_empty() {
        return refuse(format!(
            "\u{201c}{}\u{201d} has no resources in its scope",
            def.name
        ));
    }
    Ok(extra_run(
        &state.directory,
        review,
        &review.definition.scope.resources,
        ExtraCause::RunNow,
        now,
        |_| true,
    ))
}

/// The events of an extra run of `review` at `at` on directory `dir`: the run, then one
/// instance per resource of `resources` (of its scope), each narrowed by `keep` (an instance
/// left with no reviewee is not started).
pub(super) fn extra_run(
    dir: &crate::Directory,
    review: &Review,
    resources: &[String],
    cause: ExtraCause,
    at: DateTime<Utc>,
    mut keep: impl FnMut(&mut crate::Instance) -> bool,
) -> Vec<Event> {
    let def = &review.definition;
    let run = review.extra_runs;
    // Inside the series: numbered with the occurrence that ran last (or the first).
    let occurrence = review.next_occurrence.saturating_sub(1);
    let instances: Vec<Event> = resources
        .iter()
        .filter_map(|r| {
            let mut inst = snapshot(def, dir, r, occurrence, at);
            inst.id = extra_instance_id(&def.id, occurrence, &cause, run, r);
            keep(&mut inst).then(|| Event::InstanceStarted {
                instance: Box::new(inst),
            })
        })
        .collect();
    if instances.is_empty() {
        return instances;
    }
    let mut events = vec![Event::ExtraOccurrenceStarted {
        definition: def.id.clone(),
        run,
        at,
        cause,
    }];
    events.extend(instances);
    events
}
