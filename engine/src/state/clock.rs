//! The clock: what becomes due as time passes (guest deletions, the halfway reminder, stage
//! deadlines, recurring occurrences), one moment at a time.

use super::*;

impl State {
    /// Run due transitions one moment at a time, applying each before looking for the next.
    pub(super) fn advance(&mut self, now: DateTime<Utc>) -> Vec<Event> {
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

/// The events that start occurrence `n` of a review: one instance per resource.
pub(super) fn start_occurrence(
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

/// Bounded catch-up: of a review's occurrences that are due by `now`, only the latest
/// starts; earlier ones that were never started are skipped (their numbers stay unused, a
/// gap in the instance ids). A recurring review created to start far in the past so costs
/// one occurrence's work, not one per period missed. Without any due occurrence this is
/// the next one.
pub(super) fn latest_due_occurrence(schedule: &Schedule, from: u32, now: DateTime<Utc>) -> u32 {
    let mut n = from;
    while let Some(next) = n.checked_add(1) {
        match schedule.occurrence_start(next) {
            Some(at) if at <= now => n = next,
            _ => break,
        }
    }
    n
}

/// The halfway reminder: when a review sends reminders, a stage that has not yet reminded
/// reminds its reviewers once, halfway between its start and its deadline (Entra's rule).
/// None when the review sends none, the stage already reminded, or it has no duration.
pub(crate) fn reminder_at(
    def: &ReviewDefinition,
    stage: &crate::instance::StageState,
    started: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    (def.settings.reminders && !stage.reminded && deadline > started)
        .then(|| started + (deadline - started) / 2)
}

/// A transition the clock makes due.
pub(super) enum Due<'a> {
    Deletion(&'a str),
    Reminder(&'a Instance),
    Deadline(&'a Instance),
    /// The review and the occurrence to start (see `latest_due_occurrence`).
    Occurrence(&'a Review, u32),
}

/// The events of the earliest transition due at or before `now`, stamped with the time it
/// was scheduled for. Ties go deletions, reminders, deadlines, then new occurrences, so a
/// recurring instance ends before its successor starts.
pub(super) fn next_due(state: &State, now: DateTime<Utc>) -> Vec<Event> {
    let mut due: Vec<(DateTime<Utc>, u8, Due)> = Vec::new();
    for (user, at) in &state.pending_deletions {
        due.push((*at, 0, Due::Deletion(user)));
    }
    for inst in state.instances.values().filter(|i| i.is_open()) {
        let stage = &inst.stages[inst.current_stage];
        let (Some(started), Some(deadline)) = (stage.started, stage.deadline) else {
            continue;
        };
        if let Some(at) = reminder_at(state.definition_of(inst), stage, started, deadline) {
            due.push((at, 1, Due::Reminder(inst)));
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
